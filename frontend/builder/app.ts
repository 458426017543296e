// The builder's state: the draft being edited, saving it (autosave and the Save button), the status
// line, the server's issues next to the offending fields, and whether publishing is possible.

import { button, h, t } from "./dom";
import { missingTranslations, sameJson } from "./model";
import type { BuilderData, Definition, Issue, Missing, Question } from "./types";

const AUTOSAVE_MS = 1500;

type Listener = () => void;

export class Builder {
  readonly data: BuilderData;
  def: Definition;
  revision: number;
  selected: Question | null = null;
  issues: Issue[];
  serverWarnings: Missing[] | null = null;
  dirty = false;
  saving = false;
  conflict = false;
  leaving = false;
  failure: string | null = null;
  private edits = 0;
  private timer: number | undefined;
  private listeners: Record<"structure" | "content" | "state", Listener[]> = { structure: [], content: [], state: [] };
  // Set by the UI: shows a tab and the question behind an issue.
  reveal: (issue: Issue) => void = () => undefined;

  constructor(data: BuilderData) {
    this.data = data;
    this.def = data.definition;
    this.revision = data.revision;
    this.issues = data.issues;
    this.selected = this.def.questions[0] || null;
  }

  on(kind: "structure" | "content" | "state", fn: Listener): void {
    this.listeners[kind].push(fn);
  }

  emit(kind: "structure" | "content" | "state"): void {
    for (const fn of this.listeners[kind]) fn();
  }

  // The definition changed. "structure": questions, choices or logic were added, removed or moved, so
  // lists and editors are drawn again; "content": only words or values changed (typing).
  changed(kind: "structure" | "content" = "content"): void {
    this.edits += 1;
    this.dirty = true;
    if (kind === "structure") this.emit("structure");
    this.emit("content");
    this.emit("state");
    this.schedule();
  }

  schedule(delay = AUTOSAVE_MS): void {
    window.clearTimeout(this.timer);
    if (this.conflict) return;
    this.timer = window.setTimeout(() => { void this.save(); }, delay);
  }

  liveDiffers(): boolean {
    return !!this.data.live && !sameJson(this.data.live.definition, this.def);
  }

  missing(): Missing[] {
    return missingTranslations(this.def);
  }

  publishBlocker(): string | null {
    if (this.conflict) return t("publish_blocked_conflict");
    if (this.saving || this.dirty) return t("publish_blocked_unsaved");
    if (this.issues.length) return t("publish_blocked_invalid");
    if (!this.def.questions.length) return t("publish_blocked_empty");
    if (this.data.live && !this.liveDiffers()) return t("publish_blocked_unchanged");
    return null;
  }

  async save(): Promise<void> {
    window.clearTimeout(this.timer);
    if (this.saving || this.conflict) return;
    if (!this.dirty && !this.failure) {
      this.emit("state");
      return;
    }
    this.saving = true;
    const edits = this.edits;
    this.emit("state");
    let again = false;
    try {
      const response = await fetch(this.data.urls.draft, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ definition: this.def, revision: this.revision }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        this.revision = body.revision;
        this.serverWarnings = body.warnings || [];
        this.issues = [];
        this.failure = null;
        this.dirty = this.edits !== edits;
        again = this.dirty;
      } else if (response.status === 409) {
        this.conflict = true;
        this.failure = body.detail || t("conflict");
      } else {
        this.issues = Array.isArray(body.issues) ? body.issues : [];
        this.failure = body.detail || t("save_failed_status", { status: response.status });
        again = this.edits !== edits;
      }
    } catch {
      this.failure = t("save_failed_network");
      again = this.edits !== edits;
    } finally {
      this.saving = false;
    }
    this.emit("state");
    if (again) this.schedule();
  }

  // Puts the server's issues next to the fields they name (by data-path) inside ``root``. Only what
  // this put there is removed again (fields also show their own, client-side errors).
  decorate(root: ParentNode): void {
    root.querySelectorAll(".bld-server-issue").forEach((el) => el.remove());
    root.querySelectorAll("[data-server-invalid]").forEach((el) => {
      el.removeAttribute("data-server-invalid");
      el.removeAttribute("aria-invalid");
      const described = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.startsWith("issue-"));
      if (described.length) el.setAttribute("aria-describedby", described.join(" "));
      else el.removeAttribute("aria-describedby");
    });
    this.issues.forEach((issue, n) => {
      const target = findPath(root, issue.path);
      if (!target) return;
      const id = `issue-${n}-${Math.random().toString(36).slice(2, 8)}`;
      const message = h("p", { class: "bld-issue bld-server-issue", id }, issue.message);
      const control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("data-server-invalid", "");
        control.setAttribute("aria-describedby", `${control.getAttribute("aria-describedby") || ""} ${id}`.trim());
      }
      const wrapper = target.closest(".field, .field-check, .bld-row") || target;
      const inside = wrapper === target && target.matches("fieldset, div, section, ul, li");
      wrapper.insertAdjacentElement(inside ? "beforeend" : "afterend", message);
    });
  }

  renderStatus(status: HTMLElement, problems: HTMLElement): void {
    let text: string;
    if (this.conflict) text = this.failure || t("conflict");
    else if (this.saving) text = t("saving");
    else if (this.failure) text = t("not_saved", { reason: this.failure });
    else if (this.dirty) text = t("unsaved");
    else text = t("saved");
    const warnings = this.serverWarnings && !this.dirty ? this.serverWarnings.length : this.missing().length;
    if (!this.conflict && !this.failure && warnings) text += ` ${t("translations_missing_status", { count: warnings })}`;
    if (status.textContent !== text) status.textContent = text;
    status.classList.toggle("is-error", !!this.failure || this.conflict);

    const items: Node[] = [];
    if (this.conflict) {
      items.push(h("p", null, t("conflict_help")),
        button(t("reload"), () => { this.leaving = true; window.location.reload(); }, { class: "btn btn-primary", "data-focus": "reload" }));
    } else if (this.issues.length) {
      items.push(h("h2", { class: "bld-problems-title" }, t("problems_title", { count: this.issues.length })),
        h("ul", { class: "bld-problems-list" }, this.issues.map((issue) =>
          h("li", null, button(this.issueLabel(issue), () => this.reveal(issue), { class: "btn-link" })))));
    }
    problems.replaceChildren(...items);
    problems.hidden = !items.length;
  }

  issueLabel(issue: Issue): string {
    const place = issue.question
      ? t("issue_in_question", { key: issue.question })
      : issue.path.startsWith("endings") ? t("issue_in_endings")
        : issue.path ? t("issue_in_settings") : "";
    return place ? `${place}: ${issue.message}` : issue.message;
  }
}

function findPath(root: ParentNode, path: string): HTMLElement | null {
  // The exact field, else the closest enclosing part (a condition row, a choice, the question).
  let p = path;
  while (p) {
    const el = root.querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`);
    if (el) return el;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return null;
}

export function csrfToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');
  if (meta && meta.content) return meta.content;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}
