// Languages and translations: the base language, the languages offered, and a side-by-side table
// (base text next to the chosen language's input) with missing texts counted and highlighted.

import type { Builder } from "./app";
import { checkbox, field, h, rerender, select, t, uid } from "./dom";
import { languageName } from "./editor";
import { localized, setText, textFields, type TextField } from "./model";
import type { Issue } from "./types";

export class Translations {
  readonly root: HTMLElement;
  private target = "";
  private shownIssues: Issue[] | null = null;

  constructor(private app: Builder) {
    this.root = h("div", { class: "bld-translations" });
    app.on("structure", () => this.render());
    app.on("content", () => this.updateCounts());
    app.on("state", () => {
      if (this.shownIssues !== app.issues) { this.shownIssues = app.issues; app.decorate(this.root); }
    });
  }

  private others(): string[] {
    return this.app.def.languages.filter((l) => l !== this.app.def.base_language);
  }

  render(): void {
    const app = this.app;
    const def = app.def;
    const others = this.others();
    if (!others.includes(this.target)) this.target = others[0] || "";
    rerender(this.root, () => {
      const baseSelect = select(app.data.languages.map((l) => [l.code, l.name]), def.base_language, (code) => {
        def.base_language = code;
        if (!def.languages.includes(code)) def.languages = this.ordered([...def.languages, code]);
        app.changed("structure");
      }, { id: uid("base"), "data-focus": "base-language", "data-path": "base_language" });
      const languages = h("fieldset", { class: "fieldset", "data-path": "languages" },
        h("legend", null, t("survey_languages")),
        field(t("base_language"), baseSelect, { help: t("base_language_help") }),
        app.data.languages.filter((l) => l.code !== def.base_language).map((l) => h("div", { class: "bld-language" },
          checkbox(l.name, def.languages.includes(l.code), (on) => {
            def.languages = this.ordered(on ? [...def.languages, l.code] : def.languages.filter((c) => c !== l.code));
            if (on) this.target = l.code;
            app.changed("structure");
          }, { "data-focus": `lang-${l.code}` }),
          h("span", { class: "badge badge-warning bld-missing-badge", "data-language": l.code, hidden: true }))));
      const parts: (HTMLElement | null)[] = [
        h("h2", { id: "translations-heading" }, t("translations")),
        languages,
      ];
      if (!others.length) {
        parts.push(h("p", { class: "muted" }, t("no_translations")));
        return parts;
      }
      const targetSelect = select(others.map((code) => [code, languageName(app, code)]), this.target, (code) => {
        this.target = code;
        this.render();
      }, { id: uid("target"), "data-focus": "translate-into" });
      parts.push(field(t("translate_into"), targetSelect));
      parts.push(h("p", { class: "bld-missing-summary", id: "missing-summary" }));
      parts.push(this.table());
      return parts;
    });
    this.updateCounts();
    this.shownIssues = app.issues;
    app.decorate(this.root);
  }

  private ordered(codes: string[]): string[] {
    return this.app.data.languages.map((l) => l.code).filter((c) => codes.includes(c));
  }

  private where(f: TextField): string {
    const app = this.app;
    const base = app.def.base_language;
    if (f.question.startsWith("ending:")) {
      const key = f.question.slice(7);
      return `${t("ending_named", { key })} · ${f.field === "title" ? t("ending_title") : t("ending_text")}`;
    }
    const n = app.def.questions.findIndex((q) => q.key === f.question);
    const [part, sub] = f.field.split(".");
    let what: string;
    if (part === "text") what = t("question_text");
    else if (part === "description") what = t("description");
    else if (part === "options") what = t(sub === "label" ? "consent_label" : sub);
    else {
      const label = localized(f.owner.label, base, base);
      what = `${t(part === "choices" ? "choice" : part === "rows" ? "row" : "column")}: ${label}`;
    }
    return `${n + 1}. ${f.question} · ${what}`;
  }

  private table(): HTMLElement {
    const app = this.app;
    const base = app.def.base_language;
    const lang = this.target;
    const fields = textFields(app.def).filter((f) => String(f.owner[f.prop]?.[base] ?? "").trim() !== "");
    const rows = fields.map((f) => {
      const where = this.where(f);
      const baseText = f.owner[f.prop][base] as string;
      const value = f.owner[f.prop]?.[lang] ?? "";
      const flag = h("span", { class: "badge badge-warning bld-missing-flag" }, t("missing"));
      const attrs = {
        id: uid("tr"), value, lang, "data-path": f.path, "data-focus": `tr-${f.path}-${lang}`,
        onInput: (e: Event) => {
          setText(f.owner, f.prop, lang, (e.target as HTMLInputElement).value);
          app.changed("content");
        },
      };
      const input = baseText.length > 80 ? h("textarea", { rows: "3", ...attrs }) : h("input", { type: "text", ...attrs });
      return h("tr", { class: "bld-tr", "data-tr": f.path },
        h("th", { scope: "row" }, where),
        h("td", { lang: base, class: "bld-base-text" }, baseText),
        h("td", null,
          h("label", { class: "visually-hidden", for: attrs.id }, t("translation_of", { language: languageName(app, lang), where })),
          input, flag));
    });
    if (!rows.length) return h("p", { class: "muted" }, t("nothing_to_translate"));
    return h("div", { class: "table-wrap" }, h("table", { class: "bld-translation-table" },
      h("caption", { class: "visually-hidden" }, t("translation_table", { base: languageName(app, base), language: languageName(app, lang) })),
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, t("where")),
        h("th", { scope: "col" }, languageName(app, base)),
        h("th", { scope: "col" }, languageName(app, lang)))),
      h("tbody", null, rows)));
  }

  // Counts per language, the summary, and the highlighted rows, without redrawing the inputs.
  updateCounts(): void {
    const app = this.app;
    const missing = app.missing();
    this.root.querySelectorAll<HTMLElement>(".bld-missing-badge").forEach((badge) => {
      const code = badge.dataset.language || "";
      const count = missing.filter((m) => m.language === code).length;
      badge.hidden = !app.def.languages.includes(code) || count === 0;
      badge.textContent = t("missing_count", { count });
    });
    const lang = this.target;
    const summary = this.root.querySelector("#missing-summary");
    if (summary) {
      const count = missing.filter((m) => m.language === lang).length;
      summary.textContent = count
        ? t("missing_in_language", { count, language: languageName(app, lang) })
        : t("complete_in_language", { language: languageName(app, lang) });
      summary.classList.toggle("is-complete", count === 0);
    }
    const fields = new Map(textFields(app.def).map((f) => [f.path, f]));
    this.root.querySelectorAll<HTMLElement>(".bld-tr").forEach((row) => {
      const f = fields.get(row.dataset.tr || "");
      const empty = !f || String(f.owner[f.prop]?.[lang] ?? "").trim() === "";
      row.classList.toggle("is-missing", empty);
      const flag = row.querySelector<HTMLElement>(".bld-missing-flag");
      if (flag) flag.hidden = !empty;
    });
  }
}
