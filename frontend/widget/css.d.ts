// The widget's stylesheets are bundled as minified text (scripts/build_assets.mjs) and adopted into its shadow roots.
declare module "*.css" {
  const css: string;
  export default css;
}
