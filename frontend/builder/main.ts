// The survey builder (surveys/views/builder.py renders the shell and embeds the draft as JSON in
// #builder-data). Vanilla TypeScript: the tabs, the question list and editor, translations, endings,
// hidden fields, design, the live preview, autosave and publishing.

import { Builder } from "./app";
import { focusKey, h, setStrings, t } from "./dom";
import { QuestionEditor } from "./editor";
import { QuestionList } from "./list";
import { setKeyPattern } from "./model";
import { DesignPanel, EndingsPanel, HiddenFieldsPanel } from "./panels";
import { Preview } from "./preview";
import { Translations } from "./translations";
import type { BuilderData, Issue } from "./types";

type TabName = "questions" | "endings" | "hidden" | "translations" | "design";

function start(): void {
  const root = document.getElementById("builder-root");
  const source = document.getElementById("builder-data");
  if (!root || !source) return;
  const data = JSON.parse(source.textContent || "{}") as BuilderData;
  setStrings(data.strings);
  setKeyPattern(data.key_pattern);
  const app = new Builder(data);

  const list = new QuestionList(app);
  const editor = new QuestionEditor(app);
  const translations = new Translations(app);
  const endings = new EndingsPanel(app);
  const hidden = new HiddenFieldsPanel(app);
  const design = new DesignPanel(app);
  const preview = new Preview(app);

  const questionsHeading = h("h2", { id: "questions-heading" }, t("questions"));
  const panels: Record<TabName, HTMLElement> = {
    questions: h("div", { class: "bld-questions" }, h("div", { class: "bld-list-column" }, questionsHeading, list.root), editor.root),
    endings: endings.root,
    hidden: hidden.root,
    translations: translations.root,
    design: design.root,
  };
  const labels: Record<TabName, string> = {
    questions: t("tab_questions"), endings: t("tab_endings"), hidden: t("tab_hidden"),
    translations: t("tab_translations"), design: t("tab_design"),
  };
  const names = Object.keys(panels) as TabName[];
  const tabs: Record<string, HTMLButtonElement> = {};
  // A tab shows the draft as it is now (texts may have changed while it was hidden).
  const refresh: Partial<Record<TabName, () => void>> = {
    translations: () => translations.render(), endings: () => endings.render(),
    hidden: () => hidden.render(), design: () => design.render(),
  };
  const select = (name: TabName, focus = false) => {
    if (wrappers[name].hidden) refresh[name]?.();
    for (const other of names) {
      const on = other === name;
      tabs[other].setAttribute("aria-selected", String(on));
      tabs[other].tabIndex = on ? 0 : -1;
      wrappers[other].hidden = !on;
    }
    if (focus) tabs[name].focus();
  };
  for (const name of names) {
    tabs[name] = h("button", {
      type: "button", role: "tab", id: `tab-${name}`, "aria-controls": `panel-${name}`, class: "bld-tab",
      onClick: () => select(name),
      onKeydown: (e: KeyboardEvent) => {
        const at = names.indexOf(name);
        const to = e.key === "ArrowRight" ? (at + 1) % names.length
          : e.key === "ArrowLeft" ? (at - 1 + names.length) % names.length
            : e.key === "Home" ? 0 : e.key === "End" ? names.length - 1 : -1;
        if (to < 0) return;
        e.preventDefault();
        select(names[to], true);
      },
    }, labels[name]);
  }
  const wrappers = Object.fromEntries(names.map((name) => [name, h("div", {
    role: "tabpanel", id: `panel-${name}`, "aria-labelledby": `tab-${name}`, class: "bld-panel",
  }, panels[name])])) as unknown as Record<TabName, HTMLElement>;

  root.replaceChildren(h("div", { class: "bld-layout" },
    h("div", { class: "bld-workspace" },
      h("div", { role: "tablist", class: "bld-tabs", "aria-label": t("builder_sections") }, names.map((n) => tabs[n])),
      names.map((n) => wrappers[n])),
    preview.root));
  select("questions");

  app.reveal = (issue: Issue) => {
    const path = issue.path;
    const match = /^questions\[(\d+)\]/.exec(path);
    let tab: TabName = "design";
    if (match) {
      tab = "questions";
      app.selected = app.def.questions[Number(match[1])] || app.selected;
      app.emit("structure");
    } else if (path.startsWith("endings")) tab = "endings";
    else if (path.startsWith("hidden_fields")) tab = "hidden";
    else if (path.startsWith("languages") || path.startsWith("base_language")) tab = "translations";
    select(tab);
    let p = path;
    while (p) {
      const el = wrappers[tab].querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`);
      const control = el && (el.matches("input, select, textarea, button") ? el : el.querySelector<HTMLElement>("input, select, textarea, button"));
      if (control) { control.focus(); return; }
      const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    if (tab === "questions") focusKey("editor-heading");
    else tabs[tab].focus();
  };

  // The toolbar rendered by the server: status, Save, Publish, the live-version notice.
  const status = document.getElementById("builder-status") as HTMLElement;
  const problems = document.getElementById("builder-problems") as HTMLElement;
  const saveButton = document.getElementById("save-button") as HTMLButtonElement | null;
  const publishForm = document.getElementById("publish-form") as HTMLFormElement | null;
  const publishButton = document.getElementById("publish-button") as HTMLButtonElement | null;
  const publishHint = document.getElementById("publish-hint");
  const liveNotice = document.getElementById("live-notice");

  app.on("state", () => {
    app.renderStatus(status, problems);
    const blocker = app.publishBlocker();
    if (publishButton) publishButton.disabled = blocker !== null;
    if (publishHint) publishHint.textContent = blocker || "";
    if (saveButton) saveButton.disabled = app.conflict;
    if (liveNotice) {
      liveNotice.textContent = !data.live ? t("not_published")
        : app.liveDiffers() ? t("live_changed", { number: data.live.number }) : t("live_same", { number: data.live.number });
      liveNotice.classList.toggle("badge-warning", app.liveDiffers());
    }
  });
  saveButton?.addEventListener("click", () => { void app.save(); });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      void app.save();
    }
  });
  publishForm?.addEventListener("submit", (e) => {
    if (app.publishBlocker() !== null) {
      e.preventDefault();
      return;
    }
    app.leaving = true;
  });
  window.addEventListener("beforeunload", (e) => {
    if (app.leaving || !(app.dirty || app.saving)) return;
    e.preventDefault();
    // Older browsers need returnValue set to show the dialog.
    e.returnValue = "";
  });

  app.emit("structure");
  preview.mount();
  app.emit("state");
  root.setAttribute("aria-busy", "false");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
