// Render the lessons (web/lessons/NN-slug/) into JSON files for the page, at build time: an
// index.json (ids and titles, in order: the list) and one NN-slug.json per lesson (its text,
// task, starter, solution and checks), so a lesson's first view fetches that lesson only.
//
// Usage: node web/lessons.mjs LESSONS_DIR OUT_DIR   (build.py runs it; OUT_DIR is replaced)
// Each folder holds lesson.md (Markdown; its first line "# Title"; TeX math as $...$ inline and
// $$...$$ on lines of their own; its last section "## Your task", which the page pins above the
// editor, apart from the text), starter.py, solution.py and checks.py; mistakes/ is for the
// tests only and is not shipped. The Markdown is ours (never a user's), rendered with marked and
// the math with KaTeX (HTML for the eye, MathML for screen readers): the page inserts it as is.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import katex from "katex";
import { Marked, Renderer } from "marked";

const FOLDER = /^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FILES = ["lesson.md", "starter.py", "solution.py", "checks.py"];
const TASK = "## Your task";

function fail(message) {
  console.error(`web/lessons.mjs: ${message}`);
  process.exit(1);
}

/** TeX to markup; a TeX error stops the build and names the lesson. */
function tex(source, displayMode, where) {
  try {
    return katex.renderToString(source, {
      displayMode,
      throwOnError: true,
      output: "htmlAndMathml",
      strict: "error",
    });
  } catch (e) {
    fail(`${where}: bad TeX ${JSON.stringify(source)}: ${e.message}`);
  }
}

const plain = new Renderer();

/** "Python code" for the course's blocks (a fence with no language is Python too). */
function language(lang) {
  const name = (lang || "").trim().split(/\s/)[0].toLowerCase();
  return name === "" || name === "python" || name === "py" ? "Python code" : "code";
}

/** A code block as marked draws it, its <pre> made a named stop in the tab order: a long line
 * scrolls sideways, and a keyboard can only scroll what it can reach (axe:
 * scrollable-region-focusable). The name says what the stop is when a screen reader lands. */
function focusable(html, name) {
  if (!html.startsWith("<pre>")) fail(`marked drew a code block without <pre>: ${html.slice(0, 40)}`);
  return `<pre tabindex="0" role="group" aria-label="${name}">` + html.slice("<pre>".length);
}

function markdown(where) {
  const marked = new Marked({ gfm: true });
  marked.use({
    extensions: [
      {
        name: "displayMath",
        level: "block",
        start: (src) => src.match(/^\$\$/m)?.index,
        tokenizer(src) {
          const match = /^\$\$\n?([\s\S]+?)\n?\$\$(?:\n|$)/.exec(src);
          if (match) return { type: "displayMath", raw: match[0], text: match[1].trim() };
        },
        // A wide equation scrolls sideways: focusable and named, as a code block (focusable()).
        renderer: (token) =>
          `<div class="math-display" tabindex="0" role="group" aria-label="equation">` +
          `${tex(token.text, true, where)}</div>\n`,
      },
      {
        name: "inlineMath",
        level: "inline",
        start: (src) => src.indexOf("$"),
        tokenizer(src) {
          const match = /^\$([^$\n]+?)\$/.exec(src);
          if (match) return { type: "inlineMath", raw: match[0], text: match[1] };
        },
        renderer: (token) => tex(token.text, false, where),
      },
    ],
    // The page shows the lesson's title as a level-2 heading: the text's own go one below it.
    walkTokens: (token) => {
      if (token.type === "heading") token.depth = Math.min(token.depth + 1, 6);
    },
    // NOTE: no raw HTML in lesson text: it would reach the page as markup. Write Markdown.
    renderer: {
      code: (token) => focusable(plain.code(token), language(token.lang)),
      html: ({ text }) => fail(`${where}: raw HTML is not allowed in lesson text: ${text}`),
    },
  });
  return marked;
}

function readLesson(dir, id) {
  for (const file of FILES) {
    if (!existsSync(join(dir, file))) fail(`${id}: ${file} is missing (a lesson needs ${FILES.join(", ")})`);
  }
  const text = readFileSync(join(dir, "lesson.md"), "utf8");
  const [first, ...rest] = text.split("\n");
  if (!first.startsWith("# ")) fail(`${id}/lesson.md: the first line must be "# Title"`);
  // The task is split off: the page shows it (and the lesson's buttons) pinned while the text
  // scrolls, so a learner never has to scroll the buttons away to read it.
  const at = rest.findIndex((line) => line.trim() === TASK);
  if (at === -1) fail(`${id}/lesson.md: a lesson ends with a "${TASK}" section (a numbered list)`);
  const task = rest.slice(at + 1);
  const later = task.find((line) => /^#{1,2} /.test(line));
  if (later !== undefined) fail(`${id}/lesson.md: "${TASK}" must be the last section, not before "${later}"`);
  const read = (file) => readFileSync(join(dir, file), "utf8");
  return {
    id,
    title: first.slice(2).trim(),
    html: markdown(`${id}/lesson.md`).parse(rest.slice(0, at).join("\n")),
    task: markdown(`${id}/lesson.md`).parse(task.join("\n")),
    starter: read("starter.py"),
    solution: read("solution.py"),
    checks: read("checks.py"),
  };
}

const [lessonsDir, outDir] = process.argv.slice(2);
if (!lessonsDir || !outDir) fail("usage: node web/lessons.mjs LESSONS_DIR OUT_DIR");
const ids = readdirSync(lessonsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && FOLDER.test(e.name))
  .map((e) => e.name)
  .sort();
const numbers = ids.map((id) => id.slice(0, 2));
const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
if (repeated !== undefined) fail(`two lessons are numbered ${repeated}`);
const lessons = ids.map((id) => readLesson(join(lessonsDir, id), id));
// NOTE: replaced whole, so a renamed or removed lesson leaves no file behind to be served.
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const lesson of lessons) writeFileSync(join(outDir, `${lesson.id}.json`), JSON.stringify(lesson));
const index = lessons.map(({ id, title }) => ({ id, title }));
writeFileSync(join(outDir, "index.json"), JSON.stringify({ version: 2, lessons: index }));
console.log(`[lessons] ${lessons.length} lessons rendered`);
