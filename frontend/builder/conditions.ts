// The logic editor of one question: "show this question only if…" (visible_if) and "after this
// question, jump to… / end with…" (jumps). Conditions are rows combined with ALL or ANY; each row looks
// at an earlier answer, a declared hidden field or metadata, with operators and a value input that fit.

import type { Builder } from "./app";
import { button, checkbox, h, oid, select, t, uid } from "./dom";
import { localized } from "./model";
import type { Condition, Json, Jump, Leaf, Question } from "./types";

type Mode = "all" | "any";

// How a condition with several rows is combined, remembered per owner (question or jump) so that
// going down to one row and back up keeps the choice.
const modes = new WeakMap<object, Mode>();

interface Target {
  value: string;            // the condition key: "nps", or "grid.speed" for one row of a matrix
  label: string;
  question: Question | null;
  row?: string;
}

const SCALE_OPS = ["gte", "lte", "eq", "neq", "gt", "lt", "between", "answered", "not_answered"];
const CHOICE_OPS = ["eq", "neq", "in", "not_in", "answered", "not_answered"];
const MULTI_OPS = ["contains", "not_contains", "in", "eq", "answered", "not_answered"];
const TEXT_OPS = ["contains", "not_contains", "eq", "neq", "contains_any", "answered", "not_answered"];
const NUMBER_TEXT_OPS = [...TEXT_OPS, "gt", "gte", "lt", "lte", "between"];
const YES_NO_OPS = ["eq", "answered", "not_answered"];
const PRESENCE_OPS = ["answered", "not_answered"];
const FIELD_OPS = ["eq", "neq", "contains", "not_contains", "in", "not_in", "gt", "gte", "lt", "lte", "answered", "not_answered"];
const LIST_OPS = ["in", "not_in", "contains_any"];
const NUMBER_OPS = ["gt", "gte", "lt", "lte"];

function isLeaf(c: unknown): c is Leaf {
  return !!c && typeof c === "object" && !("all" in c) && !("any" in c) && !("not" in c);
}

// The rows of a condition the editor can show, or null when it is more complex (NOT, nested groups).
function rowsOf(c: Condition | null | undefined): { mode: Mode; rows: Leaf[]; bare: boolean } | null {
  if (!c) return { mode: "all", rows: [], bare: false };
  if (isLeaf(c)) return { mode: "all", rows: [c], bare: true };
  const group = c as any;
  const mode: Mode | null = Array.isArray(group.all) ? "all" : Array.isArray(group.any) ? "any" : null;
  if (!mode || !group[mode].every(isLeaf)) return null;
  return { mode, rows: group[mode], bare: false };
}

function build(mode: Mode, rows: Leaf[]): Condition | null {
  if (!rows.length) return null;
  if (rows.length === 1) return rows[0];
  return mode === "all" ? { all: rows } : { any: rows };
}

function scaleOf(app: Builder, q: Question): [number, number] | null {
  if (q.type === "rating") {
    const o = q.options || {};
    return o.style === "thumbs" ? [0, 1] : [1, typeof o.points === "number" ? o.points : 5];
  }
  return app.data.question_types.find((qt) => qt.key === q.type)?.scale || null;
}

function answerable(app: Builder, q: Question): boolean {
  return app.data.question_types.find((qt) => qt.key === q.type)?.answerable ?? true;
}

export class LogicEditor {
  constructor(private app: Builder) {}

  section(q: Question, n: number): HTMLElement {
    const headingId = uid("logic");
    return h("section", { class: "bld-logic", "aria-labelledby": headingId, "data-path": `questions[${n}].logic` },
      h("h3", { id: headingId }, t("logic")),
      this.visibility(q, n),
      this.jumps(q, n));
  }

  // Questions a condition at this place may look at: earlier ones (and, for jumps, this one).
  private targets(n: number, includeSelf: boolean): Target[] {
    const app = this.app;
    const base = app.def.base_language;
    const out: Target[] = [];
    app.def.questions.slice(0, includeSelf ? n + 1 : n).forEach((q, i) => {
      if (!answerable(app, q)) return;
      const title = `${i + 1}. ${localized(q.text, base, base) || q.key}`;
      out.push({ value: q.key, label: title, question: q });
      if (q.type === "matrix") {
        for (const row of q.rows || []) {
          out.push({ value: `${q.key}.${row.key}`, label: `${title} — ${localized(row.label, base, base) || row.key}`, question: q, row: row.key });
        }
      }
    });
    return out;
  }

