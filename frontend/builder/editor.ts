// The question editor panel: key, texts, "required" and the options of every question type, then the
// logic editor. Texts are edited in the base language here; other languages in the Translations tab.

import type { Builder } from "./app";
import { LogicEditor } from "./conditions";
import { announce, button, checkbox, field, h, oid, rerender, select, t, uid } from "./dom";
import { typeLabel } from "./list";
import { autoKeys, KEY_RE, questionKeys, renameChoice, renameQuestion, setText, slug, uniqueKey } from "./model";
import type { Choice, Issue, Question } from "./types";

const CONTACT_FIELDS = ["name", "email", "phone", "company"];

export function languageName(app: Builder, code: string): string {
  return app.data.languages.find((l) => l.code === code)?.name || code;
}

export class QuestionEditor {
  readonly root: HTMLElement;
  private logic: LogicEditor;
  private shownIssues: Issue[] | null = null;
  // Options are attached to the question only when one is set, so that merely looking at a question
  // does not change the draft.
  private attach: () => void = () => undefined;

  constructor(private app: Builder) {
    this.root = h("section", { class: "bld-editor card", "aria-labelledby": "editor-heading" });
    this.logic = new LogicEditor(app);
    app.on("structure", () => this.render());
    app.on("state", () => {
      if (this.shownIssues !== app.issues) { this.shownIssues = app.issues; app.decorate(this.root); }
    });
  }

  render(): void {
    const app = this.app;
    const q = app.selected && app.def.questions.includes(app.selected) ? app.selected : null;
    rerender(this.root, () => {
      if (!q) {
        return [h("h2", { id: "editor-heading", tabindex: "-1", "data-focus": "editor-heading" }, t("editor_empty_title")),
          h("p", { class: "muted" }, t("editor_empty_help"))];
      }
      const n = app.def.questions.indexOf(q);
      const qtype = app.data.question_types.find((x) => x.key === q.type);
      return [
        h("h2", { id: "editor-heading", tabindex: "-1", "data-focus": "editor-heading" },
          t("editor_title", { number: n + 1, type: typeLabel(app, q.type) })),
        this.keyField(q, n),
        this.text(q, "text", `questions[${n}].text`, t("question_text"), { multiline: true, help: t("piping_help"), required: true }),
        this.text(q, "description", `questions[${n}].description`, t("description"), { multiline: true }),
        qtype?.answerable === false ? null : h("div", { "data-path": `questions[${n}].required` },
          checkbox(q.type === "consent" ? t("consent_required") : t("required"), !!q.required, (on) => {
            if (on) q.required = true; else delete q.required;
            app.changed("content");
          }, { "data-focus": `q-${oid(q)}-required` })),
        this.options(q, n),
        this.logic.section(q, n),
      ];
    });
    this.shownIssues = app.issues;
    app.decorate(this.root);
  }

