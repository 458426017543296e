// Evaluates logic cases with the browser's evaluator (frontend/survey/logic.ts), for the parity test.
// Reads {"cases": [{condition, answers, hidden, meta}]} on stdin, prints a JSON list of booleans.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const out = await build({
  entryPoints: ["frontend/survey/logic.ts"], bundle: true, format: "esm", write: false, logLevel: "error",
});
const mod = await import("data:text/javascript;base64," + Buffer.from(out.outputFiles[0].text).toString("base64"));
const input = JSON.parse(readFileSync(0, "utf8"));
const results = input.cases.map((c) => {
  const ctx = { answers: c.answers || {}, hidden: c.hidden || {}, meta: c.meta || {} };
  return c.walk ? mod.walk(c.walk, ctx) : mod.evaluate(c.condition, ctx);
});
process.stdout.write(JSON.stringify(results));
