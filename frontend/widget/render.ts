// cx-survey.js, the renderer: one survey, one question per screen, in a Shadow DOM dialog. Loaded by cx.js
// only when a survey is due; it registers itself through window.__cx and hands the answers back to the
// loader's delivery queue. Survey texts are untrusted: they only ever reach the page through textContent.
import { nextStep, walk, type Ctx, type Json } from "../survey/logic";
import { range, validate } from "./answers";
import { localized, pipe, str } from "./piping";
import type { Dict, Ending, Handoff, Shown } from "./types";
import css from "./survey.css";

const FACES = ["😠", "🙁", "😐", "🙂", "😀"];

function render(h: Handoff): Shown {
  const { brand, el, safe, shadowHost } = h.kit;
  const d = h.survey.definition;
  const T = h.strings;
  const lang = h.lang;
  const base = d.base_language || "en";
  const theme = d.theme || {};
  const questions = d.questions || [];
  const answers: Dict = {};
  // Hidden fields as the server keeps them (the declared ones, as text), so logic and piping agree with it.
  const hidden: Dict = {};
  (d.hidden_fields || []).forEach((k) => {
    const v = h.hidden[k];
    if (v != null && typeof v !== "object") hidden[k] = str(v);
  });
  const ctx: Ctx = { answers, hidden, meta: h.meta };
  const local = (t: Json | undefined): string => localized(t, lang, base);
  const text = (t: Json | undefined): string => pipe(local(t), d, ctx, lang);
  const fmt = (key: string, p: Record<string, number> = {}): string =>
    (T[key] || "").replace(/\{(\w+)\}/g, (m, k: string) => (k in p ? String(p[k]) : m));
  const on = (target: EventTarget, type: string, fn: (e: Event) => unknown): void =>
    target.addEventListener(type, safe(fn));
  const attr = (node: Element, name: string, value: string): void => node.setAttribute(name, value);
  // Focus after the next frame: the layout it needs is then done by the browser's own rendering step,
  // not added to the task that built the question (which keeps every task of the host page short).
  const focus = (node: HTMLElement): void => {
    requestAnimationFrame(() => setTimeout(safe(() => node.isConnected && node.focus())));
  };

  // The focused element, looking into open shadow roots (the feedback button lives in one).
  let before = document.activeElement as HTMLElement | null;
  while (before && before.shadowRoot && before.shadowRoot.activeElement) before = before.shadowRoot.activeElement as HTMLElement;
  const [host, root] = shadowHost("cx-widget-host", css, h.nonce);
  const dialog = el("div", root, "d");
  attr(dialog, "role", "dialog");
  attr(dialog, "aria-labelledby", "cx-t");
  dialog.lang = lang;
  dialog.dataset.p = h.placement;
  if (theme.mode === "dark" || (theme.mode !== "light" && matchMedia("(prefers-color-scheme: dark)").matches)) dialog.dataset.m = "";
  brand(dialog, theme.brand_color);
  const x = el("button", dialog, "x", "×");
  attr(x, "aria-label", T.close);
  const body = el("div", dialog, "c");
  const live = el("div", dialog, "sr");
  attr(live, "aria-live", "polite");
  let closed = 0;
  let pointer = 0;

  function close(): void {
    if (closed++) return;
    const inside = root.activeElement;
    host.remove();
    if (inside && before) before.focus();
    h.closed();
  }
  on(x, "click", close);
  on(dialog, "keydown", (e) => {
    pointer = 0;
    if ((e as KeyboardEvent).key === "Escape") close();
  });
  on(dialog, "pointerdown", () => { pointer = 1; });

  function ask(key: string): void {
    const q = questions.find((item) => item.key === key)!;
    const o = q.options || {};
    const type = q.type;
    const value = answers[key];
    const grouped = type !== "text" && type !== "info";
    body.textContent = "";
    const form = el("form", body);
    form.noValidate = true;
    attr(form, "data-cx-q", key);
    const box = grouped ? el("fieldset", form) : form;
    const title = el(grouped ? "legend" : type === "info" ? "h2" : "label", box, "t", text(q.text));
    title.id = "cx-t";
    title.tabIndex = -1;
    const description = text(q.description);
    if (description) el("p", box, "ds", description).id = "cx-ds";
    const list = el("div", grouped ? box : null);
    let read = (): unknown => null;
    // Every choice, scale point and yes/no is a native radio or checkbox in a label.
    const option = (v: string, label: string, picked: boolean, kind = "radio", spoken?: string): HTMLInputElement => {
      const row = el("label", list, "o");
      const i = el("input", row);
      i.type = kind;
      i.name = "cx-" + key;
      i.value = v;
      i.checked = picked;
      i.required = !!q.required && kind === "radio";
      if (spoken) attr(i, "aria-label", spoken);
      el("span", row, "", label);
      return i;
    };
    const checked = (): HTMLInputElement[] => Array.from(list.querySelectorAll<HTMLInputElement>(":checked"));

    if (type === "single_choice" || type === "multiple_choice") {
      const chosen = ([] as Json[]).concat(value);
      const given = chosen.find((c) => c && typeof c === "object") as { other: string } | undefined;
      const kind = type === "multiple_choice" ? "checkbox" : "radio";
      (q.choices || []).slice().sort(() => (o.randomize ? Math.random() - 0.5 : 0))
        .forEach((c) => option(c.key, local(c.label), chosen.includes(c.key), kind));
      const other = el("input", null, "f");
      if (o.allow_other) {
        const pick = option("other", T.other, !!given, kind);
        list.appendChild(other);
        attr(other, "aria-label", T.other_label);
        other.value = given ? given.other : "";
        const sync = (): void => { other.hidden = !pick.checked; };
        sync();
        on(list, "change", sync);
      }
      read = () => {
        const values = checked().map((i) => (i.value === "other" ? { other: other.value } : i.value));
        return kind === "checkbox" ? values : values[0];
      };
    } else if (type === "text") {
      const kind = o.validation;
      const field = el(o.variant === "long" ? "textarea" : "input", box, "f") as HTMLInputElement;
      field.id = "cx-i";
      (title as HTMLLabelElement).htmlFor = "cx-i";
      if (kind === "email" || kind === "phone") field.type = field.autocomplete = kind === "email" ? "email" : "tel";
      if (kind === "number") field.inputMode = "decimal";
      field.maxLength = Math.min(Number(o.max_length) || 5000, 5000);
      field.placeholder = local(o.placeholder);
      field.required = !!q.required;
      field.value = (value as string) || "";
      read = () => field.value;
    } else if (type !== "info") {
      // Scales (numbers, stars, faces, thumbs) and yes/no: a row of tiles; a tap or a click answers.
      const [low, high] = range(q);
      const yn = type === "yes_no";
      const style = yn ? "" : o.style;
      const points = yn ? [1, 0] : Array.from({ length: high - low + 1 }, (_, i) => low + i);
      list.className = "s";
      list.style.setProperty("--n", "" + points.length);
      points.forEach((n) => {
        const spoken = yn || style === "thumbs" ? (n ? T.yes : T.no) : "" + n;
        const glyph = style === "stars" ? "★" : style === "thumbs" ? (n ? "👍" : "👎")
          : style === "faces" ? FACES[Math.round(((n - low) * 4) / (high - low))] : spoken;
        option("" + n, glyph, value === (yn ? !!n : n), "radio", spoken);
      });
      on(list, "change", () => pointer && setTimeout(safe(() => form.isConnected && next()), 250));
      read = () => {
        const c = checked()[0];
        return c ? (yn ? c.value === "1" : +c.value) : null;
      };
      if (o.low_label || o.high_label) {
        const ends = el("p", box, "lh");
        ends.id = "cx-lh";
        el("span", ends, "", local(o.low_label));
        el("span", ends, "", local(o.high_label));
      }
    }

    const error = el("p", form, "e");
    error.id = "cx-e";
    attr(grouped ? box : form.querySelector(".f") || title, "aria-describedby", "cx-ds cx-lh cx-e");
    // "Submit" on the last question of the survey; elsewhere the answer itself may decide what comes next.
    el("button", el("div", form, "n"), "", questions[questions.length - 1] === q ? T.submit : T.next);
    if (d.settings && d.settings.progress) {
      const path = walk(d, ctx).questions;
      live.textContent = el("p", form, "pr", fmt("progress", { n: path.indexOf(key) + 1, total: path.length })).textContent;
    }

    function next(): void {
      if (type !== "info") {
        const r = validate(q, read());
        const v = (r as { v: Json }).v;
        const problem = "e" in r ? fmt(r.e, r.p) || r.e : v == null && q.required ? T.required || "*" : "";
        if (problem) {
          error.textContent = live.textContent = problem;
          return;
        }
        answers[key] = v;
      }
      const to = nextStep(d, ctx, key);
      if (!to) return finish();
      if (answers[key] != null) h.send({ ...answers }, false);
      ask(to);
    }
    on(form, "submit", (e) => {
      e.preventDefault();
      next();
    });
    focus(form.querySelector<HTMLElement>(":checked,input,textarea") || title);
  }

  function finish(): void {
    h.send({ ...answers }, true);
    const ending = walk(d, ctx).ending;
    const end = (d.endings || []).find((e) => e.key === ending) || ({} as Ending);
    const url = end.url || "";
    if (end.type === "redirect" && /^https?:\/\//i.test(url)) {
      close();
      try {
        window.top!.location.href = url;
      } catch (e) {
        location.href = url;
      }
      return;
    }
    body.textContent = "";
    const title = el("h2", body, "t", text(end.title) || T.thanks);
    title.id = "cx-t";
    title.tabIndex = -1;
    el("p", body, "ds", text(end.text));
    live.textContent = title.textContent;
    focus(title);
  }

  const start = nextStep(d, ctx, null);
  if (start) ask(start);
  else finish();
  return { close: safe(close) };
}

try {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (window as any).__cx(render);
} catch (e) {
  // never into the host page
}
