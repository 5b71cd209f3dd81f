// esbuild loads imported .py files as text (--loader:.py=text): examples and the worker's
// Python driver stay real Python files.
declare module "*.py" {
  const source: string;
  export default source;
}

// esbuild emits CSS imported from TypeScript as app.css.
declare module "*.css";
