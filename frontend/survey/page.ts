// The public link survey page: progressive enhancement only; the page works without it.
// - applies the survey's brand colour (CSSOM, allowed by the CSP) with a readable text colour on it;
// - moves focus to the error summary;
// - on an all-on-one form, hides the questions that the logic leaves off the path (the same evaluator as
//   the server: logic.ts) and saves the answers as the respondent goes;
// - adds move up/down buttons to ranking questions.
import { type Ctx, type Json, walk } from "./logic";

const COLOUR = /^#[0-9a-f]{6}$/i;

function onReady(fn: () => void): void {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

// WCAG relative luminance of an sRGB colour.
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

// Black or white, whichever contrasts more with the brand colour (always at least 4.5:1 for one of them).
export function textOn(hex: string): string {
  const l = luminance(hex);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

function applyBrand(): void {
  const brand = document.body.dataset.brand || "";
  if (!COLOUR.test(brand)) return;
  const root = document.documentElement;
  root.style.setProperty("--brand", brand);
  root.style.setProperty("--brand-text", textOn(brand));
}

function focusErrors(): void {
  const summary = document.querySelector<HTMLElement>("[data-error-summary]");
  if (summary) summary.focus();
}

// -- all on one page --------------------------------------------------------------------------------

interface Logic {
  questions: { key: string; type: string; visible_if?: unknown; jumps?: unknown[] }[];
  endings: { key: string }[];
  hidden: Record<string, Json>;
  meta: Record<string, Json>;
}

function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value.trim() : "";
}

// The answer to one question as the server reads the same form (surveys/views/public.py `_read`).
function readAnswer(data: FormData, section: HTMLElement, key: string, type: string): Json {
  const other = (v: string): Json => (v === "other" ? { other: text(data, `${key}.other`) } : v);
  switch (type) {
    case "nps": case "csat": case "ces": case "rating": {
      const v = text(data, key);
      return /^-?\d+$/.test(v) ? Number(v) : null;
    }
    case "single_choice": case "dropdown": {
      const v = text(data, key);
      return v ? other(v) : null;
    }
    case "multiple_choice":
      return data.getAll(key).map((v) => other(String(v)));
    case "text":
      return text(data, key);
    case "yes_no": {
      const v = text(data, key);
      return v === "true" ? true : v === "false" ? false : null;
    }
    case "matrix": {
      const picked: Record<string, Json> = {};
      section.querySelectorAll<HTMLInputElement>("input[type=radio]:checked").forEach((input) => {
        picked[input.name.slice(key.length + 1)] = input.value;
      });
      return picked;
    }
    case "ranking":
      return data.getAll(key).map(String);
    case "consent":
      return text(data, key) === "true";
    case "contact": {
      const fields: Record<string, Json> = {};
      section.querySelectorAll<HTMLInputElement>("input").forEach((input) => {
        if (input.name.startsWith(`${key}.`) && input.value.trim()) fields[input.name.slice(key.length + 1)] = input.value.trim();
      });
      return fields;
    }
    default:
      return null;
  }
}

function enhanceAllOnOne(form: HTMLFormElement): void {
  const source = document.getElementById("survey-logic");
  if (!source) return;
  const logic = JSON.parse(source.textContent || "{}") as Logic;
  const sections = new Map<string, HTMLElement>();
  form.querySelectorAll<HTMLElement>("[data-question]").forEach((el) => sections.set(el.dataset.question || "", el));

  const answers = (): Record<string, Json> => {
    const data = new FormData(form);
    const result: Record<string, Json> = {};
    for (const q of logic.questions) {
      const section = sections.get(q.key);
      if (section) result[q.key] = readAnswer(data, section, q.key, q.type);
    }
    return result;
  };

  const update = (): void => {
    const ctx: Ctx = { answers: answers(), hidden: logic.hidden || {}, meta: logic.meta || {} };
    const path = new Set(walk(logic as Parameters<typeof walk>[0], ctx).questions);
    sections.forEach((section, key) => { section.hidden = !path.has(key); });
  };

  let timer: number | undefined;
  const save = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      const data = new FormData(form);
      data.set("_partial", "1");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" }).catch(() => undefined);
    }, 500);
  };

  form.addEventListener("input", update);
  form.addEventListener("change", () => { update(); save(); });
  update();
}

// -- ranking ----------------------------------------------------------------------------------------

function enhanceRanking(list: HTMLElement): void {
  const up = list.dataset.moveUp || "Move up";
  const down = list.dataset.moveDown || "Move down";
  const items = Array.from(list.querySelectorAll<HTMLElement>(".ranking-item"));
  const selects = items.map((item) => item.querySelector("select") as HTMLSelectElement);
  const swap = (i: number, j: number): void => {
    if (j < 0 || j >= selects.length) return;
    const value = selects[i].value;
    selects[i].value = selects[j].value;
    selects[j].value = value;
    selects[j].focus();
    selects[i].dispatchEvent(new Event("change", { bubbles: true }));
  };
  items.forEach((item, i) => {
    const place = item.querySelector("label")?.textContent || "";
    for (const [label, glyph, step] of [[up, "↑", -1], [down, "↓", 1]] as const) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ranking-move";
      button.textContent = glyph;
      button.setAttribute("aria-label", `${label}: ${place}`);
      button.disabled = i + step < 0 || i + step >= items.length;
      button.addEventListener("click", () => swap(i, i + step));
      item.appendChild(button);
    }
  });
}

// Typing an "other" answer chooses "other".
function enhanceOther(): void {
  document.addEventListener("input", (event) => {
    const input = event.target as HTMLInputElement | null;
    if (!input || !input.name.endsWith(".other") || !input.value) return;
    const key = input.name.slice(0, -".other".length);
    const choice = document.getElementById(`o-${key}`);
    if (choice instanceof HTMLInputElement && !choice.checked) {
      choice.checked = true;
      choice.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (choice instanceof HTMLOptionElement && !choice.selected) {
      choice.selected = true;
    }
  });
}

onReady(() => {
  applyBrand();
  focusErrors();
  enhanceOther();
  document.querySelectorAll<HTMLElement>("[data-ranking]").forEach(enhanceRanking);
  const form = document.querySelector<HTMLFormElement>("form[data-all-on-one]");
  if (form) enhanceAllOnOne(form);
});
