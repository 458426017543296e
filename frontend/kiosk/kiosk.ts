// Kiosk mode (/s/<public_id>/kiosk/): the whole survey runs in the page, one respondent after another, on a
// shared tablet or terminal. Start screen → questions → thank-you → start screen; full screen from the first
// tap; back to the start after `idle` seconds without a touch. Every response has its own client UUID and
// goes through the delivery queue (queue.ts), so answers given offline are sent, exactly once, when the
// connection is back.
//
// The survey comes from the page (json_script "kiosk-config"), with the texts in each of its languages.
// Question types: nps, csat, ces, rating (numbers, stars, faces, thumbs), yes_no, single_choice,
// multiple_choice (with "other"), text (short, long; e-mail, number, phone) and info: the widget's types,
// with the widget's validation (answers.ts), piping (piping.ts) and the survey logic (logic.ts), which are
// kept equal to the server's by their parity tests. Survey texts only ever reach the page as textContent.
import { nextStep, walk, type Ctx, type Json } from "../survey/logic";
import { range, validate } from "../widget/answers";
import { localized, pipe } from "../widget/piping";
import { uuid } from "../widget/store";
import type { Definition, Ending } from "../widget/types";
import { brand, el } from "../widget/util";
import { Queue } from "./queue";

interface Config {
  survey: string;
  endpoint: string;
  definition: Definition;
  language: string;
  languages: { code: string; name: string }[];
  strings: Record<string, Record<string, string>>;
  idle: number;
  thanks: number;
  touchpoint: number | null;
  worker: string;
  scope: string;
}

interface Current {
  id: string;
  answers: Record<string, Json>;
  started: string;
  ctx: Ctx;
}

const FACES = ["😠", "🙁", "😐", "🙂", "😀"];