  private keyField(q: Question, n: number): HTMLElement {
    const app = this.app;
    const live = app.data.live?.definition.questions.some((lq) => lq.key === q.key);
    const error = h("p", { class: "bld-issue", id: uid("keyerr"), hidden: true });
    const input = h("input", {
      type: "text", value: q.key, maxlength: "40", spellcheck: "false", autocomplete: "off",
      "data-focus": `q-${oid(q)}-key`, "data-path": `questions[${n}].key`, class: "bld-key",
      onInput: (e: Event) => {
        const value = (e.target as HTMLInputElement).value.trim();
        let problem = "";
        if (!KEY_RE.test(value)) problem = t("key_invalid");
        else if (questionKeys(app.def, q).includes(value)) problem = t("key_taken");
        error.textContent = problem;
        error.hidden = !problem;
        if (problem) { input.setAttribute("aria-invalid", "true"); return; }
        input.removeAttribute("aria-invalid");
        if (value === q.key) return;
        renameQuestion(app.def, q.key, value);
        q.key = value;
        app.changed("content");
      },
    });
    const f = field(t("question_key"), input, { help: live ? t("key_help_live") : t("key_help") });
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${error.id}`.trim());
    f.appendChild(error);
    return f;
  }

  // A text in the base language.
  private text(
    owner: Record<string, any>, prop: string, path: string, label: string,
    opts: { multiline?: boolean; help?: string; focus?: string; required?: boolean } = {},
  ): HTMLElement {
    const app = this.app;
    const base = app.def.base_language;
    const attrs = {
      value: owner[prop]?.[base] ?? "", "data-path": path, lang: base,
      "data-focus": opts.focus || `${oid(owner)}-${prop}`,
      onInput: (e: Event) => {
        setText(owner, prop, base, (e.target as HTMLInputElement).value, opts.required);
        this.attach();
        app.changed("content");
      },
    };
    const control = opts.multiline ? h("textarea", { rows: "2", ...attrs }) : h("input", { type: "text", ...attrs });
    return field(`${label} (${languageName(app, base)})`, control, { help: opts.help });
  }

  private number(
    owner: Record<string, any>, prop: string, path: string, label: string, min: number, max: number,
  ): HTMLElement {
    const app = this.app;
    const error = h("p", { class: "bld-issue", id: uid("numerr"), hidden: true });
    const input = h("input", {
      type: "number", min: String(min), max: String(max), step: "1", inputmode: "numeric",
      value: owner[prop] === undefined ? "" : String(owner[prop]), "data-path": path, "data-focus": `${oid(owner)}-${prop}`,
      onInput: (e: Event) => {
        const raw = (e.target as HTMLInputElement).value.trim();
        const value = Number(raw);
        const ok = raw === "" || (Number.isInteger(value) && value >= min && value <= max);
        error.textContent = ok ? "" : t("number_range", { min, max });
        error.hidden = ok;
        if (!ok) { input.setAttribute("aria-invalid", "true"); return; }
        input.removeAttribute("aria-invalid");
        if (raw === "") delete owner[prop]; else owner[prop] = value;
        this.attach();
        app.changed("content");
      },
    });
    const f = field(label, input);
    input.setAttribute("aria-describedby", error.id);
    f.appendChild(error);
    return f;
  }

  private choiceOf(owner: Record<string, any>, prop: string, path: string, label: string, values: [string, string][], fallback: string): HTMLElement {
    const control = select(values, String(owner[prop] ?? fallback), (v) => {
      owner[prop] = /^\d+$/.test(v) ? Number(v) : v;
      this.attach();
      this.app.changed("structure");
    }, { id: uid("opt"), "data-path": path, "data-focus": `${oid(owner)}-${prop}` });
    return field(label, control);
  }

  private flag(owner: Record<string, any>, prop: string, path: string, label: string): HTMLElement {
    return h("div", { "data-path": path }, checkbox(label, !!owner[prop], (on) => {
      if (on) owner[prop] = true; else delete owner[prop];
      this.attach();
      this.app.changed("structure");
    }, { "data-focus": `${oid(owner)}-${prop}` }));
  }

  private options(q: Question, n: number): HTMLElement | null {
    const at = `questions[${n}].options`;
    const o: Record<string, any> = q.options || {};
    this.attach = () => { if (!q.options && Object.keys(o).length) q.options = o; };
    const parts: (HTMLElement | null)[] = [];
    const labels = () => [
      this.text(o, "low_label", `${at}.low_label`, t("low_label")),
      this.text(o, "high_label", `${at}.high_label`, t("high_label")),
    ];
    switch (q.type) {
      case "nps":
      case "ces":
        parts.push(...labels());
        break;
      case "csat":
        parts.push(this.choiceOf(o, "style", `${at}.style`, t("style"), ["numbers", "stars", "faces"].map((s) => [s, t(`style_${s}`)]), "numbers"));
        break;
      case "rating":
        parts.push(this.choiceOf(o, "style", `${at}.style`, t("style"), ["numbers", "stars", "faces", "thumbs"].map((s) => [s, t(`style_${s}`)]), "numbers"));
        if (o.style !== "thumbs") parts.push(this.choiceOf(o, "points", `${at}.points`, t("points"), ["3", "5", "7", "10"].map((p) => [p, p]), "5"));
        parts.push(...labels());
        break;
      case "single_choice":
      case "dropdown":
      case "multiple_choice":
      case "ranking":
        parts.push(this.items(q, "choices", n, t("choices"), t("choice")));
        if (q.type !== "ranking") parts.push(this.flag(o, "allow_other", `${at}.allow_other`, t("allow_other")));
        parts.push(this.flag(o, "randomize", `${at}.randomize`, t("randomize")));
        if (q.type === "multiple_choice") {
          parts.push(h("div", { class: "bld-inline" },
            this.number(o, "min_selected", `${at}.min_selected`, t("min_selected"), 1, 200),
            this.number(o, "max_selected", `${at}.max_selected`, t("max_selected"), 1, 200)));
        }
        break;
      case "text":
        parts.push(h("div", { class: "bld-inline" },
          this.choiceOf(o, "variant", `${at}.variant`, t("text_variant"), [["short", t("variant_short")], ["long", t("variant_long")]], "short"),
          this.choiceOf(o, "validation", `${at}.validation`, t("text_validation"),
            ["none", "email", "number", "phone"].map((v) => [v, t(`validation_${v}`)]), "none")));
        parts.push(h("div", { class: "bld-inline" },
          this.number(o, "min_length", `${at}.min_length`, t("min_length"), 0, 5000),
          this.number(o, "max_length", `${at}.max_length`, t("max_length"), 0, 5000)));
        parts.push(this.text(o, "placeholder", `${at}.placeholder`, t("placeholder")));
        break;
      case "matrix":
        parts.push(this.items(q, "rows", n, t("rows"), t("row")));
        parts.push(this.items(q, "columns", n, t("columns"), t("column")));
        break;
      case "consent":
        parts.push(this.text(o, "label", `${at}.label`, t("consent_label"), { required: true }));
        break;
      case "contact":
        parts.push(this.contact(q, o, at));
        break;
      default:
        break;
    }
    if (!parts.length) return null;
    return h("section", { class: "bld-options", "aria-labelledby": `opts-${oid(q)}` },
      h("h3", { id: `opts-${oid(q)}` }, t("options")), parts);
  }

  private contact(q: Question, o: Record<string, any>, at: string): HTMLElement {
    const app = this.app;
    const fields: Record<string, { required?: boolean }> = o.fields || {};
    const save = () => { o.fields = fields; this.attach(); };
    return h("fieldset", { class: "fieldset", "data-path": `${at}.fields` },
      h("legend", null, t("contact_fields")),
      CONTACT_FIELDS.map((name) => h("div", { class: "bld-inline bld-contact-row" },
        checkbox(t(`contact_${name}`), name in fields, (on) => {
          if (on) fields[name] = { required: false }; else delete fields[name];
          save();
          app.changed("structure");
        }, { "data-focus": `${oid(q)}-contact-${name}` }),
        name in fields ? checkbox(t("contact_required", { field: t(`contact_${name}`) }), !!fields[name].required, (on) => {
          fields[name] = { required: on };
          save();
          app.changed("content");
        }, { "data-focus": `${oid(q)}-contact-${name}-req` }) : null)));
  }

  // Choices, matrix rows or matrix columns: label (base language), key, reorder, remove, add.
  private items(q: Question, part: "choices" | "rows" | "columns", n: number, legend: string, noun: string): HTMLElement {
    const app = this.app;
    const items: Choice[] = (q[part] = q[part] || []);
    const base = app.def.base_language;
    const at = `questions[${n}].${part}`;
    const taken = (except: Choice) => items.filter((c) => c !== except).map((c) => c.key);
    const rows = items.map((item, i) => {
      const id = oid(item);
      const name = item.label?.[base] || item.key;
      const keyInput = h("input", {
        type: "text", value: item.key, id: uid("ck"), maxlength: "40", spellcheck: "false", class: "bld-key",
        "data-path": `${at}[${i}].key`, "data-focus": `item-${id}-key`,
        onInput: (e: Event) => {
          const value = (e.target as HTMLInputElement).value.trim();
          const ok = KEY_RE.test(value) && value !== "other" && !taken(item).includes(value);
          if (!ok) { keyInput.setAttribute("aria-invalid", "true"); return; }
          keyInput.removeAttribute("aria-invalid");
          autoKeys.delete(item);
          if (part === "choices") renameChoice(app.def, q.key, item.key, value);
          item.key = value;
          app.changed("content");
        },
      });
      const labelInput = h("input", {
        type: "text", value: item.label?.[base] ?? "", id: uid("cl"), lang: base,
        "data-path": `${at}[${i}].label`, "data-focus": `item-${id}-label`,
        onInput: (e: Event) => {
          const value = (e.target as HTMLInputElement).value;
          setText(item, "label", base, value, true);
          if (autoKeys.has(item)) {
            const next = uniqueKey(slug(value), taken(item), part === "choices" ? "choice" : part === "rows" ? "row" : "column");
            if (next !== item.key) {
              if (part === "choices") renameChoice(app.def, q.key, item.key, next);
              item.key = next;
              keyInput.value = next;
            }
          }
          app.changed("content");
        },
      });
      const move = (to: number) => {
        items.splice(i, 1);
        items.splice(to, 0, item);
        app.changed("structure");
        announce(t("moved_to", { position: to + 1, total: items.length }));
      };
      return h("li", { class: "bld-item bld-row", "data-path": `${at}[${i}]` },
        h("div", { class: "field" }, h("label", { for: labelInput.id }, t("item_label", { noun, number: i + 1 })), labelInput),
        h("div", { class: "field bld-item-key" }, h("label", { for: keyInput.id }, t("item_key", { noun, number: i + 1 })), keyInput),
        h("div", { class: "bld-item-actions" },
          button("↑", () => { if (i > 0) move(i - 1); }, { class: "btn btn-small bld-icon", "aria-label": t("move_up", { title: name }), "aria-disabled": i === 0 ? "true" : null, "data-focus": `item-${id}-up` }),
          button("↓", () => { if (i < items.length - 1) move(i + 1); }, { class: "btn btn-small bld-icon", "aria-label": t("move_down", { title: name }), "aria-disabled": i === items.length - 1 ? "true" : null, "data-focus": `item-${id}-down` }),
          button(t("remove"), () => {
            items.splice(i, 1);
            app.changed("structure");
          }, { class: "btn btn-small btn-danger", "aria-label": t("remove_named", { title: name }), "data-focus": `item-${id}-remove` })));
    });
    const add = button(t("add_item", { noun }), () => {
      const number = items.length + 1;
      const label = app.data.choice_label.replace("%(number)s", String(number));
      const item: Choice = { key: uniqueKey(slug(label), items.map((c) => c.key), part === "choices" ? "choice" : part.slice(0, -1)), label: { [base]: label } };
      autoKeys.add(item);
      items.push(item);
      app.changed("structure");
      const focus = `item-${oid(item)}-label`;
      this.root.querySelector<HTMLElement>(`[data-focus="${focus}"]`)?.focus();
    }, { "data-focus": `add-${part}-${oid(q)}` });
    return h("fieldset", { class: "fieldset bld-items", "data-path": at },
      h("legend", null, legend),
      h("ol", { class: "bld-item-list" }, rows),
      add);
  }
}
