// Builds the app's front-end assets into static/build/ (not committed): one script and one stylesheet.
// Later the widget adds its own entry point here. Run by `make run` and `make test` through bootstrap.
import { build } from "esbuild";
import { mkdirSync, copyFileSync } from "node:fs";

const outdir = "static/build";
mkdirSync(outdir, { recursive: true });

await build({
  // app: every signed-in page; builder: the survey builder; survey: the public link survey page.
  entryPoints: { app: "frontend/app.ts", builder: "frontend/builder/main.ts", survey: "frontend/survey/page.ts" },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2019"],
  outdir,
  logLevel: "warning",
});
await build({
  entryPoints: { app: "frontend/app.css", builder: "frontend/builder/builder.css", survey: "frontend/survey/survey.css" },
  bundle: true,
  minify: true,
  outdir,
  logLevel: "warning",
});
// axe-core is used by the accessibility tests, injected into pages by Playwright.
copyFileSync("node_modules/axe-core/axe.min.js", `${outdir}/axe.min.js`);