function kiosk(cfg: Config): void {
  const d = cfg.definition;
  const base = d.base_language || "en";
  const questions = d.questions || [];
  const main = document.getElementById("kiosk")!;
  const screen = document.getElementById("kiosk-screen")!;
  const indicator = document.getElementById("kiosk-queue")!;
  let lang = cfg.language;
  let T = cfg.strings[lang] || {};
  let current: Current | null = null;
  let idleTimer = 0;
  let thanksTimer = 0;
  let pointer = false;

  brand(document.documentElement, d.theme && d.theme.brand_color);

  const fmt = (key: string, p: Record<string, number> = {}): string =>
    (T[key] || "").replace(/\{(\w+)\}/g, (m, k: string) => (k in p ? String(p[k]) : m));
  const local = (t: Json | undefined): string => localized(t, lang, base);
  const text = (t: Json | undefined): string => (current ? pipe(local(t), d, current.ctx, lang) : local(t));

  let waiting = 0;
  const showWaiting = (): void => {
    indicator.hidden = !waiting;
    indicator.dataset.count = String(waiting);
    indicator.textContent = waiting ? fmt("waiting", { n: waiting }) : "";
  };
  const queue = new Queue(cfg.survey, cfg.endpoint, (n) => {
    waiting = n;
    showWaiting();
  });

  // -- idle: any touch, key or typing restarts the countdown; at zero the kiosk goes back to the start.
  function poke(): void {
    clearTimeout(idleTimer);
    if (main.dataset.screen !== "start") idleTimer = setTimeout(start, cfg.idle * 1e3);
  }
  ["pointerdown", "keydown", "input", "touchstart"].forEach((type) =>
    document.addEventListener(type, poke, { capture: true, passive: true }));
  document.addEventListener("pointerdown", () => { pointer = true; }, { capture: true, passive: true });
  document.addEventListener("keydown", () => { pointer = false; }, { capture: true, passive: true });

  function show(name: string): void {
    main.dataset.screen = name;
    screen.textContent = "";
    poke();
  }

  function focus(node: HTMLElement): void {
    requestAnimationFrame(() => node.isConnected && node.focus());
  }

  function setLanguage(code: string): void {
    lang = code;
    T = cfg.strings[lang] || {};
    document.documentElement.lang = lang;
    showWaiting();
  }

  // -- the start screen
  function start(): void {
    clearTimeout(thanksTimer);
    current = null;
    show("start");
    const go = el("button", screen, "kiosk-go", T.start);
    go.type = "button";
    go.addEventListener("click", begin);
    if (cfg.languages.length) {
      const nav = el("nav", screen, "kiosk-languages");
      nav.setAttribute("aria-label", T.language);
      cfg.languages.forEach((item) => {
        const b = el("button", nav, "", item.name);
        b.type = "button";
        b.lang = item.code;
        b.setAttribute("aria-pressed", String(item.code === lang));
        b.addEventListener("click", () => {
          setLanguage(item.code);
          start();
        });
      });
    }
    setLanguage(lang);
  }

  function begin(): void {
    const root = document.documentElement;
    if (!document.fullscreenElement && root.requestFullscreen) root.requestFullscreen().catch(() => undefined);
    const answers: Record<string, Json> = {};
    // The server keeps "source": "kiosk" in the response's meta: the logic sees the same here.
    current = { id: uuid(), answers, started: new Date().toISOString(), ctx: { answers, hidden: {}, meta: { source: "kiosk" } } };
    const first = nextStep(d, current.ctx, null);
    if (first) ask(first);
    else finish();
  }

  function save(finished: boolean): void {
    if (!current) return;
    queue.enqueue({
      id: current.id,
      answers: { ...current.answers },
      finished,
      language: lang,
      started_at: current.started,
      finished_at: finished ? new Date().toISOString() : null,
      touchpoint: cfg.touchpoint,
    });
  }

  // -- one question per screen
  function ask(key: string): void {
    const r = current!;
    const q = questions.find((item) => item.key === key)!;
    const o = q.options || {};
    const type = q.type;
    const value = r.answers[key];
    const grouped = type !== "text" && type !== "info";
    show("question");
    const form = el("form", screen, "kiosk-q");
    form.noValidate = true;
    form.dataset.q = key;
    const box = grouped ? el("fieldset", form) : form;
    const title = el(grouped ? "legend" : type === "info" ? "h2" : "label", box, "kiosk-q-title", text(q.text));
    title.id = "kq-title";
    title.tabIndex = -1;
    const description = text(q.description);
    if (description) el("p", box, "kiosk-q-description", description).id = "kq-description";
    const list = el("div", grouped ? box : null, "kiosk-options");
    let read = (): unknown => null;
    const option = (v: string, label: string, picked: boolean, kind = "radio", spoken?: string): HTMLInputElement => {
      const row = el("label", list, "kiosk-option");
      const input = el("input", row);
      input.type = kind;
      input.name = "kq-" + key;
      input.value = v;
      input.checked = picked;
      if (spoken) input.setAttribute("aria-label", spoken);
      el("span", row, "", label);
      return input;
    };
    const checked = (): HTMLInputElement[] => Array.from(list.querySelectorAll<HTMLInputElement>(":checked"));

    if (type === "single_choice" || type === "multiple_choice") {
      const chosen = ([] as Json[]).concat(value === undefined ? [] : value);
      const given = chosen.find((c) => c && typeof c === "object") as { other: string } | undefined;
      const kind = type === "multiple_choice" ? "checkbox" : "radio";
      const choices = (q.choices || []).slice();
      if (o.randomize) choices.sort(() => Math.random() - 0.5);
      choices.forEach((c) => option(c.key, local(c.label), chosen.includes(c.key), kind));
      const other = el("input", null, "kiosk-field");
      if (o.allow_other) {
        const pick = option("other", T.other, !!given, kind);
        list.appendChild(other);
        other.setAttribute("aria-label", T.other_label);
        other.value = given ? given.other : "";
        const sync = (): void => { other.hidden = !pick.checked; };
        sync();
        list.addEventListener("change", sync);
      }
      read = () => {
        const values = checked().map((i) => (i.value === "other" ? { other: other.value } : i.value));
        return kind === "checkbox" ? values : values[0];
      };
      if (kind === "radio" && !o.allow_other) list.addEventListener("change", () => pointer && later(next));
    } else if (type === "text") {
      const kind = o.validation;
      const field = el(o.variant === "long" ? "textarea" : "input", box, "kiosk-field") as HTMLInputElement;
      field.id = "kq-input";
      (title as HTMLLabelElement).htmlFor = "kq-input";
      if (kind === "email" || kind === "phone") field.type = field.autocomplete = kind === "email" ? "email" : "tel";
      if (kind === "number") field.inputMode = "decimal";
      field.maxLength = Math.min(Number(o.max_length) || 5000, 5000);
      field.placeholder = local(o.placeholder);
      field.value = typeof value === "string" ? value : "";
      read = () => field.value;
    } else if (type !== "info") {
      // Scales (numbers, stars, faces, thumbs) and yes/no: a row of large tiles; a tap answers and moves on.
      const [low, high] = range(q);
      const yn = type === "yes_no";
      const style = yn ? "" : o.style;
      const points = yn ? [1, 0] : Array.from({ length: high - low + 1 }, (_, i) => low + i);
      list.className = "kiosk-scale";
      list.dataset.points = String(points.length);
      points.forEach((n) => {
        const spoken = yn || style === "thumbs" ? (n ? T.yes : T.no) : "" + n;
        const glyph = style === "stars" ? "★" : style === "thumbs" ? (n ? "👍" : "👎")
          : style === "faces" ? FACES[Math.round(((n - low) * 4) / (high - low))] : spoken;
        option("" + n, glyph, value === (yn ? !!n : n), "radio", spoken);
      });
      list.addEventListener("change", () => pointer && later(next));
      read = () => {
        const c = checked()[0];
        return c ? (yn ? c.value === "1" : +c.value) : null;
      };
      if (o.low_label || o.high_label) {
        const ends = el("p", box, "kiosk-ends");
        ends.id = "kq-ends";
        el("span", ends, "", local(o.low_label));
        el("span", ends, "", local(o.high_label));
      }
    }

    const error = el("p", form, "kiosk-error");
    error.id = "kq-error";
    error.setAttribute("role", "alert");
    const target = grouped ? box : form.querySelector(".kiosk-field") || title;
    target.setAttribute("aria-describedby", "kq-description kq-ends kq-error");
    const last = questions[questions.length - 1] === q;
    const nav = el("div", form, "kiosk-nav");
    el("button", nav, "kiosk-next", last ? T.submit : T.next);
    if (d.settings && d.settings.progress) {
      const path = walk(d, r.ctx).questions;
      el("p", form, "kiosk-progress", fmt("progress", { n: path.indexOf(key) + 1, total: path.length }));
    }

    function later(fn: () => void): void {
      setTimeout(() => form.isConnected && fn(), 250);
    }

    function next(): void {
      if (type !== "info") {
        const outcome = validate(q, read());
        const v = (outcome as { v: Json }).v;
        const problem = "e" in outcome ? fmt(outcome.e, outcome.p) || outcome.e : v == null && q.required ? T.required || "*" : "";
        if (problem) {
          error.textContent = problem;
          return;
        }
        if (v == null) delete r.answers[key];
        else r.answers[key] = v;
      }
      const to = nextStep(d, r.ctx, key);
      if (!to) return finish();
      if (r.answers[key] != null) save(false);
      ask(to);
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      next();
    });
    focus(form.querySelector<HTMLElement>(":checked") || (type === "text" ? form.querySelector<HTMLElement>(".kiosk-field")! : title));
  }

  // -- thank you, then the start screen again (a redirect ending is not followed: a kiosk stays put)
  function finish(): void {
    save(true);
    const r = current!;
    const ending = walk(d, r.ctx).ending;
    const end = (d.endings || []).find((e) => e.key === ending) || ({} as Ending);
    const title = (end.type !== "redirect" && text(end.title)) || T.thanks;
    const body = end.type !== "redirect" ? text(end.text) : "";
    show("thanks");
    current = null;
    const heading = el("h2", screen, "kiosk-thanks", title);
    heading.tabIndex = -1;
    if (body) el("p", screen, "kiosk-thanks-text", body);
    const again = el("button", screen, "kiosk-go", T.again);
    again.type = "button";
    again.addEventListener("click", start);
    thanksTimer = setTimeout(start, Math.min(cfg.thanks, cfg.idle) * 1e3);
    focus(heading);
  }

  start();
}

// The service worker (sw.ts) makes the page load offline after one online visit. Without one (an old
// browser, plain http on a public address) the kiosk runs the same, it just cannot reload offline.
function offline(cfg: Config): void {
  if (!("serviceWorker" in navigator) || !cfg.worker) return;
  navigator.serviceWorker.register(cfg.worker, { scope: cfg.scope }).catch(() => undefined);
}

function boot(): void {
  const source = document.getElementById("kiosk-config");
  if (!source) return;
  const cfg = JSON.parse(source.textContent || "{}") as Config;
  kiosk(cfg);
  offline(cfg);
}

if (document.readyState !== "loading") boot();
else document.addEventListener("DOMContentLoaded", boot);