  private sources(n: number, includeSelf: boolean): [string, string][] {
    const out: [string, string][] = [];
    if (this.targets(n, includeSelf).length) out.push(["answer", t("source_answer")]);
    if (this.app.def.hidden_fields.length) out.push(["hidden", t("source_hidden")]);
    out.push(["meta", t("source_meta")]);
    return out;
  }

  private defaultLeaf(n: number, includeSelf: boolean): Leaf {
    const targets = this.targets(n, includeSelf);
    // A jump usually looks at the question it follows.
    const target = includeSelf ? targets.filter((x) => !x.row).pop() : targets.filter((x) => !x.row)[0];
    if (target) {
      const leaf: Leaf = { source: "answer", key: target.value, op: "answered" };
      this.resetOp(leaf, n, includeSelf);
      return leaf;
    }
    if (this.app.def.hidden_fields.length) return { source: "hidden", key: this.app.def.hidden_fields[0], op: "eq", value: "" };
    return { source: "meta", key: this.app.data.meta_keys[0], op: "eq", value: "" };
  }

  private visibility(q: Question, n: number): HTMLElement {
    const app = this.app;
    const on = !!q.visible_if;
    const box = checkbox(t("show_only_if"), on, (checked) => {
      if (checked) q.visible_if = this.defaultLeaf(n, false);
      else delete q.visible_if;
      app.changed("structure");
    }, { "data-focus": `vis-${oid(q)}` });
    const path = `questions[${n}].visible_if`;
    const body = on
      ? this.condition(q, q.visible_if, (c) => { if (c) q.visible_if = c; else delete q.visible_if; }, path, n, false)
      : null;
    return h("fieldset", { class: "fieldset bld-visibility" },
      h("legend", null, t("visibility")),
      box,
      on ? null : h("p", { class: "help" }, t("always_shown")),
      body);
  }

  private jumps(q: Question, n: number): HTMLElement {
    const app = this.app;
    const jumps = q.jumps || [];
    const list = jumps.map((jump, j) => this.jump(q, n, jump, j));
    const add = button(t("add_jump"), () => {
      const later = app.def.questions[n + 1];
      const jump: Jump = { if: this.defaultLeaf(n, true) };
      if (later && app.def.questions[n + 2]) jump.goto = app.def.questions[n + 2].key;
      else if (later) jump.goto = later.key;
      else jump.end = app.def.endings[0]?.key;
      q.jumps = [...jumps, jump];
      app.changed("structure");
    }, { "data-focus": `jump-add-${oid(q)}` });
    return h("fieldset", { class: "fieldset bld-jumps", "data-path": `questions[${n}].jumps` },
      h("legend", null, t("jumps")),
      h("p", { class: "help" }, t("jumps_help")),
      list, add);
  }

  private jump(q: Question, n: number, jump: Jump, j: number): HTMLElement {
    const app = this.app;
    const path = `questions[${n}].jumps[${j}]`;
    const later = app.def.questions.slice(n + 1);
    const action = jump.end !== undefined ? "end" : "goto";
    const actionSelect = select([["goto", t("jump_goto")], ["end", t("jump_end")]], action, (v) => {
      if (v === "end") { delete jump.goto; jump.end = app.def.endings[0]?.key; } else { delete jump.end; jump.goto = later[0]?.key; }
      app.changed("structure");
    }, { id: uid("act"), "data-focus": `jump-${oid(jump)}-action` });
    const targetOptions: [string, string][] = action === "goto"
      ? later.map((lq, i) => [lq.key, `${n + i + 2}. ${localized(lq.text, app.def.base_language, app.def.base_language) || lq.key}`])
      : app.def.endings.map((e) => [e.key, endingLabel(app, e.key)]);
    const current = (action === "goto" ? jump.goto : jump.end) || "";
    if (current && !targetOptions.some(([v]) => v === current)) targetOptions.unshift([current, t("missing_target", { key: current })]);
    const targetSelect = select(targetOptions, current, (v) => {
      if (action === "goto") jump.goto = v; else jump.end = v;
      app.changed("content");
    }, { id: uid("tgt"), "data-focus": `jump-${oid(jump)}-target`, "data-path": `${path}.${action}` });
    const number = j + 1;
    return h("fieldset", { class: "fieldset bld-jump", "data-path": path },
      h("legend", null, t("jump_rule", { number })),
      this.condition(jump, jump.if, (c) => { jump.if = c; }, `${path}.if`, n, true),
      h("div", { class: "bld-inline" },
        h("div", { class: "field" }, h("label", { for: actionSelect.id }, t("then")), actionSelect),
        h("div", { class: "field" }, h("label", { for: targetSelect.id }, action === "goto" ? t("jump_goto_target") : t("jump_end_target")), targetSelect)),
      button(t("remove_jump", { number }), () => {
        q.jumps = (q.jumps || []).filter((x) => x !== jump);
        if (!q.jumps.length) delete q.jumps;
        app.changed("structure");
      }, { class: "btn btn-small btn-danger", "data-focus": `jump-${oid(jump)}-remove` }));
  }

