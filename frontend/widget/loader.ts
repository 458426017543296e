// cx.js, the loader: the JavaScript API, the config, targeting and triggers, the feedback button and the
// delivery queue. The renderer (cx-survey.js) is loaded only when a survey is due.
import buttonCss from "./button.css";
import { enqueue, startQueue } from "./queue";
import { openStore, read, record, update, uuid } from "./store";
import { chooseLanguage, urlAllowed, variants, where } from "./targeting";
import type { Config, Dict, Renderer, Shown, Survey, Trigger } from "./types";
import { brand, el, safe, shadowHost } from "./util";

declare const RENDERER_VERSION: string;

const kit = { brand, el, safe, shadowHost };
const DAY = 864e5;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const w = window as any;

// A second copy of cx.js on the page leaves the first in charge.
if (!(w.cx && w.cx.l)) safe(main)();

function main(): void {
  const script = (document.currentScript || document.querySelector("script[data-site-key]")) as HTMLScriptElement;
  const siteKey = script.getAttribute("data-site-key");
  if (!siteKey) return;
  const api = new URL(script.src).origin + "/api/v1/public/" + siteKey;
  const nonce = script.getAttribute("data-nonce") || "";
  const n = navigator;
  const touch = matchMedia("(pointer: coarse)").matches;
  const dev = !touch ? "desktop" : Math.min(screen.width, screen.height) < 600 ? "mobile" : "tablet";
  const languages = (n.languages || [n.language]).filter(Boolean);
  const hidden: Dict = {};
  const waiting: unknown[][] = [];
  let config: Config | undefined;
  let surveys: Survey[] = [];
  let candidates: Survey[] = [];
  let here = where();
  let busy = false; // a survey is loading or open: nothing else opens
  let shown: Shown | undefined;
  let render: Renderer | undefined;
  let timers: number[] = [];
  let fired: Record<string, number> = {};

  openStore(siteKey);
  startQueue(api + "/responses");

  // -- the JavaScript API ------------------------------------------------------------------------------
  function command(name: unknown, arg?: unknown): void {
    const a = Object(arg);
    if (name === "identify") {
      // The server checks the contact; if it refuses it, the queue sends the answers without it.
      update((s) => { s.c = { external_id: a.id == null ? undefined : "" + a.id, email: a.email, attributes: a.attributes }; });
    } else if (name === "hidden") {
      Object.assign(hidden, a);
    } else if (name === "track" || name === "show") {
      if (!config) waiting.push([name, arg]);
      else if (name === "track") each("event", (t) => t.name === arg);
      else surveys.forEach((s) => s.id === arg && open(s, "api"));
    } else if (name === "hide") {
      if (shown) shown.close();
    } else if (name === "reset") {
      update((s) => {
        s.v = uuid();
        s.s = {};
        delete s.c;
        delete s.l;
      });
    } // anything else is ignored
  }
  const queued: IArguments[] = (w.cx && w.cx.q) || [];
  const cx = (name?: unknown, arg?: unknown): void => safe(command)(name, arg);
  cx.l = 1;
  w.cx = cx;
  queued.forEach((args) => cx(args[0], args[1]));

  // -- showing a survey --------------------------------------------------------------------------------
  const strings = (lang: string): Record<string, string> => (config!.strings || {})[lang] || {};

  function open(s: Survey, source: string): void {
    if (busy) return;
    busy = true;
    const go = (): void => {
      try {
        const now = Date.now();
        const id = uuid();
        const lang = chooseLanguage(s.definition, languages);
        const visitor = update((st) => {
          record(st, s.id).s = now;
          if (source === "widget") st.l = now;
        }).v;
        const meta: Dict = {
          url: location.href.split("#")[0],
          referrer: document.referrer,
          device: dev,
          locale: n.language,
          visitor,
          source,
        };
        shown = render!({
          kit,
          survey: s,
          lang,
          strings: strings(lang),
          hidden,
          meta,
          placement: s.targeting.placement || "bottom_right",
          nonce,
          send(answers, finished) {
            const contact = update((st) => { if (finished) record(st, s.id).f = Date.now(); }).c;
            enqueue({ id, survey: s.id, answers, finished, language: lang, hidden, meta, contact });
          },
          closed() {
            busy = false;
            shown = undefined;
          },
        });
      } catch (e) {
        busy = false;
      }
    };
    if (render) return go();
    // The renderer registers itself through this one private global.
    w.__cx = (r: Renderer): void => {
      render = r;
      // Drawing in a task of its own keeps it apart from compiling the renderer: no long task.
      setTimeout(go);
    };
    const tag = el("script");
    tag.src = new URL("cx-survey.js?v=" + RENDERER_VERSION, script.src).href;
    tag.nonce = script.nonce;
    tag.onload = tag.onerror = safe(() => {
      tag.remove();
      busy = !!render && busy;
    });
    document.head.appendChild(tag);
  }

  // -- targeting -----------------------------------------------------------------------------------------
  // What cannot change during a page view: trigger, device, language and sampling (rolled once per visitor).
  function fits(s: Survey): boolean | 0 {
    const t = s.targeting;
    const type = t.trigger.type;
    const langs = t.languages || [];
    const devices = t.devices || [];
    let roll = record(read(), s.id).r;
    if (roll == null) {
      roll = Math.random() * 100;
      update((st) => { record(st, s.id).r = roll; });
    }
    return type !== "manual" && (!devices.length || devices.includes(dev))
      && (!langs.length || languages.some((l) => variants(l).some((code) => langs.includes(code))))
      && roll < (s.sampling ?? 100);
  }

  // What can: one survey at a time, URL, frequency, recontact, cooldown.
  function due(s: Survey): boolean | 0 | undefined {
    const t = s.targeting;
    const st = read();
    const h = record(st, s.id);
    const now = Date.now();
    const cooldown = (config!.cooldown_days || 0) * DAY;
    const seen = t.frequency === "once" ? h.s
      : t.frequency === "every_days" ? h.s && now - h.s < (t.every_days || 1) * DAY
      : h.f;
    return !busy && urlAllowed(t.urls, here) && !seen
      && !(h.f && now - h.f < (s.recontact_days || 0) * DAY)
      && !(st.l && now - st.l < cooldown);
  }

  const later = (fn: () => void, ms: number): void => { timers.push(setTimeout(safe(fn), ms)); };

  function fire(s: Survey): void {
    if (fired[s.id] || !due(s)) return;
    fired[s.id] = 1;
    const delay = (s.targeting.delay_seconds || 0) * 1000;
    if (delay) later(() => due(s) && open(s, "widget"), delay);
    else open(s, "widget");
  }

  // Fire the candidates with this trigger type for which `test` holds.
  function each(type: string, test: (t: Trigger, s: Survey) => unknown): void {
    candidates.forEach((s) => s.targeting.trigger.type === type && test(s.targeting.trigger, s) && fire(s));
  }
  const yes = (): boolean => true;

  // -- triggers ------------------------------------------------------------------------------------------
  let deepest = 0;
  let peak = 0;
  let peakAt = 0;
  let clicks: number[] = [];
  let clicked: EventTarget | null = null;

  // A page view: the first one, then each single-page-app navigation to another URL.
  function arm(elapsed: number): void {
    timers.forEach(clearTimeout);
    timers = [];
    fired = {};
    deepest = peak = 0;
    each("page_view", yes);
    each("time_on_page", (t, s) => later(() => fire(s), (t.seconds || 0) * 1000 - elapsed));
  }

  function navigated(): void {
    const now = where();
    if (now[0] !== here[0]) {
      here = now;
      arm(0);
    }
  }

  function start(c: Config): void {
    config = c;
    surveys = c.surveys || [];
    candidates = surveys.filter(fits);
    const types = candidates.map((s) => s.targeting.trigger.type);
    const has = (type: string): boolean => types.includes(type);
    const listen = (target: EventTarget, type: string, fn: (e: Event & MouseEvent) => void): void =>
      target.addEventListener(type, safe(fn as (e: Event) => void), { capture: true, passive: true });
    if (types.length) {
      // Single-page apps: a new URL is a new page view.
      (["pushState", "replaceState"] as const).forEach((name) => {
        const original = history[name];
        history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
          const result = original.apply(this, args);
          safe(navigated)();
          return result;
        };
      });
      listen(window, "popstate", () => {
        // Back navigation on touch devices is exit intent, judged on the page being left.
        if (touch) each("exit_intent", yes);
        navigated();
      });
    }
    if (has("scroll") || (touch && has("exit_intent"))) {
      listen(window, "scroll", () => {
        const y = scrollY;
        const now = Date.now();
        each("scroll", (t) => ((y + innerHeight) * 100) / document.documentElement.scrollHeight >= (t.percent || 0));
        // Exit intent on touch: a fast scroll up (>= 200 px within 300 ms) after reading down >= 400 px.
        deepest = Math.max(deepest, y);
        if (y >= peak || now - peakAt > 300) {
          peak = y;
          peakAt = now;
        } else if (touch && deepest >= 400 && peak - y >= 200) {
          each("exit_intent", yes);
        }
      });
    }
    if (!touch && has("exit_intent")) {
      listen(document, "mouseout", (e) => !e.relatedTarget && e.clientY <= 0 && each("exit_intent", yes));
    }
    if (has("click") || has("rage_click")) listen(document, "click", (e) => {
      const target = e.target as Element;
      const now = Date.now();
      if (target !== clicked) clicks = [];
      clicked = target;
      clicks = clicks.concat(now).slice(-10);
      each("click", (t) => {
        try {
          return target.closest(t.selector!);
        } catch (err) {
          return 0; // an invalid selector matches nothing
        }
      });
      each("rage_click", (t) => {
        const count = t.clicks || 3;
        return clicks.length >= count && now - clicks[clicks.length - count] <= (t.within_ms || 1000);
      });
    });
    arm(performance.now());
    waiting.splice(0).forEach((args) => cx(args[0], args[1]));

    // The feedback button: a small tab drawn here; the renderer is loaded on the first click.
    const b = c.button;
    surveys.forEach((s) => {
      if (!b || s.id !== b.survey) return;
      const tab = el("button", shadowHost("cx-button-host", buttonCss, nonce)[1], b.side === "left" ? "l" : "",
        b.label || strings(chooseLanguage(s.definition, languages)).feedback);
      tab.setAttribute("aria-haspopup", "dialog");
      brand(tab, (s.definition.theme || {}).brand_color);
      tab.addEventListener("click", safe(() => open(s, "button")));
    });
  }

  fetch(api + "/config", { credentials: "omit" })
    .then((r) => r.ok && r.json())
    .then((c: Config) => {
      if (c && c.v === 1) {
        const go = safe(() => start(c));
        if (document.body) go();
        else document.addEventListener("DOMContentLoaded", go);
      }
    })
    .catch(() => 0);
}
