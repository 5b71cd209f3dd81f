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
