// The smaller tabs: endings (thank-you message or redirect), hidden fields, and design (theme and
// layout settings).

import type { Builder } from "./app";
import { announce, button, checkbox, field, focusKey, h, oid, rerender, select, t, uid } from "./dom";
import { languageName } from "./editor";
import { KEY_RE, renameEnding, setText, uniqueKey } from "./model";
import type { Ending, Issue } from "./types";

abstract class Panel {
  readonly root: HTMLElement;
  private shownIssues: Issue[] | null = null;

  constructor(protected app: Builder, cls: string) {
    this.root = h("div", { class: cls });
    app.on("structure", () => this.render());
    app.on("state", () => {
      if (this.shownIssues !== app.issues) { this.shownIssues = app.issues; app.decorate(this.root); }
    });
  }

  render(): void {
    rerender(this.root, () => this.build());
    this.shownIssues = this.app.issues;
    this.app.decorate(this.root);
  }

  protected abstract build(): (HTMLElement | null)[];

  protected baseText(owner: Record<string, any>, prop: string, path: string, label: string, multiline = false, required = false): HTMLElement {
    const app = this.app;
    const base = app.def.base_language;
    const attrs = {
      value: owner[prop]?.[base] ?? "", lang: base, "data-path": path, "data-focus": `${oid(owner)}-${prop}`,
      onInput: (e: Event) => { setText(owner, prop, base, (e.target as HTMLInputElement).value, required); app.changed("content"); },
    };
    const control = multiline ? h("textarea", { rows: "3", ...attrs }) : h("input", { type: "text", ...attrs });
    return field(`${label} (${languageName(app, base)})`, control);
  }
}

export class EndingsPanel extends Panel {
  constructor(app: Builder) { super(app, "bld-endings"); }

  protected build(): (HTMLElement | null)[] {
    const app = this.app;
    const endings = app.def.endings;
    return [
      h("h2", null, t("endings")),
      h("p", { class: "help" }, t("endings_help")),
      h("ol", { class: "bld-ending-list" }, endings.map((e, n) => this.ending(e, n))),
      button(t("add_ending"), () => {
        const base = app.def.base_language;
        const ending: Ending = { key: uniqueKey("ending", endings.map((x) => x.key), "ending"), type: "message", title: { [base]: t("default_ending_title") } };
        endings.push(ending);
        app.changed("structure");
        focusKey(`${oid(ending)}-title`, this.root);
        announce(t("ending_added"));
      }, { class: "btn btn-primary", "data-focus": "add-ending" }),
    ];
  }

  private ending(e: Ending, n: number): HTMLElement {
    const app = this.app;
    const at = `endings[${n}]`;
    const id = oid(e);
    const keyError = h("p", { class: "bld-issue", id: uid("ekerr"), hidden: true });
    const keyInput = h("input", {
      type: "text", value: e.key, maxlength: "40", class: "bld-key", spellcheck: "false", "data-path": `${at}.key`, "data-focus": `${id}-key`,
      onInput: (ev: Event) => {
        const value = (ev.target as HTMLInputElement).value.trim();
        const taken = app.def.endings.some((x) => x !== e && x.key === value);
        const problem = !KEY_RE.test(value) ? t("key_invalid") : taken ? t("key_taken") : "";
        keyError.textContent = problem;
        keyError.hidden = !problem;
        if (problem) { keyInput.setAttribute("aria-invalid", "true"); return; }
        keyInput.removeAttribute("aria-invalid");
        renameEnding(app.def, e.key, value);
        e.key = value;
        app.changed("content");
      },
    });
    const keyField = field(t("ending_key"), keyInput, { help: t("ending_key_help") });
    keyInput.setAttribute("aria-describedby", `${keyInput.getAttribute("aria-describedby")} ${keyError.id}`);
    keyField.appendChild(keyError);
    const typeSelect = select([["message", t("ending_message")], ["redirect", t("ending_redirect")]], e.type, (v) => {
      e.type = v;
      if (v === "redirect") { delete e.title; delete e.text; e.url = e.url || "https://"; } else { delete e.url; e.title = e.title || { [app.def.base_language]: t("default_ending_title") }; }
      app.changed("structure");
    }, { id: uid("etype"), "data-path": `${at}.type`, "data-focus": `${id}-type` });
    const body = e.type === "redirect"
      ? [field(t("redirect_url"), h("input", {
        type: "url", value: e.url || "", "data-path": `${at}.url`, "data-focus": `${id}-url`, inputmode: "url",
        onInput: (ev: Event) => { e.url = (ev.target as HTMLInputElement).value.trim(); app.changed("content"); },
      }), { help: t("redirect_help") })]
      : [this.baseText(e, "title", `${at}.title`, t("ending_title"), false, true), this.baseText(e, "text", `${at}.text`, t("ending_text"), true)];
    const name = e.key;
    const refs = app.def.questions.reduce((count, q) => count + (q.jumps || []).filter((j) => j.end === e.key).length, 0);
    return h("li", { class: "card bld-ending", "data-path": at },
      h("h3", null, n === 0 ? t("ending_default", { key: name }) : t("ending_named", { key: name })),
      keyField,
      field(t("ending_type"), typeSelect),
      body,
      refs ? h("p", { class: "help" }, t("ending_used_by", { count: refs })) : null,
      endingActions(app, e, n, this.root));
  }
}

