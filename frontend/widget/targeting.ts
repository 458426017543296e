// Who sees a survey where: URL rules, device, language (the rules of docs/widget.md "Targeting").
import type { Definition, UrlRule } from "./types";

// The current page as URL rules see it: the full URL without fragment, and path + query.
export type Where = [full: string, path: string];

export function where(): Where {
  const l = location;
  return [l.origin + l.pathname + l.search, l.pathname + l.search];
}

function hit(rule: UrlRule, [full, path]: Where): boolean {
  const v = String(rule.value);
  if (rule.op === "regex") {
    try {
      return new RegExp(v).test(full);
    } catch (e) {
      return false;
    }
  }
  const t = v[0] === "/" ? path : full;
  return rule.op === "exact" ? t === v
    : rule.op === "contains" ? t.includes(v)
    : rule.op === "starts_with" ? t.startsWith(v)
    : rule.op === "ends_with" ? t.endsWith(v)
    : false;
}

// At least one include rule matches (when there are any) and no exclude rule does.
export function urlAllowed(rules: UrlRule[] | undefined, at: Where): boolean {
  const list = rules || [];
  const include = list.filter((r) => !r.exclude);
  return (!include.length || include.some((r) => hit(r, at))) && !list.some((r) => r.exclude && hit(r, at));
}

// The codes a visitor language stands for, like the server's choose_language: zh-CN -> zh -> zh-hans.
export function variants(candidate: string): string[] {
  const code = candidate.toLowerCase().replace(/_/g, "-");
  return [code, code.split("-")[0]].concat(code.startsWith("zh") ? ["zh-hans"] : []);
}

// feedback.services.submit.choose_language: the first candidate the survey is translated into, else its base.
export function chooseLanguage(d: Definition, candidates: string[]): string {
  const base = d.base_language || "en";
  const offered = d.languages && d.languages.length ? d.languages : [base];
  for (const candidate of candidates) {
    const found = variants(candidate).find((code) => offered.includes(code));
    if (found) return found;
  }
  return base;
}
