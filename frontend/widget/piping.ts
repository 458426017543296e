// The browser's copy of surveys/definition/piping.py: {{answer.KEY}}, {{hidden.NAME}}, {{meta.NAME}}, each
// with an optional {{...|fallback}}; choice answers recalled as their label. The result is plain text (the
// widget only ever sets it with textContent). Checked against the server by tests/widgets/test_widget_parity.py.
import { empty, isObj, type Ctx, type Json } from "../survey/logic";
import { SPACE, strip } from "./answers";
import type { Definition, Question } from "./types";

const PLACEHOLDER = new RegExp(
  `\\{\\{${SPACE}*(answer|hidden|meta)\\.([a-z][a-z0-9_]{0,39})${SPACE}*(?:\\|([^}]{0,60}))?\\}\\}`,
  "gu",
);

// Python's str() of a JSON scalar.
export const str = (v: unknown): string => (v === true ? "True" : v === false ? "False" : v === null ? "None" : String(v));

// The text in `lang`, else in the base language, else any language.
export function localized(texts: unknown, lang: string, base: string): string {
  if (typeof texts === "string") return texts;
  if (!isObj(texts)) return "";
  const values = [texts[lang], texts[base]].concat(Object.values(texts));
  return (values.find((v) => typeof v === "string" && strip(v)) as string) || "";
}

function answerText(q: Question | undefined, v: Json, lang: string, base: string): string {
  if (typeof v === "boolean") return v ? "✓" : "✗";
  if (isObj(v)) return "other" in v && Object.keys(v).length === 1 ? str(v.other) : Object.values(v).map(str).join(", ");
  if (Array.isArray(v)) return v.map((x) => answerText(q, x, lang, base)).join(", ");
  const choice = typeof v === "string" && q && (q.choices || []).find((c) => c.key === v);
  return choice ? localized(choice.label, lang, base) : str(v);
}

export function pipe(text: string, d: Definition, ctx: Ctx, lang: string): string {
  const base = String(d.base_language ?? "en");
  return text.replace(PLACEHOLDER, (_m, source: string, key: string, fallback?: string) => {
    const own = (bag: Record<string, Json>): Json | undefined =>
      Object.prototype.hasOwnProperty.call(bag, key) ? bag[key] : undefined;
    let out: string;
    if (source === "answer") {
      const v = own(ctx.answers);
      out = empty(v) ? "" : answerText((d.questions || []).find((q) => q.key === key), v as Json, lang, base);
    } else {
      const raw = own(source === "hidden" ? ctx.hidden : ctx.meta);
      out = raw == null ? "" : str(raw);
    }
    return out || strip(fallback || "");
  });
}
