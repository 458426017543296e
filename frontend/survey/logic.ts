// The browser's copy of surveys/definition/logic.py. Same semantics, checked against the same cases
// (tests/surveys/logic_cases.json) and against random conditions by tests/surveys/test_logic_parity.py.
// Kept small: the widget bundles it (and reuses isObj, empty and num).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Ctx { answers: Record<string, Json>; hidden: Record<string, Json>; meta: Record<string, Json>; }
type Cond = { [key: string]: any };
type Question = { key: string; visible_if?: Cond | null; jumps?: Cond[] };
type Definition = { questions?: Question[]; endings?: { key: string }[] };

const MISSING = undefined;

export function isObj(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function empty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length) ||
    (isObj(v) && !Object.keys(v).length);
}

function lookup(ctx: Ctx, source: string, key: string): Json | undefined {
  const bag = source === "answer" ? ctx.answers : source === "hidden" ? ctx.hidden : source === "meta" ? ctx.meta : {};
  const dot = key.indexOf(".");
  const head = dot < 0 ? key : key.slice(0, dot);
  let value: Json | undefined = Object.prototype.hasOwnProperty.call(bag, head) ? bag[head] : MISSING;
  if (dot >= 0 && value !== MISSING) {
    const tail = key.slice(dot + 1);
    value = isObj(value) && Object.prototype.hasOwnProperty.call(value, tail) ? value[tail] : MISSING;
  }
  return empty(value) ? MISSING : value;
}

function isOther(v: unknown): boolean {
  return isObj(v) && Object.keys(v).length === 1 && "other" in v;
}

// Python's float(): optional sign, digits, a point, an exponent; not "nan"/"inf".
const NUMERIC = /^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$/;

export function num(v: unknown): number | null {
  if (typeof v === "boolean") return null;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.trim();
    // eslint-disable-next-line no-control-regex
    if (!/^[\x00-\x7f]*$/.test(t) || !NUMERIC.test(t)) return null;
    const n = Number(t.replace(/_/g, ""));
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function norm(v: unknown): unknown {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim().toLowerCase();
  if (isOther(v)) return "other";
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

function text(v: unknown): string {
  if (isObj(v)) return Object.values(v).map(text).join(" ");
  if (Array.isArray(v)) return v.map(text).join(" ");
  if (typeof v === "boolean") return v ? "true" : "false";
  return String(v).trim().toLowerCase();
}

function key(v: unknown): string {
  return JSON.stringify(v === undefined ? null : v);
}

function equal(a: unknown, e: unknown): boolean {
  const na = norm(a), ne = norm(e);
  if (Array.isArray(na)) {
    return Array.isArray(ne) && na.map(key).sort().join("|") === ne.map(key).sort().join("|");
  }
  if (typeof na === "number" || typeof ne === "number") {
    const x = num(a), y = num(e);
    return x !== null && x === y;
  }
  if (typeof na === "object" || typeof ne === "object") return key(na) === key(ne);
  return na === ne;
}

function compare(op: string, a: unknown, e: unknown): boolean {
  const x = num(a), y = num(e);
  if (x === null || y === null) return false;
  return op === "gt" ? x > y : op === "gte" ? x >= y : op === "lt" ? x < y : x <= y;
}

function inList(a: unknown, e: unknown): boolean {
  const options = Array.isArray(e) ? e : [e];
  const values = Array.isArray(a) ? a : [a];
  return values.some((v) => options.some((o) => equal(v, o)));
}

function contains(a: unknown, e: unknown): boolean {
  if (Array.isArray(a)) return a.some((item) => equal(item, e));
  return text(a).includes(text(e));
}

function leaf(c: Cond, ctx: Ctx): boolean {
  const op = String(c.op);
  const actual = lookup(ctx, String(c.source ?? "answer"), String(c.key ?? ""));
  if (op === "not_answered") return actual === MISSING;
  if (actual === MISSING) return false;
  const e = c.value;
  switch (op) {
    case "answered": return true;
    case "eq": return equal(actual, e);
    case "neq": return !equal(actual, e);
    case "gt": case "gte": case "lt": case "lte": return compare(op, actual, e);
    case "between": {
      const x = num(actual);
      if (x === null || !Array.isArray(e) || e.length !== 2) return false;
      const lo = num(e[0]), hi = num(e[1]);
      return lo !== null && hi !== null && lo <= x && x <= hi;
    }
    case "in": return inList(actual, e);
    case "not_in": return !inList(actual, e);
    case "contains": return contains(actual, e);
    case "not_contains": return !contains(actual, e);
    case "contains_any": {
      const words = Array.isArray(e) ? e : [e];
      const hay = text(actual);
      return words.some((w) => text(w) !== "" && hay.includes(text(w)));
    }
    default: return false;
  }
}

export function evaluate(c: unknown, ctx: Ctx): boolean {
  if (c === null || c === undefined) return true;
  if (!isObj(c)) return false;
  if ("all" in c) return Array.isArray(c.all) && c.all.every((p) => evaluate(p, ctx));
  if ("any" in c) return Array.isArray(c.any) && c.any.some((p) => evaluate(p, ctx));
  if ("not" in c) return !evaluate(c.not, ctx);
  return leaf(c as Cond, ctx);
}

export function walk(d: Definition, ctx: Ctx): { questions: string[]; ending: string | null } {
  const qs = d.questions || [];
  const index: Record<string, number> = {};
  qs.forEach((q, i) => { index[q.key] = i; });
  const endings = d.endings || [];
  const visited: string[] = [];
  let i = 0;
  while (i < qs.length) {
    const q = qs[i];
    if (!evaluate(q.visible_if, ctx)) { i += 1; continue; }
    visited.push(q.key);
    let target: number | null = null;
    for (const jump of q.jumps || []) {
      if (evaluate(jump.if, ctx)) {
        if ("end" in jump) return { questions: visited, ending: jump.end };
        const goto = index[jump.goto];
        if (goto !== undefined && goto > i) target = goto;
        break;
      }
    }
    i = target !== null ? target : i + 1;
  }
  return { questions: visited, ending: endings.length ? endings[0].key : null };
}

export function nextStep(d: Definition, ctx: Ctx, after: string | null): string | null {
  const path = walk(d, ctx).questions;
  if (after === null) return path.length ? path[0] : null;
  const at = path.indexOf(after);
  return at >= 0 && at + 1 < path.length ? path[at + 1] : null;
}
