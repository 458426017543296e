// Helpers shared by the loader and the renderer (each bundle carries its own copy; they are tiny).

// Every entry point, event handler and timer goes through this: the widget never throws into the host page.
export const safe = <A extends unknown[]>(fn: (...args: A) => unknown) => (...args: A): void => {
  try {
    fn(...args);
  } catch (e) {
    // Swallowed on purpose: a widget bug must not break the host page.
  }
};

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, parent?: Node | null, cls?: string, text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

// One host element in the page, everything else inside its open shadow root. Styles come from a
// constructable stylesheet (allowed by a strict style-src); a <style> (with the host's nonce) only where
// those are missing.
export function shadowHost(id: string, css: string, nonce: string): [HTMLElement, ShadowRoot] {
  const host = el("div");
  host.id = id;
  const root = host.attachShadow({ mode: "open" });
  try {
    if (!("adoptedStyleSheets" in root)) throw 0;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = el("style", root, "", css);
    if (nonce) style.nonce = nonce;
  }
  document.body.appendChild(host);
  return [host, root];
}

const COLOUR = /^#[0-9a-f]{6}$/i;

// The survey's brand colour and a readable text colour on it (black or white, whichever contrasts more;
// WCAG relative luminance), as custom properties on `node`.
export function brand(node: HTMLElement, colour: unknown): void {
  const hex = typeof colour === "string" && COLOUR.test(colour) ? colour : "#0b5cad";
  let l = 0;
  [0.2126, 0.7152, 0.0722].forEach((weight, i) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    l += weight * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  });
  node.style.setProperty("--b", hex);
  node.style.setProperty("--o", (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff");
}
