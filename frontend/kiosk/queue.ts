// The kiosk's delivery queue: every response waits in localStorage under its own client UUID until the
// server answered 2xx, and is sent in order, one at a time. A newer state of the same response (one more
// answer, or finished) replaces the waiting body and bumps its revision, so one UUID only ever means one
// response; the server's idempotency on the client id makes a resend after a lost answer harmless.
// 429, 5xx and network errors are retried with exponential backoff and jitter (honouring Retry-After); the
// queue waits while the browser is offline and sends at once when it is back (the `online` event), and
// also tries every 15 seconds. A response the server refuses for good (another 4xx: the survey closed,
// invalid answers) leaves the queue for a "refused" list that stays in localStorage: never lost silently,
// never retried forever in front of the others.

export interface Body {
  id: string;
  answers: Record<string, unknown>;
  finished: boolean;
  language: string;
  started_at: string;
  finished_at: string | null;
  touchpoint: number | null;
}

interface Item {
  b: Body;
  v: number; // revision
  n: number; // failed attempts
  u: number; // not before (ms)
}

interface State {
  q: Item[];
  refused: Item[];
}

const PERIOD = 15e3;
const MAX_BACKOFF = 6e4;

export class Queue {
  private key: string;
  private memory: State = { q: [], refused: [] };
  private busy = false;
  private timer = 0;

  constructor(
    survey: string,
    private endpoint: string,
    private changed: (waiting: number) => void,
  ) {
    this.key = "cx.kiosk." + survey;
    addEventListener("online", () => {
      this.update((s) => s.q.forEach((i) => { i.u = 0; }));
      this.flush();
    });
    setInterval(() => this.flush(), PERIOD);
    this.changed(this.read().q.length);
    this.flush();
  }

  read(): State {
    try {
      const s = JSON.parse(localStorage.getItem(this.key) || "null");
      if (s && Array.isArray(s.q) && Array.isArray(s.refused)) this.memory = s;
    } catch (e) {
      // blocked or corrupt storage: keep what this page knows
    }
    return this.memory;
  }

  private update(change: (s: State) => void): State {
    const s = this.read();
    change(s);
    this.memory = s;
    try {
      localStorage.setItem(this.key, JSON.stringify(s));
    } catch (e) {
      // full or blocked: the page's memory still holds it until it is sent
    }
    this.changed(s.q.length);
    return s;
  }

  enqueue(body: Body): void {
    this.update((s) => {
      const old = s.q.find((i) => i.b.id === body.id);
      if (old) {
        old.b = body;
        old.v++;
      } else {
        s.q.push({ b: body, v: 0, n: 0, u: 0 });
      }
    });
    this.flush();
  }

  flush(): void {
    if (this.busy || !navigator.onLine) return;
    const head = this.read().q[0];
    if (!head) return;
    const wait = head.u - Date.now();
    clearTimeout(this.timer);
    if (wait > 0) {
      this.timer = setTimeout(() => this.flush(), wait);
      return;
    }
    this.send(head);
  }

  private send(sent: Item): void {
    this.busy = true;
    const settle = (status: number, retryAfter: number): void => {
      this.busy = false;
      this.update((s) => {
        const index = s.q.findIndex((i) => i.b.id === sent.b.id);
        if (index < 0) return;
        const item = s.q[index];
        if (status >= 200 && status < 300) {
          // Only the state that was sent leaves the queue; a newer one goes next.
          if (item.v === sent.v) s.q.splice(index, 1);
          else item.n = 0;
        } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          s.q.splice(index, 1);
          s.refused.push(item);
        } else {
          item.n++;
          const backoff = Math.min(1e3 * 2 ** item.n, MAX_BACKOFF) * (0.5 + Math.random() / 2);
          item.u = Date.now() + Math.max(backoff, retryAfter * 1e3);
        }
      });
      this.flush();
    };
    // A request that hangs (a captive portal, a dead access point) is given up after 30 seconds.
    const abort = new AbortController();
    const limit = setTimeout(() => abort.abort(), 3e4);
    fetch(this.endpoint, {
      method: "POST",
      body: JSON.stringify(sent.b),
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      cache: "no-store",
      signal: abort.signal,
    })
      .then((r) => settle(r.status, +(r.headers.get("Retry-After") || 0) || 0), () => settle(0, 0))
      .catch(() => undefined)
      .then(() => clearTimeout(limit));
  }
}
