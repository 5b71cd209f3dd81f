/** Save a file as a link with a `download` attribute does: the code as .py, a figure as SVG/PNG. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // NOTE: not revoked at once: the browser may still be reading the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
