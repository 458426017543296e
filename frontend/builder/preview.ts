// The live preview: the draft rendered like the public page (sv-* classes, as in
// frontend/survey/survey.css), for desktop or mobile width, in a chosen language, and clickable: the
// path follows the survey's logic through walk/nextStep of frontend/survey/logic.ts, the same code the
// public page and the widget run.

import { nextStep, walk, type Ctx } from "../survey/logic";
import type { Builder } from "./app";
import { announce, button, h, rerender, t } from "./dom";
import { languageName } from "./editor";
import { localized } from "./model";
import type { Json, Question } from "./types";

const FACES = ["😞", "🙁", "😐", "🙂", "😄"];
// The widths the preview lays the page out at; a narrower panel shows it scaled down.
const WIDTHS = { desktop: 800, mobile: 375 };

export class Preview {
  readonly root: HTMLElement;
  private frame: HTMLElement;
  private stage: HTMLElement;
  private device: "desktop" | "mobile" = "desktop";
  private language = "";
  private answers: Record<string, Json> = {};
  private history: string[] = [];
  private current: string | null = null;
  private ending: string | null = null;
  private errors: Record<string, string> = {};
  private lastSelected: Question | null = null;
  private pending = false;

  constructor(private app: Builder) {
    this.stage = h("div", { class: "sv", "data-preview": "" });
    this.frame = h("div", { class: "bld-preview-frame is-desktop" }, this.stage);
    this.root = h("aside", { class: "bld-preview", "aria-labelledby": "preview-heading" });
    app.on("content", () => this.schedule());
    app.on("structure", () => this.schedule());
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.fit()).observe(this.frame);
  }

  // Lays the page out at the device's width and scales it to the panel (CSSOM styles: CSP-safe).
  private fit(): void {
    const width = WIDTHS[this.device];
    const available = this.frame.clientWidth;
    if (!available) return;
    const scale = Math.min(1, available / width);
    this.stage.style.width = `${width}px`;
    this.stage.style.transform = scale < 1 ? `scale(${scale})` : "";
    this.stage.style.transformOrigin = "top left";
    this.frame.style.height = `${Math.ceil(this.stage.offsetHeight * scale)}px`;
  }

  mount(): void {
    this.renderBar();
    this.render();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    window.requestAnimationFrame(() => { this.pending = false; this.renderBar(); this.render(); });
  }

  private renderBar(): void {
    const app = this.app;
    const langs = app.def.languages;
    if (!langs.includes(this.language)) this.language = app.def.base_language;
    const device = (d: "desktop" | "mobile", label: string) => button(label, () => {
      this.device = d;
      this.frame.classList.toggle("is-mobile", d === "mobile");
      this.frame.classList.toggle("is-desktop", d === "desktop");
      this.renderBar();
      this.fit();
      announce(t("preview_device_changed", { device: label }));
    }, { "aria-pressed": String(this.device === d), "data-focus": `pv-device-${d}` });
    const langSelect = h("select", { id: "preview-language", "data-focus": "pv-language",
      onChange: (e: Event) => { this.language = (e.target as HTMLSelectElement).value; this.render(); } },
    langs.map((code) => h("option", { value: code, selected: code === this.language }, languageName(app, code))));
    rerender(this.root, () => [
      h("div", { class: "bld-preview-bar" },
        h("h2", { id: "preview-heading" }, t("preview")),
        h("div", { class: "bld-segmented", role: "group", "aria-label": t("preview_size") },
          device("desktop", t("desktop")), device("mobile", t("mobile"))),
        h("div", { class: "bld-preview-lang" }, h("label", { for: "preview-language" }, t("preview_language")), langSelect),
        button(t("restart"), () => this.restart(), { "data-focus": "pv-restart" })),
      this.frame,
    ]);
  }

  private ctx(): Ctx {
    return { answers: this.answers, hidden: {}, meta: { device: this.device, channel: "link", locale: this.language } };
  }

  private restart(): void {
    this.answers = {};
    this.history = [];
    this.current = null;
    this.ending = null;
    this.errors = {};
    this.render();
    announce(t("preview_restarted"));
  }

  render(): void {
    const app = this.app;
    const def = app.def;
    const theme = def.theme || {};
    const brand = /^#[0-9a-fA-F]{6}$/.test(theme.brand_color || "") ? String(theme.brand_color) : "#0b5cad";
    this.stage.style.setProperty("--brand", brand);
    this.stage.style.setProperty("--brand-text", readableOn(brand));
    this.stage.className = `sv theme-${theme.mode || "auto"}`;
    // Selecting a question in the editor shows it here.
    if (app.selected !== this.lastSelected) {
      this.lastSelected = app.selected;
      if (app.selected && def.questions.includes(app.selected) && this.layout() === "one_per_screen") {
        this.current = app.selected.key;
        this.ending = null;
      }
    }
    const keys = new Set(def.questions.map((q) => q.key));
    if (this.current && !keys.has(this.current)) this.current = null;
    this.history = this.history.filter((k) => keys.has(k));
    if (this.ending && !def.endings.some((e) => e.key === this.ending)) this.ending = null;
    rerender(this.stage, () => [this.header(), h("div", { class: "survey-main" }, ...this.body())]);
    this.fit();
  }

  private layout(): string {
    return this.app.def.settings?.layout || "one_per_screen";
  }

  private header(): HTMLElement | null {
    const url = this.app.def.theme?.logo_url || "";
    if (!/^https:\/\/[^/\s]+/.test(url)) return null;
    return h("div", { class: "survey-header" }, h("img", { class: "survey-logo", src: url, alt: t("logo_alt") }));
  }

  private body(): (HTMLElement | null)[] {
    const def = this.app.def;
    if (!def.questions.length) return [h("p", { class: "q-description" }, t("preview_empty"))];
    if (this.ending) return this.endingView();
    const path = walk(def as any, this.ctx()).questions;
    if (this.layout() === "all_on_one") {
      return [h("div", { class: "survey-form" },
        ...path.map((key) => this.question(def.questions.find((q) => q.key === key) as Question)),
        h("div", { class: "survey-actions" },
          button(t("preview_submit"), () => this.submitAll(path), { class: "survey-button survey-button-primary", "data-focus": "pv-submit" })))];
    }
    if (!this.current) this.current = nextStep(def as any, this.ctx(), null);
    if (!this.current) { this.ending = walk(def as any, this.ctx()).ending; return this.endingView(); }
    const q = def.questions.find((x) => x.key === this.current) as Question;
    const at = path.indexOf(q.key);
    const isLast = at >= 0 && at === path.length - 1;
    return [
      this.progress(at >= 0 ? at + 1 : 1, Math.max(path.length, 1)),
      h("div", { class: "survey-form" },
        this.question(q),
        h("div", { class: "survey-actions" },
          button(isLast ? t("preview_finish") : t("preview_next"), () => this.next(q), { class: "survey-button survey-button-primary", "data-focus": "pv-next" }),
          this.history.length ? button(t("preview_back"), () => this.back(), { class: "survey-button survey-button-back", "data-focus": "pv-back" }) : null)),
    ];
  }

  private progress(current: number, total: number): HTMLElement | null {
    if (this.app.def.settings?.progress === false) return null;
    const label = t("progress_label", { done: current, total });
    return h("div", { class: "survey-progress" },
      h("p", { class: "survey-progress-text", id: "pv-progress-text" }, label),
      h("progress", { max: String(total), value: String(current), "aria-labelledby": "pv-progress-text" }));
  }

  private endingView(): HTMLElement[] {
    const def = this.app.def;
    const ending = def.endings.find((e) => e.key === this.ending) || def.endings[0];
    const again = h("div", { class: "survey-actions" }, button(t("restart"), () => this.restart(), { class: "survey-button", "data-focus": "pv-again" }));
    if (!ending) return [again];
    const body = ending.type === "redirect"
      ? [h("p", null, t("preview_redirect", { url: ending.url || "" }))]
      : [h("h3", { class: "q-title" }, this.text(ending.title)), ending.text ? h("p", { class: "q-description" }, this.text(ending.text)) : null];
    return [h("div", { class: "survey-ending", tabindex: "-1", "data-focus": "pv-question" }, ...body, again)];
  }

  private text(texts: Record<string, string> | undefined): string {
    const def = this.app.def;
    const raw = localized(texts, this.language, def.base_language);
    // Recall of earlier answers and hidden fields, as the public page does it.
    return raw.replace(/\{\{\s*(answer|hidden|meta)\.([a-z][a-z0-9_]{0,39})\s*(?:\|([^}]{0,60}))?\}\}/g,
      (_m, source: string, key: string, fallback: string | undefined) => {
        const bag = source === "answer" ? this.answers : source === "hidden" ? {} : this.ctx().meta;
        const value = (bag as Record<string, Json>)[key];
        const shown = value === undefined || value === null || value === "" ? "" : this.answerText(key, value);
        return shown || (fallback || "").trim();
      });
  }

  private answerText(key: string, value: Json): string {
    const q = this.app.def.questions.find((x) => x.key === key);
    const label = (k: Json) => {
      const c = (q?.choices || []).find((x) => x.key === k);
      return c ? localized(c.label, this.language, this.app.def.base_language) : String(k);
    };
    if (typeof value === "boolean") return value ? "✓" : "✗";
    if (Array.isArray(value)) return value.map((v) => (v && typeof v === "object" && "other" in v ? String((v as any).other) : label(v))).join(", ");
    if (value && typeof value === "object") return "other" in value ? String(value.other) : Object.values(value).join(", ");
    return typeof value === "string" ? label(value) : String(value);
  }

  private set(key: string, value: Json | undefined, redraw = true): void {
    if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) delete this.answers[key];
    else this.answers[key] = value;
    delete this.errors[key];
    if (redraw) this.render();
  }

  private missingRequired(q: Question): boolean {
    const v = this.answers[q.key];
    const empty = v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)
      || (typeof v === "object" && v !== null && !Array.isArray(v) && !Object.keys(v).length);
    return !!q.required && q.type !== "info" && (empty || (q.type === "consent" && v !== true));
  }

  private focusQuestion(key?: string): void {
    const target = key ? `[data-focus="pv-${key}-first"]` : '[data-focus="pv-question"]';
    this.stage.querySelector<HTMLElement>(target)?.focus();
  }

  private next(q: Question): void {
    if (q.type === "ranking" && this.answers[q.key] === undefined) this.answers[q.key] = (q.choices || []).map((c) => c.key);
    if (this.missingRequired(q)) {
      this.errors[q.key] = t("preview_required");
      this.render();
      this.focusQuestion(q.key);
      return;
    }
    const def = this.app.def as any;
    const following = nextStep(def, this.ctx(), q.key);
    this.history.push(q.key);
    if (following) this.current = following;
    else this.ending = walk(def, this.ctx()).ending;
    this.render();
    this.focusQuestion();
  }

  private back(): void {
    const previous = this.history.pop();
    if (previous) this.current = previous;
    this.ending = null;
    this.render();
    this.focusQuestion();
  }

  private submitAll(path: string[]): void {
    const def = this.app.def;
    const missing = path.map((k) => def.questions.find((q) => q.key === k) as Question).filter((q) => this.missingRequired(q));
    for (const q of missing) this.errors[q.key] = t("preview_required");
    if (missing.length) {
      this.render();
      this.focusQuestion(missing[0].key);
      return;
    }
    this.ending = walk(def as any, this.ctx()).ending;
    this.render();
    this.focusQuestion();
  }

  // One question, in the public page's markup: a fieldset whose legend is the question when it has
  // several inputs, else a heading and one labelled input.
  private question(q: Question): HTMLElement {
    const key = q.key;
    const description = q.description ? this.text(q.description) : "";
    const error = this.errors[key];
    const ids = { desc: `pv-${key}-desc`, error: `pv-${key}-error`, title: `pv-${key}-title` };
    const describedBy = [description ? ids.desc : "", error ? ids.error : ""].filter(Boolean).join(" ") || null;
    const focus = this.current === key ? "pv-question" : `pv-q-${key}`;
    const title = (labelFor?: string) => {
      const inner: (string | HTMLElement | null)[] = [this.text(q.text),
        q.required && q.type !== "info" ? h("span", { class: "q-required" }, ` (${t("preview_required_mark")})`) : null];
      return h("h3", { class: "q-title", id: ids.title }, labelFor ? h("label", { for: labelFor }, ...inner) : inner);
    };
    const extras = [
      description ? h("p", { class: "q-description", id: ids.desc }, description) : null,
    ];
    const errorEl = error ? h("p", { class: "q-error", id: ids.error, role: "alert" }, error) : null;
    const single = this.singleInput(q, describedBy);
    if (single) {
      return h("div", { class: `question q-${q.type}`, tabindex: "-1", "data-focus": focus, "data-question": key },
        title(single.id || undefined), ...extras, single.el, errorEl);
    }
    return h("fieldset", { class: `question q-${q.type}`, tabindex: "-1", "data-focus": focus, "data-question": key, "aria-describedby": describedBy },
      h("legend", { class: "q-legend" }, title()), ...extras, this.grouped(q), errorEl);
  }

  // Questions answered with one input (text, dropdown) or none (info card).
  private singleInput(q: Question, describedBy: string | null): { el: HTMLElement | null; id: string } | null {
    const base = this.app.def.base_language;
    const lang = this.language;
    const o = q.options || {};
    const value = this.answers[q.key];
    const id = `pv-${q.key}-input`;
    if (q.type === "info") return { el: null, id: "" };
    if (q.type === "dropdown") {
      return { id, el: h("select", { id, "data-focus": `pv-${q.key}-first`, "aria-describedby": describedBy,
        onChange: (e: Event) => this.set(q.key, (e.target as HTMLSelectElement).value) },
      h("option", { value: "" }, t("preview_choose")),
      (q.choices || []).map((c) => h("option", { value: c.key, selected: value === c.key }, localized(c.label, lang, base)))) };
    }
    if (q.type === "text") {
      const attrs = {
        id, value: typeof value === "string" ? value : "", "data-focus": `pv-${q.key}-first`, "aria-describedby": describedBy,
        placeholder: localized(o.placeholder, lang, base) || null, maxlength: o.max_length ? String(o.max_length) : null,
        onInput: (e: Event) => this.set(q.key, (e.target as HTMLInputElement).value, false),
      };
      const el = o.variant === "long" ? h("textarea", { rows: "4", ...attrs })
        : h("input", { type: o.validation === "email" ? "email" : o.validation === "phone" ? "tel" : "text", inputmode: o.validation === "number" ? "decimal" : null, ...attrs });
      return { id, el };
    }
    return null;
  }

  private grouped(q: Question): HTMLElement {
    const base = this.app.def.base_language;
    const lang = this.language;
    const value = this.answers[q.key];
    const o = q.options || {};
    const name = `pv-${q.key}`;
    const labelOf = (c: { label: Record<string, string> }) => localized(c.label, lang, base);
    const choice = (type: "radio" | "checkbox", v: string, label: string, checked: boolean, onChange: (on: boolean) => void, first: boolean) =>
      h("label", { class: "choice" },
        h("input", { type, name, value: v, checked, "data-focus": first ? `${name}-first` : `${name}-${v}`,
          onChange: (e: Event) => onChange((e.target as HTMLInputElement).checked) }),
        h("span", null, label));
    const scale = (lo: number, hi: number, style: string) => {
      const points: HTMLElement[] = [];
      for (let n = lo; n <= hi; n += 1) {
        let glyph = String(n);
        let spoken = "";
        if (style === "stars") { glyph = "★"; spoken = String(n); }
        else if (style === "faces") { glyph = FACES[Math.round(((n - lo) / Math.max(1, hi - lo)) * 4)]; spoken = String(n); }
        else if (style === "thumbs") { glyph = n ? "👍" : "👎"; spoken = n ? t("yes") : t("no"); }
        points.push(h("label", { class: "opt" },
          h("input", { class: "opt-input", type: "radio", name, value: String(n), checked: value === n, "data-focus": n === lo ? `${name}-first` : `${name}-${n}`,
            onChange: () => this.set(q.key, n) }),
          spoken ? [h("span", { class: "opt-face", "aria-hidden": "true" }, glyph), h("span", { class: "visually-hidden" }, spoken)]
            : h("span", { class: "opt-face" }, glyph)));
      }
      const low = localized(o.low_label, lang, base);
      const high = localized(o.high_label, lang, base);
      return h("div", null,
        h("div", { class: `scale scale-points-${hi - lo + 1} scale-${style}` }, points),
        low || high ? h("p", { class: "scale-ends" }, h("span", { class: "scale-low" }, low), h("span", { class: "scale-high" }, high)) : null);
    };
    switch (q.type) {
      case "nps": return scale(0, 10, "numbers");
      case "csat": return scale(1, 5, o.style || "numbers");
      case "ces": return scale(1, 7, "numbers");
      case "rating": return o.style === "thumbs" ? scale(0, 1, "thumbs") : scale(1, typeof o.points === "number" ? o.points : 5, o.style || "numbers");
      case "yes_no":
        return h("div", { class: "scale scale-yes-no" }, ([[true, t("yes")], [false, t("no")]] as [boolean, string][]).map(([v, label], i) =>
          h("label", { class: "opt" },
            h("input", { class: "opt-input", type: "radio", name, value: String(v), checked: value === v, "data-focus": i === 0 ? `${name}-first` : `${name}-no`,
              onChange: () => this.set(q.key, v) }),
            h("span", { class: "opt-face" }, label))));
      case "single_choice": {
        const isOther = !!value && typeof value === "object" && !Array.isArray(value);
        return h("div", { class: "choices" },
          (q.choices || []).map((c, i) => choice("radio", c.key, labelOf(c), value === c.key, () => this.set(q.key, c.key), i === 0)),
          o.allow_other ? choice("radio", "other", t("other_answer"), isOther, () => this.set(q.key, { other: "" }), false) : null,
          o.allow_other && isOther ? this.otherText(q, (text) => this.set(q.key, { other: text }, false)) : null);
      }
      case "multiple_choice": {
        const list = (Array.isArray(value) ? value : []) as Json[];
        const other = list.find((v) => v && typeof v === "object") as Json | undefined;
        const toggle = (item: Json, on: boolean) => {
          const rest = list.filter((v) => (typeof item === "object" ? !(v && typeof v === "object") : v !== item));
          this.set(q.key, on ? [...rest, item] : rest);
        };
        return h("div", { class: "choices" },
          (q.choices || []).map((c, i) => choice("checkbox", c.key, labelOf(c), list.includes(c.key), (on) => toggle(c.key, on), i === 0)),
          o.allow_other ? choice("checkbox", "other", t("other_answer"), !!other, (on) => toggle({ other: "" }, on), false) : null,
          o.allow_other && other ? this.otherText(q, (text) => {
            const rest = list.filter((v) => !(v && typeof v === "object"));
            this.set(q.key, [...rest, { other: text }], false);
          }) : null);
      }
      case "matrix": {
        const grid = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, Json>;
        const columns = q.columns || [];
        return h("table", { class: "matrix" },
          h("thead", null, h("tr", null, h("td", null), columns.map((c) => h("th", { scope: "col" }, labelOf(c))))),
          h("tbody", null, (q.rows || []).map((row, r) => {
            const rowId = `${name}-row-${row.key}`;
            return h("tr", null,
              h("th", { scope: "row", id: rowId }, labelOf(row)),
              columns.map((c, i) => {
                const cellId = `${name}-${row.key}-${c.key}`;
                return h("td", null, h("label", { class: "matrix-cell" },
                  h("input", { type: "radio", name: `${name}.${row.key}`, value: c.key, checked: grid[row.key] === c.key,
                    "aria-labelledby": `${rowId} ${cellId}-label`, "data-focus": r === 0 && i === 0 ? `${name}-first` : cellId,
                    onChange: () => this.set(q.key, { ...grid, [row.key]: c.key }) }),
                  h("span", { class: "matrix-column", id: `${cellId}-label` }, labelOf(c))));
              }));
          })));
      }
      case "ranking": {
        const order = (Array.isArray(value) ? value : (q.choices || []).map((c) => c.key)) as string[];
        const choices = order.map((k) => (q.choices || []).find((c) => c.key === k)).filter(Boolean) as { key: string; label: Record<string, string> }[];
        const move = (i: number, to: number) => {
          const next = [...order];
          const [k] = next.splice(i, 1);
          next.splice(to, 0, k);
          this.set(q.key, next);
          announce(t("moved_to", { position: to + 1, total: next.length }));
        };
        return h("ol", { class: "ranking" }, choices.map((c, i) => h("li", { class: "ranking-item" },
          h("span", null, labelOf(c)),
          button("↑", () => { if (i > 0) move(i, i - 1); }, { class: "ranking-move", "aria-label": t("move_up", { title: labelOf(c) }), "aria-disabled": i === 0 ? "true" : null, "data-focus": i === 0 ? `${name}-first` : `${name}-${c.key}-up` }),
          button("↓", () => { if (i < choices.length - 1) move(i, i + 1); }, { class: "ranking-move", "aria-label": t("move_down", { title: labelOf(c) }), "aria-disabled": i === choices.length - 1 ? "true" : null, "data-focus": `${name}-${c.key}-down` }))));
      }
      case "consent":
        return h("div", { class: "choices" },
          choice("checkbox", "yes", localized(o.label, lang, base), value === true, (on) => this.set(q.key, on ? true : undefined), true));
      case "contact": {
        const data = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, Json>;
        return h("div", null, Object.keys(o.fields || {}).map((f, i) => {
          const id = `${name}-${f}`;
          return h("div", { class: "field" },
            h("label", { for: id }, t(`contact_${f}`), o.fields[f]?.required ? h("span", { class: "q-required" }, ` (${t("preview_required_mark")})`) : null),
            h("input", { type: f === "email" ? "email" : f === "phone" ? "tel" : "text", id, value: typeof data[f] === "string" ? String(data[f]) : "",
              "data-focus": i === 0 ? `${name}-first` : id,
              onInput: (e: Event) => {
                const v = (e.target as HTMLInputElement).value;
                if (v) data[f] = v; else delete data[f];
                this.set(q.key, Object.keys(data).length ? { ...data } : undefined, false);
              } }));
        }));
      }
      default:
        return h("div", null);
    }
  }

  private otherText(q: Question, onText: (text: string) => void): HTMLElement {
    const id = `pv-${q.key}-other`;
    const value = this.answers[q.key];
    const found = Array.isArray(value) ? value.find((v) => v && typeof v === "object") : value;
    const text = found && typeof found === "object" && !Array.isArray(found) ? String((found as any).other || "") : "";
    return h("div", { class: "other-text" },
      h("label", { for: id }, t("other_answer_text")),
      h("input", { type: "text", id, value: text, "data-focus": `${id}-text`, onInput: (e: Event) => onText((e.target as HTMLInputElement).value) }));
  }
}

// Black or white, whichever reads better on the brand colour (as the public page chooses it).
function readableOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? "#ffffff" : "#000000";
}
