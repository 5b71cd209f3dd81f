// build.py's manifest of the site (build/offline/manifest.json), bundled into sw.js by esbuild
// (--alias:ad-offline-manifest=...); manifest.ts checks its shape.
declare module "ad-offline-manifest" {
  const manifest: unknown;
  export default manifest;
}