function endingActions(app: Builder, e: Ending, n: number, root: HTMLElement): HTMLElement {
  const endings = app.def.endings;
  const id = oid(e);
  const move = (to: number) => {
    endings.splice(n, 1);
    endings.splice(to, 0, e);
    app.changed("structure");
    announce(t("moved_to", { position: to + 1, total: endings.length }));
  };
  return h("div", { class: "row-actions" },
    button("↑", () => { if (n > 0) move(n - 1); }, { class: "btn btn-small bld-icon", "aria-label": t("move_up", { title: e.key }), "aria-disabled": n === 0 ? "true" : null, "data-focus": `${id}-up` }),
    button("↓", () => { if (n < endings.length - 1) move(n + 1); }, { class: "btn btn-small bld-icon", "aria-label": t("move_down", { title: e.key }), "aria-disabled": n === endings.length - 1 ? "true" : null, "data-focus": `${id}-down` }),
    endings.length > 1 ? button(t("remove"), () => {
      endings.splice(n, 1);
      app.changed("structure");
      announce(t("ending_removed", { key: e.key }));
      focusKey("add-ending", root);
    }, { class: "btn btn-small btn-danger", "aria-label": t("remove_named", { title: e.key }), "data-focus": `${id}-remove` }) : null);
}

export class HiddenFieldsPanel extends Panel {
  constructor(app: Builder) { super(app, "bld-hidden"); }

  protected build(): (HTMLElement | null)[] {
    const app = this.app;
    const fields = app.def.hidden_fields;
    const error = h("p", { class: "bld-issue", id: uid("hferr"), hidden: true });
    const input = h("input", { type: "text", id: uid("hf"), maxlength: "40", spellcheck: "false", class: "bld-key", "data-focus": "hidden-new", "aria-describedby": error.id });
    const add = () => {
      const value = input.value.trim();
      const problem = !KEY_RE.test(value) ? t("key_invalid") : fields.includes(value) ? t("key_taken") : "";
      error.textContent = problem;
      error.hidden = !problem;
      if (problem) { input.setAttribute("aria-invalid", "true"); input.focus(); return; }
      fields.push(value);
      app.changed("structure");
      announce(t("hidden_added", { name: value }));
      focusKey("hidden-new", this.root);
    };
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); add(); } });
    return [
      h("h2", null, t("hidden_fields")),
      h("p", { class: "help" }, t("hidden_help")),
      fields.length
        ? h("ul", { class: "bld-hidden-list", "data-path": "hidden_fields" }, fields.map((name, i) => h("li", { class: "bld-row", "data-path": `hidden_fields[${i}]` },
          h("code", null, name),
          button(t("remove"), () => {
            fields.splice(i, 1);
            app.changed("structure");
            announce(t("hidden_removed", { name }));
            focusKey("hidden-new", this.root);
          }, { class: "btn btn-small btn-danger", "aria-label": t("remove_named", { title: name }), "data-focus": `hidden-${name}-remove` }))))
        : h("p", { class: "muted" }, t("no_hidden_fields")),
      h("div", { class: "bld-add" }, h("label", { for: input.id }, t("hidden_name")), input,
        button(t("add_hidden"), add, { "data-focus": "hidden-add" })),
      error,
    ];
  }
}

