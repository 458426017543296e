// Small DOM helpers: elements are built with h() (text goes in as text nodes, never as HTML), ids are
// generated, and a region can be re-rendered without losing the keyboard focus.

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((event: any) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, AttrValue> | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "class") {
      el.className = String(value);
    } else if (name === "value" || name === "checked" || name === "selected") {
      (el as any)[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child === null || child === undefined || child === false) continue;
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

let counter = 0;
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A stable number per edited object (question, choice, ending), used for element ids and focus keys.
const ids = new WeakMap<object, number>();
let nextId = 0;
export function oid(obj: object): number {
  let id = ids.get(obj);
  if (id === undefined) {
    nextId += 1;
    id = nextId;
    ids.set(obj, id);
  }
  return id;
}

// Re-render a region; the element that had the focus (matched by its data-focus key) gets it back.
export function rerender(region: HTMLElement, build: () => (Node | null)[]): void {
  const active = document.activeElement as HTMLElement | null;
  const key = active && region.contains(active) ? active.dataset.focus : undefined;
  const selection = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement
    ? [active.selectionStart, active.selectionEnd] : null;
  region.replaceChildren(...build().filter((n): n is Node => n !== null));
  if (key) focusKey(key, region, selection);
}

export function focusKey(key: string, within: ParentNode = document, selection: (number | null)[] | null = null): boolean {
  const target = within.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`);
  if (!target) return false;
  target.focus();
  if (selection && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) {
    try { target.setSelectionRange(selection[0], selection[1]); } catch { /* not a text input */ }
  }
  return true;
}

export function announce(message: string): void {
  const region = document.getElementById("builder-announce");
  if (!region) return;
  // Clearing first makes a repeated message ("Moved to position 2 of 5") be read again.
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 50);
}

let strings: Record<string, string> = {};
export function setStrings(s: Record<string, string>): void { strings = s; }

// A translated UI string (from the server's gettext), with %(name)s placeholders filled in.
export function t(name: string, params?: Record<string, string | number>): string {
  const text = strings[name] ?? name;
  if (!params) return text;
  return text.replace(/%\((\w+)\)s/g, (_m, p: string) => (p in params ? String(params[p]) : ""));
}

export function field(
  label: string, control: HTMLElement, opts: { help?: string; cls?: string } = {},
): HTMLElement {
  if (!control.id) control.id = uid("f");
  const help = opts.help ? h("p", { class: "help", id: `${control.id}-help` }, opts.help) : null;
  if (help) control.setAttribute("aria-describedby", help.id);
  return h("div", { class: `field ${opts.cls || ""}` }, h("label", { for: control.id }, label), control, help);
}

export function checkbox(label: string, checked: boolean, onChange: (on: boolean) => void, attrs: Record<string, AttrValue> = {}): HTMLElement {
  const input = h("input", { type: "checkbox", id: uid("c"), checked, ...attrs,
    onChange: (e: Event) => onChange((e.target as HTMLInputElement).checked) });
  return h("div", { class: "field-check" }, input, h("label", { for: input.id }, label));
}

export function select(
  options: [string, string][], value: string, onChange: (v: string) => void, attrs: Record<string, AttrValue> = {},
): HTMLSelectElement {
  const el = h("select", { ...attrs, onChange: (e: Event) => onChange((e.target as HTMLSelectElement).value) },
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
  el.value = value;
  return el;
}

export function button(label: string, onClick: (e: MouseEvent) => void, attrs: Record<string, AttrValue> = {}): HTMLButtonElement {
  return h("button", { type: "button", class: "btn btn-small", ...attrs, onClick }, label);
}