  private condition(
    owner: object, c: Condition | null | undefined, set: (c: Condition | null) => void,
    path: string, n: number, includeSelf: boolean,
  ): HTMLElement {
    const app = this.app;
    const parsed = rowsOf(c);
    if (!parsed) {
      return h("div", { class: "bld-row", "data-path": path },
        h("p", null, t("complex_condition")),
        button(t("start_over"), () => { set(this.defaultLeaf(n, includeSelf)); app.changed("structure"); }, { "data-focus": `cx-${oid(owner)}` }));
    }
    const mode = parsed.bare ? modes.get(owner) || "all" : parsed.mode;
    modes.set(owner, mode);
    const rows = parsed.rows;
    const commit = (next: Leaf[], nextMode: Mode = mode) => {
      modes.set(owner, nextMode);
      set(build(nextMode, next));
      app.changed("structure");
    };
    const rowPath = (i: number) => (rows.length === 1 && parsed.bare ? path : `${path}.${mode}[${i}]`);
    const combinator = rows.length > 1
      ? h("div", { class: "field bld-combinator" },
        h("label", { for: `mode-${oid(owner)}` }, t("combine")),
        select([["all", t("combine_all")], ["any", t("combine_any")]], mode, (v) => commit(rows, v as Mode),
          { id: `mode-${oid(owner)}`, "data-focus": `mode-${oid(owner)}` }))
      : null;
    return h("div", { class: "bld-condition", "data-path": path },
      combinator,
      h("ul", { class: "bld-rows" }, rows.map((leaf, i) => h("li", null,
        this.row(leaf, rowPath(i), i, n, includeSelf, () => commit(rows.filter((x) => x !== leaf)))))),
      button(t("add_condition"), () => commit([...rows, this.defaultLeaf(n, includeSelf)]), { "data-focus": `add-cond-${oid(owner)}` }));
  }

  private row(leaf: Leaf, path: string, i: number, n: number, includeSelf: boolean, remove: () => void): HTMLElement {
    const app = this.app;
    const id = oid(leaf);
    const source = leaf.source || "answer";
    const sourceSelect = select(this.sources(n, includeSelf), source, (v) => {
      leaf.source = v;
      leaf.key = v === "answer" ? this.targets(n, includeSelf)[0]?.value || ""
        : v === "hidden" ? app.def.hidden_fields[0] || "" : app.data.meta_keys[0];
      leaf.op = "";
      delete leaf.value;
      this.resetOp(leaf, n, includeSelf);
      app.changed("structure");
    }, { id: uid("src"), "data-focus": `row-${id}-source`, "data-path": `${path}.source` });

    let keyOptions: [string, string][];
    if (source === "answer") keyOptions = this.targets(n, includeSelf).map((x) => [x.value, x.label]);
    else if (source === "hidden") keyOptions = app.def.hidden_fields.map((f) => [f, f]);
    else keyOptions = app.data.meta_keys.map((k) => [k, t(`meta_${k}`)]);
    if (leaf.key && !keyOptions.some(([v]) => v === leaf.key)) keyOptions.unshift([leaf.key, t("missing_target", { key: leaf.key })]);
    const keySelect = select(keyOptions, leaf.key, (v) => {
      leaf.key = v;
      this.resetOp(leaf, n, includeSelf);
      app.changed("structure");
    }, { id: uid("key"), "data-focus": `row-${id}-key`, "data-path": `${path}.key` });

    const ops = this.operators(leaf, n, includeSelf);
    const opSelect = select(ops.map((op) => [op, this.opLabel(leaf, op, n, includeSelf)]), leaf.op, (v) => {
      leaf.op = v;
      this.resetValue(leaf, n, includeSelf);
      app.changed("structure");
    }, { id: uid("op"), "data-focus": `row-${id}-op`, "data-path": `${path}.op` });

    const number = i + 1;
    return h("div", { class: "bld-row", "data-path": path, role: "group", "aria-label": t("condition_number", { number }) },
      h("div", { class: "field" }, h("label", { for: sourceSelect.id }, t("look_at")), sourceSelect),
      h("div", { class: "field" }, h("label", { for: keySelect.id }, source === "answer" ? t("question") : source === "hidden" ? t("hidden_field") : t("metadata")), keySelect),
      h("div", { class: "field" }, h("label", { for: opSelect.id }, t("operator")), opSelect),
      this.valueInput(leaf, path, n, includeSelf),
      button(t("remove_condition", { number }), remove, { class: "btn btn-small btn-danger", "data-focus": `row-${id}-remove` }));
  }

