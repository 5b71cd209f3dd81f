// esbuild loads imported .py files as text (--loader:.py=text): examples and the worker's
// Python driver stay real Python files.
declare module "*.py" {
  const source: string;
  export default source;
}

// esbuild emits CSS imported from TypeScript as app.css.
declare module "*.css";

// The name of the CPython wheel of ad the site offers under dist/ (build.py passes it to esbuild
// with --define), for the notebook download's install cell.
declare const AD_WHEEL: string;
