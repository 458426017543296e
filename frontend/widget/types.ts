// The shapes the widget reads from GET /api/v1/public/{key}/config (see docs/widget.md) and the hand-off
// between the loader (cx.js) and the renderer (cx-survey.js).
import type { Json } from "../survey/logic";

export type Dict = Record<string, Json>;
export type Strings = Record<string, string>;

export interface Trigger {
  type: string;
  seconds?: number;
  percent?: number;
  selector?: string;
  clicks?: number;
  within_ms?: number;
  name?: string;
}

export interface UrlRule { op: string; value: string; exclude?: boolean }

export interface Targeting {
  trigger: Trigger;
  delay_seconds?: number;
  urls?: UrlRule[];
  devices?: string[];
  languages?: string[];
  frequency?: string;
  every_days?: number;
  placement?: string;
}

export interface Choice { key: string; label?: Json }

export interface Question {
  key: string;
  type: string;
  text?: Json;
  description?: Json;
  required?: boolean;
  options?: { [name: string]: Json | undefined };
  choices?: Choice[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  visible_if?: { [key: string]: any } | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  jumps?: { [key: string]: any }[];
}

export interface Ending { key: string; type?: string; title?: Json; text?: Json; url?: string }

export interface Definition {
  base_language?: string;
  languages?: string[];
  hidden_fields?: string[];
  questions?: Question[];
  endings?: Ending[];
  theme?: { brand_color?: string; mode?: string };
  settings?: { progress?: boolean };
}

export interface Survey {
  id: string;
  definition: Definition;
  sampling?: number;
  recontact_days?: number | null;
  targeting: Targeting;
}

export interface Config {
  v: number;
  cooldown_days?: number;
  button?: { survey: string; label?: string | null; side?: string } | null;
  surveys?: Survey[];
  strings?: Record<string, Strings>;
}

// The loader's DOM helpers, lent to the renderer so that it does not carry a second copy.
export type Kit = Pick<typeof import("./util"), "brand" | "el" | "safe" | "shadowHost">;

// What the loader gives the renderer for one display of one survey.
export interface Handoff {
  kit: Kit;
  survey: Survey;
  lang: string;
  strings: Strings;
  hidden: Dict;
  meta: Dict;
  placement: string;
  nonce: string;
  // All answers so far (the same response id every time); the loader queues and delivers them.
  send(answers: Dict, finished: boolean): void;
  closed(): void;
}

export interface Shown { close(): void }

export type Renderer = (handoff: Handoff) => Shown;