  private target(leaf: Leaf, n: number, includeSelf: boolean): Target | null {
    if ((leaf.source || "answer") !== "answer") return null;
    return this.targets(n, includeSelf).find((x) => x.value === leaf.key) || null;
  }

  private operators(leaf: Leaf, n: number, includeSelf: boolean): string[] {
    const source = leaf.source || "answer";
    if (source !== "answer") return FIELD_OPS;
    const target = this.target(leaf, n, includeSelf);
    const q = target?.question;
    if (!q) return PRESENCE_OPS;
    if (target?.row) return CHOICE_OPS;
    if (scaleOf(this.app, q)) return SCALE_OPS;
    switch (q.type) {
      case "single_choice": case "dropdown": return CHOICE_OPS;
      case "multiple_choice": return MULTI_OPS;
      case "text": return q.options?.validation === "number" ? NUMBER_TEXT_OPS : TEXT_OPS;
      case "yes_no": return YES_NO_OPS;
      default: return PRESENCE_OPS;
    }
  }

  private opLabel(leaf: Leaf, op: string, n: number, includeSelf: boolean): string {
    const q = this.target(leaf, n, includeSelf)?.question;
    if ((leaf.source || "answer") !== "answer" && (op === "answered" || op === "not_answered")) return t(`op_${op}_field`);
    if (q?.type === "multiple_choice" && ["contains", "not_contains", "in", "eq"].includes(op)) return t(`op_${op}_list`);
    return t(`op_${op}`);
  }

  private resetOp(leaf: Leaf, n: number, includeSelf: boolean): void {
    const ops = this.operators(leaf, n, includeSelf);
    if (!ops.includes(leaf.op)) leaf.op = ops[0];
    this.resetValue(leaf, n, includeSelf);
  }

  // A value of the right shape for the operator and what the row looks at.
  private resetValue(leaf: Leaf, n: number, includeSelf: boolean): void {
    const op = leaf.op;
    if (op === "answered" || op === "not_answered") { delete leaf.value; return; }
    const options = this.valueOptions(leaf, n, includeSelf);
    const q = this.target(leaf, n, includeSelf)?.question;
    const scale = q && !this.target(leaf, n, includeSelf)?.row ? scaleOf(this.app, q) : null;
    const cur = leaf.value;
    if (op === "between") {
      leaf.value = Array.isArray(cur) && cur.length === 2 ? cur : scale ? [scale[0], scale[1]] : [0, 10];
    } else if (LIST_OPS.includes(op)) {
      leaf.value = Array.isArray(cur) ? cur : options ? [options[0]?.[0] ?? ""] : cur !== undefined && cur !== "" ? [cur as Json] : [];
      if (op === "contains_any" || !options) leaf.value = (leaf.value as Json[]).filter((v) => v !== "");
    } else if (scale || NUMBER_OPS.includes(op)) {
      leaf.value = typeof cur === "number" ? cur : scale ? (op === "gte" || op === "gt" ? scale[1] : scale[0]) : 0;
    } else if (q?.type === "yes_no") {
      leaf.value = typeof cur === "boolean" ? cur : true;
    } else if (options) {
      leaf.value = typeof cur === "string" && options.some(([v]) => v === cur) ? cur : options[0]?.[0] ?? "";
    } else {
      leaf.value = typeof cur === "string" ? cur : "";
    }
  }

  // The values a choice-like row can take (choice keys, matrix columns), or null for free input.
  private valueOptions(leaf: Leaf, n: number, includeSelf: boolean): [string, string][] | null {
    const target = this.target(leaf, n, includeSelf);
    const q = target?.question;
    if (!q) return null;
    const base = this.app.def.base_language;
    const label = (items: { key: string; label: any }[]) => items.map((c): [string, string] => [c.key, localized(c.label, base, base) || c.key]);
    if (target?.row) return label(q.columns || []);
    if (["single_choice", "dropdown", "multiple_choice"].includes(q.type)) {
      const out = label(q.choices || []);
      if (q.options?.allow_other) out.push(["other", t("other_answer")]);
      return out;
    }
    return null;
  }

