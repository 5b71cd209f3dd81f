/**
 * Markdown with `$…$` math from a link (an exercise's task), rendered in the page without ever
 * inserting markup: marked's lexer gives a token tree, and the DOM is built from it here, token
 * type by token type, with text nodes only; math is KaTeX's own DOM (`katex.render`, `trust`
 * off: no links, images, classes, ids or styles of the TeX's choosing). The same Markdown and TeX
 * as lessons (web/lessons.mjs), which render at build time.
 *
 * Raw HTML in it is shown as text, images as their description (nothing is fetched), and a link
 * only to an absolute http(s) or mailto address (opened in a new tab, without a referrer).
 * A lazy chunk (marked and KaTeX): it imports nothing else of the page's.
 */
import katex from "katex";
import { Marked } from "marked";
import type { Token, Tokens, TokenizerExtension } from "marked";

const displayMath: TokenizerExtension = {
  name: "displayMath",
  level: "block",
  start: (src) => src.match(/^\$\$/m)?.index,
  tokenizer(src) {
    const match = /^\$\$\n?([\s\S]+?)\n?\$\$(?:\n|$)/.exec(src);
    if (match) return { type: "displayMath", raw: match[0], text: (match[1] ?? "").trim() };
    return undefined;
  },
};

const inlineMath: TokenizerExtension = {
  name: "inlineMath",
  level: "inline",
  start: (src) => {
    const at = src.indexOf("$");
    return at === -1 ? undefined : at;
  },
  tokenizer(src) {
    const match = /^\$([^$\n]+?)\$/.exec(src);
    if (match) return { type: "inlineMath", raw: match[0], text: match[1] ?? "" };
    return undefined;
  },
};

const marked = new Marked({ gfm: true, extensions: [displayMath, inlineMath] });

/** KaTeX as the page uses it for text from a link. */
const KATEX = {
  throwOnError: false, // a TeX error shows the source in red, never stops the rest
  trust: false, // no \href, \url, \includegraphics, \htmlClass, \htmlId, \htmlStyle, \htmlData
  strict: "ignore" as const,
  output: "htmlAndMathml" as const, // HTML for the eye, MathML for screen readers
  maxSize: 10, // em: no rule or space of a size to cover the page
  maxExpand: 1000,
};

/** The DOM of `source` (Markdown with math): elements and text nodes made here, never parsed. */
export function renderMarkdown(source: string): DocumentFragment {
  const out = document.createDocumentFragment();
  blocks(marked.lexer(source), out);
  return out;
}

/** What the page shows as text and not as Markdown: each piece of raw HTML, and each bad TeX. */
export function problems(source: string): string[] {
  const found: string[] = [];
  marked.walkTokens(marked.lexer(source), (token) => {
    if (token.type === "html") {
      const text = token.raw.trim();
      if (text !== "") found.push(`Raw HTML is shown as text, not as markup: ${text}`);
    } else if (token.type === "displayMath" || token.type === "inlineMath") {
      const tex = String((token as Tokens.Generic).text);
      try {
        katex.renderToString(tex, { ...KATEX, throwOnError: true });
      } catch (e) {
        found.push(`Bad TeX ${JSON.stringify(tex)}: ${(e as Error).message}`);
      }
    }
  });
  return found;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  into: Node,
  className = "",
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className !== "") made.className = className;
  into.appendChild(made);
  return made;
}

function text(value: string, into: Node): void {
  into.appendChild(document.createTextNode(value));
}

function blocks(tokens: readonly Token[], into: Node): void {
  for (const token of tokens) block(token, into);
}

