// The alert/routing condition editor (feedback/templates/alerts/includes/conditions_editor.html).
// Without this script the rendered rows and the blank ones work as a plain form. With it: rows and
// groups can be added and removed, and each row offers only the operators, key and value control that
// fit its field. Posted names stay those the server reads (feedback/alerts/editor.py).

interface FieldInfo {
  label: string;
  needsKey: boolean;
  keyLabel: string;
  ops: string[];
  kinds: Record<string, string>;
  options: [string, string][] | null;
}

interface Catalog {
  fields: Record<string, FieldInfo>;
  ops: Record<string, string>;
  text: { placeholders: Record<string, string> };
}

function firstNumber(text: string, n: number | string): string {
  return text.replace(/\d+|__gn__/, String(n));
}

function rowParts(row: HTMLElement): { name: string; id: string } | null {
  const select = row.querySelector<HTMLSelectElement>("[data-row-field]");
  if (!select) return null;
  return { name: select.name.replace(/-field$/, ""), id: select.id.replace(/-field$/, "") };
}

function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = label;
  el.selected = selected;
  return el;
}

function currentValues(control: Element | null): string[] {
  if (control instanceof HTMLSelectElement) return Array.from(control.selectedOptions, (o) => o.value);
  if (control instanceof HTMLInputElement) return control.value ? [control.value] : [];
  return [];
}

class Editor {
  private nextRow: number;
  private nextGroup: number;

  constructor(private root: HTMLElement, private catalog: Catalog) {
    this.nextRow = Number(root.dataset.nextRow || "0");
    this.nextGroup = Number(root.dataset.nextGroup || "1");
    root.querySelectorAll<HTMLElement>("[data-add-row], [data-remove-row], [data-add-group], [data-remove-group]")
      .forEach((el) => { el.hidden = false; });
    // The blank group offered to script-less browsers; "Add a group" replaces it.
    root.querySelectorAll<HTMLElement>("[data-blank-group]").forEach((group) => {
      const touched = Array.from(group.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-row-field], [data-row-key], [data-row-value]"))
        .some((control) => control.value !== "");
      if (!touched) group.remove();
    });
    root.addEventListener("change", (event) => this.onChange(event));
    root.addEventListener("click", (event) => this.onClick(event));
  }

  private onChange(event: Event): void {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>(".cond-row");
    if (!row) return;
    if (target.matches("[data-row-field]")) this.adaptRow(row, true);
    else if (target.matches("[data-row-op]")) this.adaptRow(row, false);
  }

  private onClick(event: Event): void {
    const button = (event.target as HTMLElement).closest<HTMLElement>("button");
    if (!button || !this.root.contains(button)) return;
    if (button.matches("[data-add-row]")) {
      const group = button.closest<HTMLElement>("[data-group]");
      if (group) this.addRow(group)?.querySelector<HTMLElement>("[data-row-field]")?.focus();
    } else if (button.matches("[data-remove-row]")) {
      const row = button.closest<HTMLElement>(".cond-row");
      const group = row?.closest<HTMLElement>("[data-group]");
      row?.remove();
      this.renumber();
      group?.querySelector<HTMLElement>("[data-add-row]")?.focus();
    } else if (button.matches("[data-add-group]")) {
      const group = this.addGroup();
      group?.querySelector<HTMLElement>("select")?.focus();
    } else if (button.matches("[data-remove-group]")) {
      button.closest<HTMLElement>("fieldset[data-group]")?.remove();
      this.renumber();
      this.root.querySelector<HTMLElement>("[data-add-group]")?.focus();
    } else {
      return;
    }
    event.preventDefault();
  }

  private fromTemplate(selector: string, replacements: Record<string, string>): HTMLElement | null {
    const template = this.root.querySelector<HTMLTemplateElement>(selector);
    if (!template) return null;
    let html = template.innerHTML;
    for (const [from, to] of Object.entries(replacements)) html = html.split(from).join(to);
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const el = holder.firstElementChild as HTMLElement | null;
    el?.querySelectorAll<HTMLElement>("[hidden][data-remove-row], [hidden][data-add-row], [hidden][data-remove-group]")
      .forEach((b) => { b.hidden = false; });
    return el;
  }

  addRow(group: HTMLElement): HTMLElement | null {
    const rows = group.querySelector<HTMLElement>("[data-rows]");
    const row = this.fromTemplate("template[data-row-template]", {
      __n__: String(this.nextRow++),
      __g__: group.dataset.group || "0",
    });
    if (!rows || !row) return null;
    rows.appendChild(row);
    this.renumber();
    return row;
  }

