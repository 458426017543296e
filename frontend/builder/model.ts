// Pure helpers over the definition: keys, texts, translations, references between questions.

import type { Choice, Condition, Definition, Missing, Question, Texts } from "./types";

// Keys of questions, choices, endings and hidden fields; the server's pattern replaces it at start.
export let KEY_RE = /^[a-z][a-z0-9_]{0,39}$/;

export function setKeyPattern(pattern: string): void {
  KEY_RE = new RegExp(pattern);
}

// Choices, rows and columns created in this editor whose key still follows their label.
export const autoKeys = new WeakSet<object>();

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// Equal as JSON values, whatever the order of object keys (PostgreSQL reorders them).
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
    const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson((a as any)[k], (b as any)[k]));
  }
  return false;
}

// A key made from a label: "Fast delivery!" -> "fast_delivery". Empty when nothing usable is left.
export function slug(label: string): string {
  const ascii = label.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  let key = ascii.replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  if (key.length > 32) key = key.slice(0, 32).replace(/_[^_]*$/, "") || key.slice(0, 32);
  if (key && !/^[a-z]/.test(key)) key = `k_${key}`;
  return key.slice(0, 40).replace(/_+$/, "");
}

// ``base`` itself when free, else base_2, base_3...
export function uniqueKey(base: string, taken: Iterable<string>, fallback = "item"): string {
  const used = new Set(taken);
  const start = KEY_RE.test(base) && base !== "other" ? base : fallback;
  if (!used.has(start)) return start;
  for (let n = 2; ; n += 1) {
    const candidate = `${start.slice(0, 36)}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

export function localized(texts: Texts | string | undefined | null, language: string, base: string): string {
  if (typeof texts === "string") return texts;
  if (!texts) return "";
  for (const lang of [language, base]) {
    const value = texts[lang];
    if (typeof value === "string" && value.trim()) return value;
  }
  return Object.values(texts).find((v) => typeof v === "string" && v.trim()) || "";
}

// Set one language of a text; a text left with no words at all disappears.
// A required text (a question's text, a label) stays as an empty object for the validator to point at.
export function setText(owner: Record<string, any>, prop: string, language: string, value: string, required = false): void {
  const texts: Texts = { ...(owner[prop] || {}) };
  if (value === "") delete texts[language];
  else texts[language] = value;
  if (required || Object.values(texts).some((v) => v.trim() !== "")) owner[prop] = texts;
  else delete owner[prop];
}

export interface TextField {
  question: string;        // the question key, or "ending:<key>" (as missing_translations reports it)
  field: string;           // e.g. "text", "choices.fast", "options.low_label"
  path: string;            // where it lives in the definition, e.g. "questions[2].choices[0].label"
  owner: Record<string, any>;
  prop: string;
}

// Every translatable text of the definition, in the order missing_translations (schema.py) visits them.
export function textFields(def: Definition): TextField[] {
  const out: TextField[] = [];
  def.questions.forEach((q, n) => {
    const at = `questions[${n}]`;
    out.push({ question: q.key, field: "text", path: `${at}.text`, owner: q, prop: "text" });
    out.push({ question: q.key, field: "description", path: `${at}.description`, owner: q, prop: "description" });
    for (const part of ["choices", "rows", "columns"] as const) {
      (q[part] || []).forEach((item: Choice, i: number) => {
        out.push({ question: q.key, field: `${part}.${item.key}`, path: `${at}.${part}[${i}].label`, owner: item, prop: "label" });
      });
    }
    for (const label of ["low_label", "high_label", "label", "placeholder"]) {
      if (q.options && q.options[label] !== undefined) {
        out.push({ question: q.key, field: `options.${label}`, path: `${at}.options.${label}`, owner: q.options, prop: label });
      }
    }
  });
  def.endings.forEach((e, n) => {
    out.push({ question: `ending:${e.key}`, field: "title", path: `endings[${n}].title`, owner: e, prop: "title" });
    out.push({ question: `ending:${e.key}`, field: "text", path: `endings[${n}].text`, owner: e, prop: "text" });
  });
  return out;
}

function hasText(texts: unknown, language: string): boolean {
  return !!texts && typeof texts === "object" && String((texts as Texts)[language] ?? "").trim() !== "";
}

// The browser's copy of surveys.definition.schema.missing_translations, for live warnings.
export function missingTranslations(def: Definition): Missing[] {
  const base = def.base_language;
  const languages = def.languages.filter((l) => l !== base);
  const missing: Missing[] = [];
  for (const f of textFields(def)) {
    const texts = f.owner[f.prop];
    if (!hasText(texts, base)) continue;
    for (const language of languages) {
      if (!hasText(texts, language)) missing.push({ question: f.question, field: f.field, language });
    }
  }
  return missing;
}

function walkConditions(c: Condition | null | undefined, fn: (leaf: any) => void): void {
  if (!c || typeof c !== "object") return;
  const group = c as any;
  if (Array.isArray(group.all)) group.all.forEach((p: Condition) => walkConditions(p, fn));
  else if (Array.isArray(group.any)) group.any.forEach((p: Condition) => walkConditions(p, fn));
  else if (group.not) walkConditions(group.not, fn);
  else fn(group);
}

const PIPE = /\{\{\s*answer\.([a-z][a-z0-9_]{0,39})(\s*(?:\|[^}]{0,60})?)\}\}/g;

// A question's key changed: conditions, jumps and recalled answers follow it.
export function renameQuestion(def: Definition, from: string, to: string): void {
  for (const q of def.questions) {
    const fix = (leaf: any) => {
      if ((leaf.source ?? "answer") !== "answer" || typeof leaf.key !== "string") return;
      const [head, ...rest] = leaf.key.split(".");
      if (head === from) leaf.key = [to, ...rest].join(".");
    };
    walkConditions(q.visible_if, fix);
    for (const jump of q.jumps || []) {
      walkConditions(jump.if, fix);
      if (jump.goto === from) jump.goto = to;
    }
  }
  for (const f of textFields(def)) {
    const texts = f.owner[f.prop];
    if (!texts) continue;
    for (const lang of Object.keys(texts)) {
      texts[lang] = texts[lang].replace(PIPE, (m: string, key: string, tail: string) => (key === from ? `{{answer.${to}${tail}}}` : m));
    }
  }
}

export function renameEnding(def: Definition, from: string, to: string): void {
  for (const q of def.questions) for (const jump of q.jumps || []) if (jump.end === from) jump.end = to;
}

// A choice's key changed: conditions comparing with it follow.
export function renameChoice(def: Definition, question: string, from: string, to: string): void {
  const fixValue = (v: any): any => (Array.isArray(v) ? v.map(fixValue) : v === from ? to : v);
  for (const q of def.questions) {
    const fix = (leaf: any) => {
      if ((leaf.source ?? "answer") === "answer" && leaf.key === question) leaf.value = fixValue(leaf.value);
    };
    walkConditions(q.visible_if, fix);
    for (const jump of q.jumps || []) walkConditions(jump.if, fix);
  }
}

// Conditions and jumps that mention a question (shown before deleting it).
export function referencesTo(def: Definition, key: string): number {
  let count = 0;
  for (const q of def.questions) {
    const check = (leaf: any) => {
      if ((leaf.source ?? "answer") === "answer" && String(leaf.key).split(".")[0] === key) count += 1;
    };
    walkConditions(q.visible_if, check);
    for (const jump of q.jumps || []) {
      walkConditions(jump.if, check);
      if (jump.goto === key) count += 1;
    }
  }
  return count;
}

export function questionKeys(def: Definition, except?: Question): string[] {
  return def.questions.filter((q) => q !== except).map((q) => q.key);
}
