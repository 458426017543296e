// What the widget remembers about the visitor, in localStorage (or in memory when storage is blocked):
// an anonymous visitor id, per-survey history, the last automatic display (cooldown), the identified
// contact and the delivery queue.
import type { Dict } from "./types";

export interface Seen {
  r?: number; // sampling roll, 0..100, decided once
  s?: number; // last shown (ms)
  f?: number; // last finished (ms)
}

export interface Body {
  id: string;
  survey: string;
  answers: Dict;
  finished: boolean;
  language: string;
  hidden: Dict;
  meta: Dict;
  contact?: Record<string, unknown>;
}

export interface Item {
  b: Body;
  t: number; // first queued (ms)
  n: number; // attempts
  u: number; // not before (ms)
  v: number; // revision: a newer state of the same response replaces the body and bumps it
}

export interface State {
  v: string;
  s: Record<string, Seen>;
  l?: number; // last automatic display (ms)
  c?: Record<string, unknown>;
  q: Item[];
}

let key = "cx";
let storage: Storage | null = null;
let memory: State | undefined;

export function uuid(): string {
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16));
}

export function openStore(siteKey: string): void {
  key = "cx." + siteKey;
  try {
    storage = localStorage;
  } catch (e) {
    storage = null;
  }
}

export function read(): State {
  let s: State | undefined;
  try {
    s = JSON.parse(storage!.getItem(key)!);
  } catch (e) {
    // blocked or corrupt storage: keep what this page knows
  }
  return (memory = s && s.s && Array.isArray(s.q) ? s : memory || { v: uuid(), s: {}, q: [] });
}

export function write(s: State): void {
  memory = s;
  try {
    storage!.setItem(key, JSON.stringify(s));
  } catch (e) {
    storage = null; // full or blocked: memory only from now on, so reads do not go back in time
  }
}

export function update(change: (s: State) => void): State {
  const s = read();
  change(s);
  write(s);
  return s;
}

export function record(s: State, survey: string): Seen {
  return (s.s[survey] = s.s[survey] || {});
}
