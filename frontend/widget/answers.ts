// The browser's copy of surveys/definition/answers.py validate_answer for the widget's question types
// (nps, csat, ces, rating, single_choice, multiple_choice, text, yes_no). Same normalised values and the
// same errors, as message keys of the config's `strings` (with their {placeholders}); checked against the
// server by tests/widgets/test_widget_parity.py. Where the browser cannot be exact it is stricter, never
// looser: an answer the server would refuse must not reach the queue (a 400 drops the whole response).
// The narrowings: e-mail addresses (below) and numbers, which must be written in ASCII digits.
import { empty, isObj, num, type Json } from "../survey/logic";
import type { Question } from "./types";

// Python's str.isspace() characters, for strip() and the piping placeholders' \s.
export const SPACE = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const EDGES = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

export const strip = (s: string): string => s.replace(EDGES, "");
// Python's len(): code points, not UTF-16 units.
const length = (s: string): number => Array.from(s).length;

export type Outcome = { v: Json } | { e: string; p?: Record<string, number> };

type Fail = [string, Record<string, number>?];
const fail = (key: string, params?: Record<string, number>): never => {
  throw [key, params] as Fail;
};
const int = (v: unknown): v is number => Number.isInteger(v);

const PHONE = /^\+?[0-9 ()./-]{6,24}$/;
// django.core.validators.EmailValidator, narrowed: a dot-atom local part (no quoted strings, no dotless ı)
// and a domain name (no address literals, no "localhost"). Every address accepted here is valid for the
// server; the rare ones outside are refused here.
const ATOM = "[-!#$%&'*+/=?^`{}|~\\w]+";
const LABEL = "[a-z\\u00a1-\\uffff0-9](?:[a-z\\u00a1-\\uffff0-9-]{0,61}[a-z\\u00a1-\\uffff0-9])?";
const EMAIL = new RegExp(`^${ATOM}(\\.${ATOM})*@(${LABEL}\\.)+([a-z\\u00a1-\\uffff][a-z\\u00a1-\\uffff-]{0,61}[a-z\\u00a1-\\uffff]|xn--[a-z0-9]{1,59})$`, "iu");

export const email = (value: string): boolean => length(value) <= 320 && EMAIL.test(value);

function text(value: unknown, limit: number): string {
  if (typeof value !== "string") fail("type");
  const t = strip((value as string).replace(/\0/g, ""));
  if (length(t) > limit) fail("max_chars." + limit, { n: limit });
  return t;
}

// surveys/definition/types.py scale_of
export function range(q: Question): [number, number] {
  const o = q.options || {};
  return q.type === "nps" ? [0, 10] : q.type === "csat" ? [1, 5] : q.type === "ces" ? [1, 7]
    : o.style === "thumbs" ? [0, 1] : [1, int(o.points) ? o.points : 5];
}

const isOther = (v: unknown): v is { other: unknown } => isObj(v) && Object.keys(v).length === 1 && "other" in v;

function check(q: Question, value: unknown): Json {
  const o = q.options || {};
  const type = q.type;
  const keys = (q.choices || []).map((c) => c.key);
  const other = (v: { other: unknown }): Json => {
    if (!o.allow_other) fail("choose_one");
    return { other: text(v.other, 500) || fail("other_text") };
  };
  if (type === "single_choice") {
    if (isOther(value)) return other(value);
    if (typeof value !== "string" || !keys.includes(value)) fail("choose_one");
  } else if (type === "multiple_choice") {
    // Duplicates and unknown keys (which the widget never sends) get the generic message.
    if (!Array.isArray(value)) fail("choose_many");
    const seen = new Set<unknown>();
    const OTHER = {};
    const chosen = (value as unknown[]).map((item) => {
      const id = isOther(item) ? OTHER : item;
      if (seen.has(id) || (id !== OTHER && (typeof item !== "string" || !keys.includes(item)))) fail("choose_many");
      seen.add(id);
      return isOther(item) ? other(item) : item as string;
    });
    const { min_selected: low, max_selected: high } = o;
    if (int(low) && chosen.length < low) fail("min_selected." + low, { n: low });
    if (int(high) && chosen.length > high) fail("max_selected." + high, { n: high });
    return chosen;
  } else if (type === "text") {
    const t = text(value, int(o.max_length) ? Math.min(o.max_length, 5000) : 5000);
    const n = t.replace(/,/g, ".");
    const kind = t && o.validation;
    if (int(o.min_length) && t && length(t) < o.min_length) fail("min_chars." + o.min_length, { n: o.min_length });
    if (kind === "email" && !email(t)) fail("email");
    if (kind === "number" && (/[^ -~]/.test(n) || num(n) === null)) fail("number");
    if (kind === "phone" && !PHONE.test(t)) fail("phone");
    return t;
  } else if (type === "yes_no") {
    if (typeof value !== "boolean") fail("yes_no");
  } else {
    const [low, high] = range(q);
    if (typeof value !== "number" || !int(value) || value < low || value > high) fail("scale", { low, high });
  }
  return value as Json;
}

// The normalised answer ({v}, null when empty: the caller checks `required`) or an error ({e, p}).
// Only for the widget's question types (any other type is validated as a scale).
export function validate(q: Question, value: unknown): Outcome {
  if (empty(value) || (typeof value === "string" && !strip(value))) return { v: null };
  try {
    const v = check(q, value);
    return { v: empty(v) ? null : v };
  } catch (x) {
    if (!Array.isArray(x)) throw x;
    return { e: x[0], p: x[1] };
  }
}
