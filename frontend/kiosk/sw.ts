// The kiosk's service worker (served by surveys.views.public.kiosk.kiosk_worker at /s/<public_id>/kiosk/sw.js,
// so its scope is that one kiosk): after one online visit the kiosk page and its CSS and JS load with no
// network, so a tablet whose browser restarts while the Wi-Fi is down comes back to the survey; the
// responses themselves wait in localStorage (queue.ts), never here.
//
// The page is network-first (fresh when online, the last copy when not), cached per URL with its query:
// ?tp= decides the touchpoint, and a copy made for another touchpoint would file answers under the wrong
// one. Assets are cache-first: the view names them by their static URL (content-hashed in production) and
// versions the cache by their contents, so a new build installs a new worker and a new cache. Only GETs
// of these URLs are answered here; everything else (the POST endpoint above all) goes to the network.
/// <reference lib="webworker" />

// Prepended by the view: the cache version and the URLs of the page's assets.
declare const KIOSK: { version: string; assets: string[] };
export {}; // a module, so these names stay out of the page scripts' global scope

const sw = self as unknown as ServiceWorkerGlobalScope;
const scope = new URL(sw.registration.scope);
const prefix = `cx-kiosk:${scope.pathname}:`;
const current = prefix + KIOSK.version;
const assets = KIOSK.assets.map((url) => new URL(url, scope).href);

async function keep(cache: Cache, request: Request, response: Response): Promise<void> {
  if (response.ok && !response.redirected) await cache.put(request, response.clone());
}

sw.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(current);
    await cache.addAll(assets);
    // The page that registered this worker loaded before it existed: fetch its URL once more to keep it.
    const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
    await Promise.all(windows
      .filter((client) => new URL(client.url).pathname === scope.pathname)
      .map(async (client) => {
        const request = new Request(client.url, { credentials: "same-origin" });
        await keep(cache, request, await fetch(request));
      }));
    await sw.skipWaiting();
  })());
});

sw.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(prefix) && n !== current).map((n) => caches.delete(n)));
    await sw.clients.claim();
  })());
});

async function page(request: Request): Promise<Response> {
  const cache = await caches.open(current);
  try {
    const response = await fetch(request);
    await keep(cache, request, response);
    return response;
  } catch (error) {
    const copy = await cache.match(request.url, { ignoreVary: true });
    if (copy) return copy;
    throw error;
  }
}

async function asset(request: Request): Promise<Response> {
  const cache = await caches.open(current);
  const copy = await cache.match(request.url, { ignoreVary: true });
  if (copy) return copy;
  const response = await fetch(request);
  await keep(cache, new Request(request.url), response);
  return response;
}

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && url.origin === scope.origin && url.pathname === scope.pathname) {
    event.respondWith(page(request));
  } else if (assets.includes(url.origin + url.pathname)) {
    event.respondWith(asset(request));
  }
});
