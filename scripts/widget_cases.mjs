// Runs cases through the widget's own answer validation, piping and language choice (frontend/widget/), for
// the parity test (tests/widgets/test_widget_parity.py). Reads {"validate": [{question, value}],
// "pipe": [{text, definition, answers, hidden, meta, language}], "language": [{definition, candidates}]}
// on stdin; prints the same lists with the widget's results.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const out = await build({
  stdin: {
    contents: `export { validate } from "./answers"; export { pipe } from "./piping"; export { chooseLanguage } from "./targeting";`,
    resolveDir: "frontend/widget",
    loader: "ts",
  },
  bundle: true, format: "esm", write: false, logLevel: "error",
});
const widget = await import("data:text/javascript;base64," + Buffer.from(out.outputFiles[0].text).toString("base64"));
const input = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  validate: (input.validate || []).map((c) => widget.validate(c.question, c.value)),
  pipe: (input.pipe || []).map((c) =>
    widget.pipe(c.text, c.definition, { answers: c.answers || {}, hidden: c.hidden || {}, meta: c.meta || {} }, c.language)),
  language: (input.language || []).map((c) => widget.chooseLanguage(c.definition, c.candidates)),
}));
