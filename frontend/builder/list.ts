// The question list: select, add (type picker), duplicate, delete with undo, and reorder by drag and
// drop (SortableJS) or by keyboard (move up/down buttons; focus stays on the moved question).

import Sortable from "sortablejs";

import type { Builder } from "./app";
import { announce, button, focusKey, h, oid, rerender, t, uid } from "./dom";
import { autoKeys, clone, questionKeys, referencesTo, uniqueKey } from "./model";
import type { Question } from "./types";

export function questionTitle(app: Builder, q: Question): string {
  const text = String(q.text?.[app.def.base_language] ?? "").trim();
  const short = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return short || q.key;
}

function problemsAt(app: Builder, n: number): number {
  const at = `questions[${n}]`;
  return app.issues.filter((i) => i.path === at || i.path.startsWith(`${at}.`)).length;
}

export function typeLabel(app: Builder, type: string): string {
  return app.data.question_types.find((qt) => qt.key === type)?.label || type;
}

export function newQuestion(app: Builder, type: string): Question {
  const defaults = clone(app.data.defaults[type] || {});
  const q = { key: uniqueKey(type, questionKeys(app.def), "question"), type, text: {}, ...defaults } as Question;
  for (const part of ["choices", "rows", "columns"] as const) for (const item of q[part] || []) autoKeys.add(item);
  return q;
}

export class QuestionList {
  readonly root: HTMLElement;
  private listEl: HTMLOListElement | null = null;
  private undo: { question: Question; index: number } | null = null;
  private picked: string;
  private dragging = false;

  constructor(private app: Builder) {
    this.root = h("div", { class: "bld-list" });
    this.picked = app.data.question_types[0]?.key || "nps";
    app.on("structure", () => this.render());
    app.on("state", () => this.updateLabels());
  }

  render(): void {
    const app = this.app;
    const questions = app.def.questions;
    // One list element for the page's life: SortableJS stays bound to it (re-creating the sortable on
    // every redraw leaves its auto-scroll holding destroyed instances).
    if (!this.listEl) {
      this.listEl = h("ol", { class: "bld-qlist", "aria-labelledby": "questions-heading" });
      Sortable.create(this.listEl, {
        handle: ".bld-drag-handle",
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 150,
        forceFallback: true,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        onStart: () => { this.dragging = true; },
        onEnd: (event) => {
          this.dragging = false;
          if (event.oldIndex === undefined || event.newIndex === undefined || event.oldIndex === event.newIndex) {
            this.render();
            return;
          }
          this.move(event.oldIndex, event.newIndex, null);
        },
      });
    }
    const listEl = this.listEl;
    rerender(this.root, () => {
      rerender(listEl, () => questions.map((q, n) => this.item(q, n, questions.length)));
      listEl.hidden = !questions.length;
      const picker = h("select", { id: uid("type"), "data-focus": "type-picker",
        onChange: (e: Event) => { this.picked = (e.target as HTMLSelectElement).value; } },
      app.data.question_types.map((qt) => h("option", { value: qt.key, selected: qt.key === this.picked }, qt.label)));
      const add = h("div", { class: "bld-add" },
        h("label", { for: picker.id }, t("question_type")), picker,
        button(t("add_question"), () => this.add(this.picked), { class: "btn btn-primary", "data-focus": "add-question" }));
      const undo = this.undo
        ? h("div", { class: "bld-undo", role: "group", "aria-label": t("undo") },
          h("span", null, t("deleted_question", { title: questionTitle(app, this.undo.question) })),
          button(t("undo"), () => this.restore(), { "data-focus": "undo" }))
        : null;
      return [
        listEl,
        questions.length ? null : h("p", { class: "muted" }, t("no_questions")),
        undo, add,
      ];
    });
  }

  private item(q: Question, n: number, total: number): HTMLElement {
    const app = this.app;
    const id = oid(q);
    const title = questionTitle(app, q);
    const problems = problemsAt(app, n);
    const selected = q === app.selected;
    const disabled = (on: boolean) => (on ? "true" : null);
    return h("li", { class: `bld-qitem${selected ? " is-selected" : ""}`, "data-question": q.key },
      h("span", { class: "bld-drag-handle", title: t("drag_to_reorder"), "aria-hidden": "true" }, "⋮⋮"),
      h("button", {
        type: "button", class: "bld-qselect", "aria-current": selected ? "true" : null, "data-focus": `q-${id}-select`,
        onClick: () => { app.selected = q; app.emit("structure"); focusKey("editor-heading"); },
      },
      h("span", { class: "bld-qnum" }, `${n + 1}.`),
      h("span", { class: "bld-qtext" }, title),
      h("span", { class: "bld-qmeta" }, `${typeLabel(app, q.type)} · ${q.key}`)),
      problems ? h("span", { class: "badge badge-danger" }, t("problem_count", { count: problems })) : null,
      h("div", { class: "bld-qactions" },
        button("↑", () => { if (n > 0) this.move(n, n - 1, "up"); }, {
          "aria-label": t("move_up", { title }), "aria-disabled": disabled(n === 0), "data-focus": `q-${id}-up`, class: "btn btn-small bld-icon",
        }),
        button("↓", () => { if (n < total - 1) this.move(n, n + 1, "down"); }, {
          "aria-label": t("move_down", { title }), "aria-disabled": disabled(n === total - 1), "data-focus": `q-${id}-down`, class: "btn btn-small bld-icon",
        }),
        button(t("duplicate"), () => this.duplicate(n), { "aria-label": t("duplicate_named", { title }), "data-focus": `q-${id}-dup` }),
        button(t("delete"), () => this.remove(n), { "aria-label": t("delete_named", { title }), "data-focus": `q-${id}-del`, class: "btn btn-small btn-danger" })));
  }

