// Delivery of responses: a bounded queue persisted with the visitor state, keyed by response id (a newer
// state of the same response replaces the older one, so one UUID only ever means one response), sent as
// text/plain (no CORS preflight) with fetch keepalive, retried with exponential backoff and jitter that
// honours Retry-After. 2xx = delivered; another 4xx = refused for good (dropped); 429, 5xx and network errors
// are retried. Nothing is attempted while the browser is offline; coming back online sends at once.
import { read, update, write, type Body, type Item } from "./store";
import { safe } from "./util";

const DAY = 864e5;

let endpoint = "";
let failures = 0; // in a row: after 5 this page stops trying (the queue waits for the next page view)
let timer = 0;
const inFlight: Record<string, number> = {}; // response id -> revision being sent

export function startQueue(url: string): void {
  endpoint = url;
  addEventListener("pagehide", safe(() => flush(1)));
  document.addEventListener("visibilitychange", safe(() => document.visibilityState === "hidden" && flush(1)));
  addEventListener("online", safe(() => {
    failures = 0;
    flush();
  }));
  flush();
}

export function enqueue(body: Body): void {
  update((s) => {
    const old = s.q.find((i) => i.b.id === body.id);
    if (old) {
      old.b = body;
      old.v++;
    } else {
      s.q.push({ b: body, t: Date.now(), n: 0, u: 0, v: 0 });
    }
    // At most 20 items and about 64 KB: the oldest go first, the newest always stays.
    while (s.q.length > 20 || (s.q[1] && JSON.stringify(s.q).length > 65536)) s.q.shift();
  });
  flush();
}

// Send what is due. `leaving`: the page is going away, so also send a newer state of a response whose older
// state is still in flight (the server keeps the newest answers, and a finished response stays finished).
export function flush(leaving?: number): void {
  if (failures > 4 || !navigator.onLine) return;
  const now = Date.now();
  let next = Infinity;
  const s = read();
  // Given up after 10 attempts or 7 days.
  const live = s.q.filter((i) => i.n < 10 && now - i.t < 7 * DAY);
  if (live.length < s.q.length) write({ ...s, q: live });
  live.forEach((item) => {
    const id = item.b.id;
    if (item.u > now) next = Math.min(next, item.u);
    else if (!(id in inFlight) || (leaving && inFlight[id] !== item.v)) send(item);
  });
  clearTimeout(timer);
  if (next < Infinity) timer = setTimeout(safe(flush), next - now);
}

function send(sent: Item): void {
  const id = sent.b.id;
  inFlight[id] = sent.v;
  const settle = (status: number, retryAfter: number): void => {
    if (inFlight[id] === sent.v) delete inFlight[id];
    update((s) => {
      const item = s.q.find((i) => i.b.id === id);
      if (!item) return;
      if (status === 400 && item.b.contact) {
        // The contact from cx("identify") was refused: send the answers without it.
        delete item.b.contact;
        delete s.c;
      } else if (status && status < 500 && status !== 429) {
        // Delivered (2xx) or refused for good (4xx): only the state that was sent leaves the queue.
        if (status < 300) failures = 0;
        if (item.v === sent.v) s.q.splice(s.q.indexOf(item), 1);
      } else {
        failures++;
        item.u = Date.now() + Math.max(Math.min(1e3 * 2 ** ++item.n, 3e5) * (0.5 + Math.random() / 2), retryAfter * 1e3);
      }
    });
    flush();
  };
  fetch(endpoint, {
    method: "POST",
    body: JSON.stringify(sent.b),
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    keepalive: true,
    credentials: "omit",
    mode: "cors",
  })
    .then((r) => settle(r.status, +(r.headers.get("Retry-After") || 0) || 0), () => settle(0, 0))
    .catch(() => 0);
}
