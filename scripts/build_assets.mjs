// Builds the app's front-end assets into static/build/ (not committed): one script and one stylesheet per
// page kind; and the embeddable widget into widgets/static/widgets/ (not committed). Run by `make run` and
// `make test` through bootstrap. `--widget` builds the widget only.
import { build, transform } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, copyFileSync, readFileSync } from "node:fs";

const widgetOnly = process.argv.includes("--widget");

if (!widgetOnly) {
  const outdir = "static/build";
  mkdirSync(outdir, { recursive: true });

  await build({
    // app: every signed-in page; builder: the survey builder; survey: the public link survey page.
    entryPoints: { app: "frontend/app.ts", builder: "frontend/builder/main.ts", survey: "frontend/survey/page.ts", kiosk: "frontend/kiosk/kiosk.ts", "kiosk-sw": "frontend/kiosk/sw.ts" },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "iife",
    target: ["es2019"],
    outdir,
    logLevel: "warning",
  });
  await build({
    entryPoints: { app: "frontend/app.css", builder: "frontend/builder/builder.css", survey: "frontend/survey/survey.css", kiosk: "frontend/kiosk/kiosk.css" },
    bundle: true,
    minify: true,
    outdir,
    logLevel: "warning",
  });
  // axe-core is used by the accessibility tests, injected into pages by Playwright.
  copyFileSync("node_modules/axe-core/axe.min.js", `${outdir}/axe.min.js`);
}

// The widget: cx.js (the loader, on every page of the host site) and cx-survey.js (the renderer, fetched only
// when a survey is due). Both together stay within 10 KB gzipped (tests/widgets/test_widget_size.py).
// Source maps are written beside them (*.map) without a sourceMappingURL comment, so they cost the visitor
// nothing. The widget's CSS files are imported as minified text and adopted into its shadow roots.
const widgetDir = "widgets/static/widgets";
mkdirSync(widgetDir, { recursive: true });
const cssAsText = {
  name: "css-as-text",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await transform(readFileSync(args.path, "utf8"), { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};
const widget = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  sourcemap: "external",
  plugins: [cssAsText],
  logLevel: "warning",
};
await build({ ...widget, entryPoints: ["frontend/widget/render.ts"], outfile: `${widgetDir}/cx-survey.js` });
// The loader asks for the renderer by content hash, so a cached old renderer never meets a new loader.
const version = createHash("sha256").update(readFileSync(`${widgetDir}/cx-survey.js`)).digest("hex").slice(0, 10);
await build({
  ...widget,
  entryPoints: ["frontend/widget/loader.ts"],
  outfile: `${widgetDir}/cx.js`,
  define: { RENDERER_VERSION: JSON.stringify(version) },
});