  addGroup(): HTMLElement | null {
    const groups = this.root.querySelector<HTMLElement>("[data-groups]");
    const index = this.nextGroup++;
    const group = this.fromTemplate("template[data-group-template]", { __g__: String(index) });
    if (!groups || !group) return null;
    groups.appendChild(group);
    this.addRow(group);
    this.renumber();
    return group;
  }

  private renumber(): void {
    this.root.querySelectorAll<HTMLElement>("fieldset[data-group]").forEach((group, i) => {
      const legend = group.querySelector("legend");
      const textNode = legend?.firstChild;
      if (textNode && textNode.nodeType === Node.TEXT_NODE) {
        textNode.textContent = firstNumber(textNode.textContent || "", i + 2);
      }
    });
    this.root.querySelectorAll<HTMLElement>("[data-rows]").forEach((rows) => {
      Array.from(rows.children).forEach((row, i) => {
        const n = i + 1;
        const number = row.querySelector("[data-row-number]");
        if (number) number.textContent = `${n}.`;
        row.querySelectorAll("label.visually-hidden, button .visually-hidden").forEach((label) => {
          label.textContent = firstNumber(label.textContent || "", n);
        });
      });
    });
  }

  private adaptRow(row: HTMLElement, fieldChanged: boolean): void {
    const parts = rowParts(row);
    const fieldSelect = row.querySelector<HTMLSelectElement>("[data-row-field]");
    const opSelect = row.querySelector<HTMLSelectElement>("[data-row-op]");
    if (!parts || !fieldSelect || !opSelect) return;
    const info = this.catalog.fields[fieldSelect.value];
    const ops = info ? info.ops : Object.keys(this.catalog.ops);
    if (fieldChanged) {
      const keep = ops.includes(opSelect.value) ? opSelect.value : (ops.length === 1 ? ops[0] : "");
      const first = opSelect.options[0];
      opSelect.replaceChildren(first ?? option("", "", false));
      for (const op of ops) opSelect.appendChild(option(op, this.catalog.ops[op] ?? op, op === keep));
      opSelect.value = keep;
      const keyWrap = row.querySelector<HTMLElement>("[data-row-key-wrap]");
      if (keyWrap) {
        keyWrap.hidden = Boolean(info) && !info.needsKey;
        const keyLabel = keyWrap.querySelector("label");
        if (keyLabel && info?.needsKey) keyLabel.textContent = info.keyLabel;
      }
    }
    const kind = info?.kinds[opSelect.value] ?? "";
    const wrap = row.querySelector<HTMLElement>("[data-row-value-wrap]");
    if (!wrap) return;
    wrap.hidden = kind === "none";
    const control = wrap.querySelector("[data-row-value]");
    const label = wrap.querySelector("label");
    const wantsSelect = Boolean(info?.options);
    const isSelect = control instanceof HTMLSelectElement;
    if (wantsSelect && (fieldChanged || !isSelect)) {
      const previous = fieldChanged ? [] : currentValues(control);
      const select = document.createElement("select");
      select.multiple = true;
      select.size = Math.min(6, Math.max(3, info!.options!.length));
      select.name = `${parts.name}-choices`;
      select.id = `${parts.id}-choices`;
      select.dataset.rowValue = "";
      for (const [value, text] of info!.options!) select.appendChild(option(value, text, previous.includes(value)));
      control?.replaceWith(select);
      if (label) label.htmlFor = select.id;
    } else if (!wantsSelect) {
      let input = control instanceof HTMLInputElement ? control : null;
      if (!input) {
        input = document.createElement("input");
        input.type = "text";
        input.name = `${parts.name}-value`;
        input.id = `${parts.id}-value`;
        input.maxLength = 2000;
        input.autocomplete = "off";
        input.dataset.rowValue = "";
        control?.replaceWith(input);
        if (label) label.htmlFor = input.id;
      }
      input.placeholder = this.catalog.text.placeholders[kind] ?? "";
      input.inputMode = kind === "int" || kind === "number" ? "decimal" : "text";
    }
  }
}

function start(): void {
  document.querySelectorAll<HTMLElement>("[data-conditions-editor]").forEach((root) => {
    if (root.dataset.enhanced) return;
    const source = document.getElementById(root.dataset.catalog || "");
    if (!source?.textContent) return;
    root.dataset.enhanced = "1";
    new Editor(root, JSON.parse(source.textContent) as Catalog);
  });
}

if (document.readyState !== "loading") start();
else document.addEventListener("DOMContentLoaded", start);
// Forms swapped in by htmx get their editors too.
document.addEventListener("htmx:load", start);

export {};