  private updateLabels(): void {
    // Typing changes titles: update the visible texts without redrawing (the focus may be in the editor).
    // While a question is dragged the list's elements are not in the definition's order.
    if (!this.listEl || this.dragging) return;
    this.app.def.questions.forEach((q, n) => {
      const li = this.listEl?.children[n] as HTMLElement | undefined;
      if (!li) return;
      const title = questionTitle(this.app, q);
      const text = li.querySelector(".bld-qtext");
      if (text && text.textContent !== title) text.textContent = title;
      const meta = li.querySelector(".bld-qmeta");
      const metaText = `${typeLabel(this.app, q.type)} · ${q.key}`;
      if (meta && meta.textContent !== metaText) meta.textContent = metaText;
      li.dataset.question = q.key;
      const labels: [string, string][] = [["up", "move_up"], ["down", "move_down"], ["dup", "duplicate_named"], ["del", "delete_named"]];
      for (const [suffix, name] of labels) {
        li.querySelector(`[data-focus="q-${oid(q)}-${suffix}"]`)?.setAttribute("aria-label", t(name, { title }));
      }
      const badge = li.querySelector(".badge-danger");
      const problems = problemsAt(this.app, n);
      if (problems && !badge) li.querySelector(".bld-qselect")?.after(h("span", { class: "badge badge-danger" }, t("problem_count", { count: problems })));
      else if (badge && !problems) badge.remove();
      else if (badge) badge.textContent = t("problem_count", { count: problems });
    });
  }

  move(from: number, to: number, via: "up" | "down" | null): void {
    const app = this.app;
    const [q] = app.def.questions.splice(from, 1);
    app.def.questions.splice(to, 0, q);
    app.selected = q;
    app.changed("structure");
    if (via) {
      // Keep the focus on the moved question's button, even when it reached the end of the list.
      focusKey(`q-${oid(q)}-${via}`);
    } else {
      focusKey(`q-${oid(q)}-select`);
    }
    announce(t("moved_to", { position: to + 1, total: app.def.questions.length }));
  }

  add(type: string): void {
    const app = this.app;
    const q = newQuestion(app, type);
    app.def.questions.push(q);
    app.selected = q;
    app.changed("structure");
    announce(t("question_added", { type: typeLabel(app, type), position: app.def.questions.length }));
    focusKey("editor-heading");
  }

  private duplicate(n: number): void {
    const app = this.app;
    const source = app.def.questions[n];
    const copy = clone(source);
    copy.key = uniqueKey(`${source.key.slice(0, 34)}_copy`, questionKeys(app.def), "question");
    // Logic of the copy would point forward from a new place; the copy starts without jumps.
    delete copy.jumps;
    app.def.questions.splice(n + 1, 0, copy);
    app.selected = copy;
    app.changed("structure");
    announce(t("question_duplicated", { position: n + 2 }));
    focusKey(`q-${oid(copy)}-select`);
  }

  private remove(n: number): void {
    const app = this.app;
    const q = app.def.questions[n];
    const refs = referencesTo(app.def, q.key) - referencesTo({ ...app.def, questions: [q] }, q.key);
    if (refs > 0 && !window.confirm(t("delete_referenced", { title: questionTitle(app, q), count: refs }))) return;
    app.def.questions.splice(n, 1);
    this.undo = { question: q, index: n };
    if (app.selected === q) app.selected = app.def.questions[Math.min(n, app.def.questions.length - 1)] || null;
    app.changed("structure");
    announce(t("question_deleted", { title: questionTitle(app, q) }));
    focusKey("undo");
  }

  private restore(): void {
    const app = this.app;
    if (!this.undo) return;
    const { question, index } = this.undo;
    this.undo = null;
    question.key = uniqueKey(question.key, questionKeys(app.def), "question");
    app.def.questions.splice(Math.min(index, app.def.questions.length), 0, question);
    app.selected = question;
    app.changed("structure");
    announce(t("question_restored", { title: questionTitle(app, question) }));
    focusKey(`q-${oid(question)}-select`);
  }
}
