// The survey definition as the builder edits it (docs/survey-definition.md), and the data the server
// embeds in the page (surveys/views/builder.py: builder_data).

export type Texts = Record<string, string>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Choice { key: string; label: Texts }

export interface Leaf { source?: string; key: string; op: string; value?: Json }
export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export interface Jump { if?: Condition | null; goto?: string; end?: string }

export interface Question {
  key: string;
  type: string;
  text: Texts;
  description?: Texts;
  required?: boolean;
  options?: Record<string, any>;
  choices?: Choice[];
  rows?: Choice[];
  columns?: Choice[];
  visible_if?: Condition | null;
  jumps?: Jump[];
}

export interface Ending { key: string; type: string; title?: Texts; text?: Texts; url?: string }

export interface Definition {
  schema: number;
  base_language: string;
  languages: string[];
  hidden_fields: string[];
  questions: Question[];
  endings: Ending[];
  theme: { brand_color?: string; mode?: string; logo_url?: string };
  settings: { layout?: string; progress?: boolean };
}

export interface Issue { path: string; question: string | null; message: string }
export interface Missing { question: string; field: string; language: string }

export interface QuestionTypeInfo {
  key: string;
  label: string;
  answerable: boolean;
  has_choices: boolean;
  scale: [number, number] | null;
}

export interface BuilderData {
  survey: { name: string; touchpoint: string; status: string };
  definition: Definition;
  revision: number;
  live: { number: number; definition: Definition } | null;
  question_types: QuestionTypeInfo[];
  languages: { code: string; name: string }[];
  meta_keys: string[];
  key_pattern: string;
  urls: { draft: string; publish: string; versions: string };
  // Starting content of a new question of each type, in the survey's base language.
  defaults: Record<string, Partial<Question>>;
  choice_label: string;
  issues: Issue[];
  strings: Record<string, string>;
}