  private valueInput(leaf: Leaf, path: string, n: number, includeSelf: boolean): HTMLElement | null {
    const app = this.app;
    const op = leaf.op;
    if (op === "answered" || op === "not_answered") return null;
    const id = oid(leaf);
    const vpath = `${path}.value`;
    const target = this.target(leaf, n, includeSelf);
    const q = target?.question;
    const scale = q && !target?.row ? scaleOf(app, q) : null;
    const options = this.valueOptions(leaf, n, includeSelf);
    const numberInput = (value: Json | undefined, focus: string, label: string, onValue: (v: number | null) => void) => {
      const input = h("input", {
        type: "number", id: uid("val"), value: typeof value === "number" ? String(value) : "", step: scale ? "1" : "any",
        min: scale ? scale[0] : null, max: scale ? scale[1] : null, "data-focus": focus, "data-path": vpath, inputmode: "decimal",
        onInput: (e: Event) => {
          const raw = (e.target as HTMLInputElement).value.trim();
          const parsed = raw === "" ? NaN : Number(raw);
          onValue(Number.isFinite(parsed) ? parsed : null);
          app.changed("content");
        },
      });
      return h("div", { class: "field bld-value" }, h("label", { for: input.id }, label), input);
    };

    if (op === "between") {
      const pair = (Array.isArray(leaf.value) ? leaf.value : [null, null]) as Json[];
      const setAt = (i: number) => (v: number | null) => {
        const next = [...pair];
        next[i] = v;
        leaf.value = next;
      };
      return h("div", { class: "bld-inline" },
        numberInput(pair[0], `row-${id}-lo`, t("value_from"), setAt(0)),
        numberInput(pair[1], `row-${id}-hi`, t("value_to"), setAt(1)));
    }
    if (scale || NUMBER_OPS.includes(op)) {
      return numberInput(leaf.value, `row-${id}-value`, t("value"), (v) => { if (v === null) delete leaf.value; else leaf.value = v; });
    }
    if (q?.type === "yes_no" && !target?.row) {
      return h("div", { class: "field bld-value" },
        h("label", { for: `row-${id}-yn` }, t("value")),
        select([["true", t("yes")], ["false", t("no")]], leaf.value === false ? "false" : "true", (v) => {
          leaf.value = v === "true";
          app.changed("content");
        }, { id: `row-${id}-yn`, "data-focus": `row-${id}-value`, "data-path": vpath }));
    }
    if (options && (op === "in" || op === "not_in")) {
      const chosen = new Set((Array.isArray(leaf.value) ? leaf.value : []).map(String));
      return h("fieldset", { class: "fieldset bld-value bld-value-list", "data-path": vpath },
        h("legend", null, t("values")),
        options.map(([v, label]) => checkbox(label, chosen.has(v), (on) => {
          if (on) chosen.add(v); else chosen.delete(v);
          leaf.value = options.map(([k]) => k).filter((k) => chosen.has(k));
          app.changed("content");
        }, { "data-focus": `row-${id}-v-${v}` })));
    }
    if (options) {
      return h("div", { class: "field bld-value" },
        h("label", { for: `row-${id}-sel` }, t("value")),
        select(options, typeof leaf.value === "string" ? leaf.value : "", (v) => { leaf.value = v; app.changed("content"); },
          { id: `row-${id}-sel`, "data-focus": `row-${id}-value`, "data-path": vpath }));
    }
    const list = LIST_OPS.includes(op);
    const current = list ? (Array.isArray(leaf.value) ? leaf.value.join(", ") : "") : typeof leaf.value === "string" ? leaf.value : leaf.value === undefined ? "" : String(leaf.value);
    const input = h("input", {
      type: "text", id: uid("val"), value: current, "data-focus": `row-${id}-value`, "data-path": vpath,
      onInput: (e: Event) => {
        const raw = (e.target as HTMLInputElement).value;
        leaf.value = list ? raw.split(",").map((s) => s.trim()).filter((s) => s !== "") : raw;
        app.changed("content");
      },
    });
    const help = list ? h("p", { class: "help", id: `${input.id}-help` }, t("comma_separated")) : null;
    if (help) input.setAttribute("aria-describedby", help.id);
    return h("div", { class: "field bld-value" }, h("label", { for: input.id }, list ? t("values") : t("value")), input, help);
  }
}

export function endingLabel(app: Builder, key: string): string {
  const ending = app.def.endings.find((e) => e.key === key);
  if (!ending) return key;
  const base = app.def.base_language;
  const title = ending.type === "redirect" ? ending.url || "" : localized(ending.title, base, base);
  return title ? `${title} (${key})` : key;
}