function block(token: Token, into: Node): void {
  switch (token.type) {
    case "space":
    case "def":
      return;
    case "heading": {
      // The page shows the title as a level-2 heading: the task's own go one below it.
      const depth = Math.min(6, Math.max(3, (token as Tokens.Heading).depth + 1));
      inline(token.tokens ?? [], el(`h${depth}` as "h3", into));
      return;
    }
    case "paragraph":
      inline(token.tokens ?? [], el("p", into));
      return;
    case "text":
      if (token.tokens !== undefined) inline(token.tokens, into);
      else text(decodeEntities(token.text as string), into);
      return;
    case "code": {
      const lang = ((token as Tokens.Code).lang ?? "").trim().split(/\s/)[0] ?? "";
      const pre = scrollStop(
        el("pre", into),
        ["", "python", "py"].includes(lang.toLowerCase()) ? "Python code" : "code",
      );
      el("code", pre).textContent = (token as Tokens.Code).text;
      return;
    }
    case "blockquote":
      blocks(token.tokens ?? [], el("blockquote", into));
      return;
    case "list": {
      const list = token as Tokens.List;
      const node = el(list.ordered ? "ol" : "ul", into);
      if (list.ordered && typeof list.start === "number" && list.start !== 1) {
        (node as HTMLOListElement).start = list.start;
      }
      for (const item of list.items) {
        const li = el("li", node);
        if (item.task) text(item.checked === true ? "☑ " : "☐ ", li);
        blocks(
          item.tokens.filter((t) => t.type !== "checkbox"),
          li,
        );
      }
      return;
    }
    case "hr":
      el("hr", into);
      return;
    case "html":
      // NOTE: raw HTML from a link is text: shown as written, never parsed.
      el("p", into, "raw-html").textContent = (token as Tokens.HTML).text;
      return;
    case "table":
      table(token as Tokens.Table, into);
      return;
    case "displayMath":
      math(String(token.text), true, scrollStop(el("div", into, "math-display"), "equation"));
      return;
    default:
      // A token type not drawn here: its source, as text.
      el("p", into).textContent = token.raw;
  }
}

/** A block that may scroll sideways, made a named stop in the tab order as the lessons' are
 * (web/lessons.mjs): a keyboard can only scroll what it can reach. */
function scrollStop<E extends HTMLElement>(block: E, name: string): E {
  block.tabIndex = 0;
  block.setAttribute("role", "group");
  block.setAttribute("aria-label", name);
  return block;
}

function table(token: Tokens.Table, into: Node): void {
  const wrap = el("div", into, "table-wrap");
  const node = el("table", wrap);
  const row = el("tr", el("thead", node));
  for (const cell of token.header) inline(cell.tokens, el("th", row));
  const body = el("tbody", node);
  for (const cells of token.rows) {
    const tr = el("tr", body);
    for (const cell of cells) inline(cell.tokens, el("td", tr));
  }
}

function inline(tokens: readonly Token[], into: Node): void {
  for (const token of tokens) {
    switch (token.type) {
      case "text":
        if (token.tokens !== undefined && token.tokens.length > 0) inline(token.tokens, into);
        else text(decodeEntities(token.text as string), into);
        break;
      case "escape":
        text(token.text as string, into);
        break;
      case "strong":
      case "em":
      case "del":
        inline(token.tokens ?? [], el(token.type === "del" ? "s" : token.type, into));
        break;
      case "codespan":
        el("code", into).textContent = token.text as string;
        break;
      case "br":
        el("br", into);
        break;
      case "link":
        link(token as Tokens.Link, into);
        break;
      case "image":
        // NOTE: never fetched: an image from a link would tell its host who opened the task.
        el("span", into, "image-alt").textContent = `[image: ${(token as Tokens.Image).text}]`;
        break;
      case "html":
        text((token as Tokens.Tag).text, into); // raw HTML from a link: text, as written
        break;
      case "inlineMath":
        math(String(token.text), false, el("span", into));
        break;
      default:
        text(token.raw, into);
    }
  }
}

/** A link only to an absolute http(s) or mailto address; anything else is its text alone. */
function link(token: Tokens.Link, into: Node): void {
  const href = safeHref(token.href);
  if (href === null) {
    inline(token.tokens, el("span", into));
    return;
  }
  const a = el("a", into);
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  if (typeof token.title === "string" && token.title !== "") a.title = token.title;
  inline(token.tokens, a);
}

export function safeHref(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null; // relative, or not a URL
  }
  return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
}

function math(tex: string, displayMode: boolean, into: HTMLElement): void {
  // KaTeX builds its own DOM (createElement, never markup), with trust off (see KATEX).
  katex.render(tex, into, { ...KATEX, displayMode });
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "©",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  times: "×",
};

/** Markdown's character references in text (`&amp;`, `&#955;`), as the characters (text). */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code =
        name[1] === "x" || name[1] === "X"
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : "\ufffd";
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
