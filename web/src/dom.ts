/** Building the page's own elements: text goes in as text, never as markup. */

/** A new `tag` element with `text` (as text) and `className`, not yet in the page. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = "",
  className = "",
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (text !== "") el.textContent = text;
  if (className !== "") el.className = className;
  return el;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once what is in the DOM now has been painted (the task after the next frame), or
 * after 100 ms where no frame comes (a tab in the background draws none).
 */
export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}