export class DesignPanel extends Panel {
  constructor(app: Builder) { super(app, "bld-design"); }

  protected build(): (HTMLElement | null)[] {
    const app = this.app;
    const theme = (app.def.theme = app.def.theme || {});
    const settings = (app.def.settings = app.def.settings || {});
    const colour = theme.brand_color || "#0b5cad";
    const hexError = h("p", { class: "bld-issue", id: uid("hexerr"), hidden: true }, t("colour_invalid"));
    const picker = h("input", { type: "color", id: uid("colour"), value: colour, "data-focus": "colour-picker" });
    const hex = h("input", { type: "text", id: uid("hex"), value: colour, maxlength: "7", spellcheck: "false", "data-path": "theme.brand_color", "data-focus": "colour-hex", "aria-describedby": hexError.id, class: "bld-hex" });
    picker.addEventListener("input", () => {
      theme.brand_color = picker.value;
      hex.value = picker.value;
      hexError.hidden = true;
      hex.removeAttribute("aria-invalid");
      app.changed("content");
    });
    hex.addEventListener("input", () => {
      const value = hex.value.trim();
      const ok = /^#[0-9a-fA-F]{6}$/.test(value);
      hexError.hidden = ok;
      if (!ok) { hex.setAttribute("aria-invalid", "true"); return; }
      hex.removeAttribute("aria-invalid");
      theme.brand_color = value.toLowerCase();
      picker.value = value.toLowerCase();
      app.changed("content");
    });
    const logoError = h("p", { class: "bld-issue", id: uid("logoerr"), hidden: true }, t("logo_invalid"));
    const logo = h("input", { type: "url", id: uid("logo"), value: theme.logo_url || "", inputmode: "url", "data-path": "theme.logo_url", "data-focus": "logo-url" });
    logo.addEventListener("input", () => {
      const value = logo.value.trim();
      const ok = value === "" || /^https:\/\/[^/\s]+/.test(value);
      logoError.hidden = ok;
      if (!ok) { logo.setAttribute("aria-invalid", "true"); return; }
      logo.removeAttribute("aria-invalid");
      theme.logo_url = value;
      app.changed("content");
    });
    const logoField = field(t("logo_url"), logo, { help: t("logo_help") });
    logo.setAttribute("aria-describedby", `${logo.getAttribute("aria-describedby")} ${logoError.id}`);
    logoField.appendChild(logoError);
    const radios = (name: string, legend: string, value: string, options: [string, string][], path: string, onPick: (v: string) => void) => {
      const group = uid(name);
      return h("fieldset", { class: "fieldset bld-radios", "data-path": path },
        h("legend", null, legend),
        options.map(([v, label]) => {
          const id = uid(name);
          return h("div", { class: "field-check" },
            h("input", { type: "radio", name: group, id, value: v, checked: v === value, "data-focus": `${name}-${v}`,
              onChange: () => { onPick(v); app.changed("content"); } }),
            h("label", { for: id }, label));
        }));
    };
    return [
      h("h2", null, t("design")),
      h("section", { class: "bld-design-group", "aria-labelledby": "theme-heading" },
        h("h3", { id: "theme-heading" }, t("theme")),
        h("div", { class: "field" },
          h("label", { for: picker.id }, t("brand_colour")),
          h("div", { class: "bld-colour" }, picker,
            h("label", { class: "visually-hidden", for: hex.id }, t("brand_colour_hex")), hex)),
        hexError,
        logoField,
        radios("mode", t("colour_mode"), theme.mode || "auto",
          [["auto", t("mode_auto")], ["light", t("mode_light")], ["dark", t("mode_dark")]], "theme.mode", (v) => { theme.mode = v; })),
      h("section", { class: "bld-design-group", "aria-labelledby": "settings-heading" },
        h("h3", { id: "settings-heading" }, t("settings")),
        radios("layout", t("layout"), settings.layout || "one_per_screen",
          [["one_per_screen", t("layout_one")], ["all_on_one", t("layout_all")]], "settings.layout", (v) => { settings.layout = v; }),
        h("div", { "data-path": "settings.progress" }, checkbox(t("progress"), settings.progress !== false, (on) => {
          settings.progress = on;
          app.changed("content");
        }, { "data-focus": "progress" }))),
    ];
  }
}
