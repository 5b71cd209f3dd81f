/**
 * Start-up: the one module that finds the page's elements and listens to the document and the
 * window; the other modules draw only into the elements it hands them. It wires the editor, the
 * runner, the output, share links, autosave and examples together.
 *
 * In embed mode (`?embed=1`, or any page shown in a frame: see embed.ts) the same page is a
 * compact snippet for another site: its code comes only from the link, nothing reads or writes
 * the user's draft, the examples or the theme choice, Python boots on first use, and nothing
 * is sent to the parent but the documented height message (with `autoheight=1`).
 */
import "./style.css";
import { createAutomation } from "./automation";
import { download } from "./download";
import { createEditor } from "./editor";
import type { Editor } from "./editor";
import {
  editorHeight,
  embedSnippet,
  embedUrl,
  heightMessage,
  playgroundUrl,
  readEmbedOptions,
} from "./embed";
import type { EmbedOptions } from "./embed";
import { DEFAULT_CODE, EXAMPLES, findExample } from "./examples";
import { followTheme, setUpSplitter, setUpTheme } from "./layout";
import { fetchLessons, LessonView } from "./lessons";
import type { Lesson } from "./lessons";
import { STAGES } from "./python/contract";
import type { Chunk } from "./python/contract";
import { Notices } from "./notices";
import type { NoticeAction } from "./notices";
import { notebook } from "./notebook";
import { OutputView } from "./output";
import { Runner } from "./python/runner";
import type { PackageLoad, RunHooks, RunResult, RunnerStatus } from "./python/runner";
import { decodeFragment, encodeCode, LONG_LINK, MAX_CODE_BYTES } from "./share";
import {
  debounce,
  DRAFT_KEY,
  HISTORY_KEY,
  loadDraft,
  loadHistory,
  loadLessonCode,
  loadProgress,
  forgetOldRuntimeCaches,
  loadReplacedCode,
  saveDraft,
  saveHistory,
  saveLessonCode,
  saveProgress,
  saveReplacedCode,
} from "./storage";
import type { Draft, Progress } from "./storage";

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page lacks #${id}`);
  return found;
}

/** Whether this page is shown inside a frame (a cross-origin parent hides its window: framed). */
function isFramed(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}

const framed = isFramed();
/** Embed mode's options, or null for the full playground; decided before anything else runs. */
const embed: EmbedOptions | null = readEmbedOptions(new URL(location.href), framed);

const ui = {
  lessons: element("lessons", HTMLButtonElement),
  lessonPane: element("lesson-pane", HTMLElement),
  examples: element("examples", HTMLSelectElement),
  drafts: element("drafts", HTMLSelectElement),
  run: element("run", HTMLButtonElement),
  stop: element("stop", HTMLButtonElement),
  share: element("share", HTMLButtonElement),
  shareMore: element("share-more", HTMLButtonElement),
  shareMenu: element("share-menu", HTMLElement),
  copyEmbed: element("copy-embed", HTMLButtonElement),
  downloadPy: element("download-py", HTMLButtonElement),
  downloadNotebook: element("download-notebook", HTMLButtonElement),
  openPlayground: element("open-playground", HTMLAnchorElement),
  theme: element("theme", HTMLButtonElement),
  boot: element("boot", HTMLElement),
  notices: element("notices", HTMLElement),
  panes: element("panes", HTMLElement),
  editor: element("editor", HTMLElement),
  splitter: element("splitter", HTMLElement),
  runStatus: element("run-status", HTMLElement),
  clear: element("clear", HTMLButtonElement),
  output: element("output", HTMLElement),
};

// A figure's link into the code (a Function's backward) moves the editor's cursor.
const output = new OutputView(ui.output, (line) => editor.goToLine(line));
const notices = new Notices(ui.notices);
let lastResult: { text: string; state: "ok" | "error" | "stopped" } | null = null;
let settleBoot: (status: RunnerStatus) => void = () => undefined;
const bootSettled = new Promise<RunnerStatus>((resolve) => (settleBoot = resolve));

// Boot Python first: everything else happens while it loads.
const runner = new Runner({
  workerUrl: new URL("./worker.js", import.meta.url),
  baseUrl: new URL("./", import.meta.url),
  outputCap: 500_000,
  stopGraceMs: 1500,
  standbyDelayMs: 1500,
  // NOTE: an embed boots nothing until the reader focuses its editor or runs it: a page with
  // ten snippets must not start ten interpreters at load.
  lazy: embed !== null,
  onStatus: showStatus,
});

if (embed === null) {
  setUpTheme(document.documentElement, ui.theme);
  setUpSplitter(ui.splitter, ui.panes);
} else {
  followTheme(document.documentElement, embed.theme);
  setUpEmbed(embed);
}

/** The compact view: only Run, Stop, the status, Open in playground, the editor and the output. */
function setUpEmbed(options: EmbedOptions): void {
  const root = document.documentElement;
  root.dataset.embed = options.autoHeight ? "autoheight" : "";
  for (const hidden of [
    ui.examples,
    ui.lessons,
    ui.drafts,
    ui.share,
    ui.shareMore,
    ui.theme,
    ui.splitter,
    document.querySelector<HTMLElement>(".brand"),
    document.getElementById("editor-help"),
  ]) {
    if (hidden !== null) hidden.hidden = true;
  }
  ui.openPlayground.hidden = false;
  document.title = "ad playground (embedded)";
}

// ---- runtime status ----

function showStatus(status: RunnerStatus): void {
  if (status.phase !== "booting") settleBoot(status);
  ui.boot.dataset.phase = status.phase;
  for (const stage of STAGES) {
    ui.boot
      .querySelector<HTMLElement>(`[data-stage="${stage}"]`)
      ?.setAttribute("data-state", status.stages[stage]);
  }
  const label = ui.boot.querySelector<HTMLElement>(".boot-label");
  if (label !== null) {
    if (status.phase === "failed") {
      label.textContent = `Python failed to load: ${status.message ?? "unknown error"}`;
    } else if (status.phase === "idle") {
      label.textContent = "Python loads when you run the code";
    } else if (status.phase === "booting") {
      label.textContent = "Loading Python";
    } else {
      const v = status.versions;
      const seconds = status.bootMs === null ? "" : ` in ${(status.bootMs / 1000).toFixed(1)} s`;
      const notes = [
        ...(v.ad === "unavailable" ? ["the ad package is missing"] : []),
        ...(status.why === null ? [] : [`started in full: ${status.why}`]),
      ];
      label.textContent = `Python ready${seconds}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
      ui.boot.title = [
        ...Object.entries(v).map(([name, version]) => `${name} ${version}`),
        status.boot === "site" ? "restored from the site's snapshot" : "booted in full",
      ].join(", ");
    }
  }
  ui.stop.disabled = !status.running || status.stopping;
  ui.run.setAttribute("aria-busy", String(status.running));
  if (status.running) {
    const text = status.waiting
      ? "Waiting for Python to load…"
      : status.stopping
        ? "Stopping…"
        : "Running…";
    setRunStatus(text, "running");
  } else if (lastResult !== null) {
    setRunStatus(lastResult.text, lastResult.state === "ok" ? "ok" : "error");
  } else {
    setRunStatus("", "idle");
  }
}

function setRunStatus(text: string, state: string): void {
  ui.runStatus.textContent = text;
  ui.runStatus.dataset.state = state;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** "Loading matplotlib, fonttools, pillow and 9 more (9.4 MB)…", then "Loaded … in 2.31 s". */
function packagesLine(load: PackageLoad): string {
  const { names } = load;
  const shown =
    names.length > 4
      ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`
      : names.join(", ");
  const what = `${shown} (${(load.bytes / 2 ** 20).toFixed(1)} MB)`;
  if (load.state === "loading") return `Loading ${what}…`;
  const took = formatDuration(load.ms ?? 0);
  return load.state === "loaded" ? `Loaded ${what} in ${took}` : `Could not load ${what}`;
}

// ---- running ----

let runToken = 0;

/** Run the editor's code (Run, Ctrl+Enter). */
async function runNow(): Promise<void> {
  autosave.flush();
  lessonSave.flush();
  await runCode(editor.getCode(), true);
}

/**
 * Run code, showing its output and outcome; only the editor's code gets its error line marked.
 * With `checks` (a lesson's checks.py) the lesson's checks run after it, in the same run.
 */
async function runCode(
  code: string,
  fromEditor: boolean,
  {
    onChunks,
    checks = null,
    limitMs,
  }: { onChunks?: (chunks: Chunk[]) => void; checks?: string | null; limitMs?: number } = {},
): Promise<RunResult> {
  const token = ++runToken;
  output.clear();
  editor.markError(null);
  lastResult = null;
  const hooks: RunHooks = {
    onOutput: (chunks) => {
      if (token === runToken) output.append(chunks);
      onChunks?.(chunks); // after the pane has it: a caller's hook that throws hides nothing
    },
    onDisplay: (display) => {
      if (token === runToken) output.display(display);
    },
    onPackages: (load) => {
      if (token === runToken) {
        output.status("packages", packagesLine(load), load.names.join(", "));
      }
    },
    ...(limitMs === undefined ? {} : { limitMs }),
    onTruncated: (cap) => {
      if (token === runToken) {
        output.notice(
          `Output passed ${cap.toLocaleString("en")} characters; the rest is not shown. ` +
            "The program keeps running.",
        );
      }
    },
  };
  const result: RunResult =
    checks === null ? await runner.run(code, hooks) : await runner.check(code, checks, hooks);
  if (token !== runToken) return result;
  if (result.dropped > 0) {
    output.notice(
      `${result.dropped.toLocaleString("en")} more characters of output were not shown.`,
    );
  }
  const took = formatDuration(result.durationMs);
  const error = result.error;
  if (error === null) {
    lastResult = { text: `Finished in ${took}`, state: "ok" };
  } else if (error.kind === "interrupted") {
    output.notice(
      error.traceback.includes("KeyboardInterrupt") && error.line !== null
        ? error.traceback
        : error.message,
    );
    lastResult = { text: `Stopped after ${took}`, state: "stopped" };
  } else {
    output.error(error.traceback);
    if (fromEditor) editor.markError(error.line);
    const where = error.line === null ? "" : ` (line ${error.line})`;
    const what =
      error.kind === "fatal" ? "Python crashed and was restarted" : `${error.name}${where}`;
    lastResult = { text: `${what} after ${took}`, state: "error" };
  }
  output.flush(); // all of the run's output is in the pane when its result is
  showStatus(runner.status);
  return result;
}

// ---- code in the editor: draft, links, examples ----
//
// NOTE: the user's own code is sacred. The draft slot holds the latest code the user wrote; code
// from a link, an example or a tool ("foreign" code) never displaces it until the user edits
// it. Then the old draft moves to the history of earlier drafts first, and if that cannot be
// stored the draft is not overwritten (the page says so and offers the download).

let linkInAddressBar = location.hash !== "";
/** Whose text the editor shows: the user's own, or foreign code not edited yet. */
let editorSource: "own" | "foreign" = "own";
/** The old draft could not be moved to the history: autosave must not overwrite it. */
let draftBlocked = false;
/** Another tab changed the draft: this tab does not autosave over it until the user says. */
let otherTab: string | null = null;
/** Set while the page itself replaces the editor's text (not a user edit). */
let replacing = false;
/** Earlier drafts, newest first; kept in memory too, for when storage fails. */
let drafts: Draft[] = embed === null ? loadHistory() : [];

/** The notices' action that saves the editor's code as a file (the notice stays). */
function downloadAction(): NoticeAction {
  return { label: "Download .py", run: () => downloadCode(editor.getCode()), keep: true };
}

/**
 * A warning that storage failed, shown on the first failure and dismissed once a save works
 * again; returns what to call with each save's outcome.
 */
function storageWarning(key: string, text: string): (stored: boolean) => void {
  let failed = false;
  return (stored) => {
    if (stored && failed) notices.dismiss(key);
    if (!stored && !failed) notices.show({ key, tone: "warn", text, actions: [downloadAction()] });
    failed = !stored;
  };
}

const noteDraftStorage = storageWarning(
  "storage",
  "Not saved: this browser's storage is full or blocked. Your code stays in the editor " +
    "while the page is open; share or download it to keep it.",
);

const autosave = debounce<string>(400, (code) => {
  if (otherTab !== null) return;
  if (draftBlocked && !archiveDraft()) return;
  const saved = saveDraft(code);
  noteDraftStorage(saved);
  // The saved draft is the editor's code now: the picker no longer offers it.
  if (saved) showDrafts();
});

function onUserEdit(code: string): void {
  if (replacing) return;
  runner.prepare(); // a run is coming: its interpreter is made now, even while one runs
  if (embed !== null) {
    // An embed's code is the embedding page's, edited or not: never the user's draft.
    updateOpenLink(code);
    return;
  }
  if (lessonOpen !== null) {
    // A lesson's code is the lesson's: it never touches the playground's draft.
    lessonSave.push({ id: lessonOpen.id, code });
    forgetLinkInAddressBar();
    return;
  }
  if (editorSource === "foreign") {
    // Edited foreign code becomes the user's draft; the draft it replaces goes to the history.
    editorSource = "own";
    if (!archiveDraft()) {
      draftBlocked = true;
      notices.show({
        key: "storage",
        tone: "warn",
        text:
          "Storage is full: your saved draft could not be moved to Earlier drafts, so it stays " +
          "saved and this code is not autosaved over it. Download this code to keep it.",
        actions: [downloadAction()],
      });
    }
  }
  autosave.push(code);
  forgetLinkInAddressBar();
}

/** The link no longer matches the editor: a reload should bring back the draft, not the link. */
function forgetLinkInAddressBar(): void {
  if (linkInAddressBar) {
    history.replaceState(history.state, "", location.pathname + location.search);
    linkInAddressBar = false;
  }
}

/** Add `code` to the earlier drafts (newest first, no duplicates); whether storage kept it. */
function remember(code: string): boolean {
  if (code.trim() === "") return true;
  drafts = [{ code, savedAt: Date.now() }, ...drafts.filter((d) => d.code !== code)];
  const stored = saveHistory(drafts);
  showDrafts();
  return stored !== null && stored.some((d) => d.code === code);
}

/** Move the stored draft to the history (before the slot takes other code). */
function archiveDraft(): boolean {
  const draft = loadDraft();
  if (draft === null || draft.trim() === "") return true;
  if (remember(draft)) {
    draftBlocked = false;
    return true;
  }
  return false;
}

function downloadCode(code: string): void {
  download(new Blob([code], { type: "text/x-python" }), "playground.py");
}

/** Set the editor's text as the page (not the user) does. */
function setEditor(code: string, source: "own" | "foreign"): void {
  replacing = true;
  try {
    editor.setCode(code);
  } finally {
    replacing = false;
  }
  editorSource = source;
  showDrafts(); // the saved draft may now differ from the editor's code: the picker offers it
}

/**
 * Before foreign code replaces the user's own: make sure their code is stored (the draft slot,
 * or the history); if storage fails it is kept in this page's Earlier drafts and the page says so.
 */
function keepOwnCode(): boolean {
  if (editorSource !== "own") return true;
  autosave.flush();
  const code = editor.getCode();
  if (code.trim() === "" || loadDraft() === code) return true;
  if (remember(code)) return true;
  notices.show({
    key: "storage",
    tone: "warn",
    text:
      "Your code could not be saved in this browser (storage is full or blocked): it is kept " +
      "under Earlier drafts only while this page is open. Download it to keep it.",
    actions: [{ label: "Download .py", run: () => downloadCode(code), keep: true }],
  });
  return false;
}

/** Show foreign code (a link's, an example, a tool's) without displacing the user's draft. */
function showForeign(code: string): void {
  if (code !== editor.getCode()) keepOwnCode();
  setEditor(code, "foreign");
}

/**
 * Put one of the user's drafts back in the editor and in the draft slot. NOTE: the slot is
 * about to hold `code`, so the code it held and the editor's own code go to Earlier drafts
 * first; when storage cannot keep them, the slot is left alone (and the page says so).
 */
function restoreDraft(code: string): void {
  if (editorSource === "own") autosave.flush();
  const current = editor.getCode();
  let kept = true;
  if (editorSource === "own" && current !== code) kept = remember(current);
  const stored = loadDraft();
  if (kept && stored !== null && stored !== code && stored !== current) kept = archiveDraft();
  setEditor(code, "own");
  forgetLinkInAddressBar();
  if (!kept) {
    draftBlocked = true;
    notices.show({
      key: "storage",
      tone: "warn",
      text:
        "Storage is full: the code you left could not be saved under Earlier drafts, so it " +
        "stays the saved draft and this code is not autosaved over it. The code you left is " +
        "under Earlier drafts while this page is open; download it to keep it.",
      actions: [{ label: "Download .py", run: () => downloadCode(current), keep: true }],
    });
  } else if (otherTab === null && !draftBlocked && saveDraft(code)) {
    drafts = drafts.filter((d) => d.code !== code); // it is the draft now, not an earlier one
    saveHistory(drafts);
  }
  showDrafts();
  editor.focus();
}

function restoreSavedDraft(): void {
  const draft = loadDraft();
  if (draft === null) {
    notices.show({ key: "restore", tone: "warn", text: "There is no saved draft to restore." });
    return;
  }
  restoreDraft(draft);
}

function offerRestore(key: string, text: string): void {
  notices.show({ key, text, actions: [{ label: "Restore my draft", run: restoreSavedDraft }] });
}

/**
 * Say that foreign `code` (a link's, an example's) took the editor: with a saved `draft` of
 * other code, that the draft is kept and can be restored; else a note that goes by itself.
 */
function announceForeign(
  key: string,
  text: string,
  code: string,
  draft: string | null,
  timeoutMs = 8000,
): void {
  if (draft !== null && draft.trim() !== "" && draft !== code) {
    offerRestore(key, `${text} Your own draft is kept.`);
  } else {
    notices.show({ key, text, timeoutMs });
  }
}

/** The Earlier drafts picker: the saved draft (when the editor shows other code), then history. */
function showDrafts(): void {
  const draft = loadDraft();
  const entries: Array<{ label: string; code: string }> = [];
  if (draft !== null && draft.trim() !== "" && draft !== editor.getCode()) {
    entries.push({ label: `Your draft: ${preview(draft)}`, code: draft });
  }
  for (const d of drafts) {
    if (d.code === draft && entries.length > 0) continue;
    const when = new Date(d.savedAt).toLocaleString("en", {
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
    entries.push({ label: `${when}: ${preview(d.code)}`, code: d.code });
  }
  const first = document.createElement("option");
  first.value = "";
  first.textContent = entries.length === 0 ? "No earlier drafts" : "Earlier drafts…";
  const options = entries.map((entry, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = entry.label;
    return option;
  });
  ui.drafts.replaceChildren(first, ...options);
  ui.drafts.disabled = entries.length === 0;
  draftChoices = entries.map((e) => e.code);
}

let draftChoices: string[] = [];

function preview(code: string): string {
  const lines = code.split("\n").length;
  const first = code.split("\n").find((l) => l.trim() !== "") ?? "";
  const short = first.trim().length > 40 ? first.trim().slice(0, 39) + "…" : first.trim();
  return `${short} (${lines} line${lines === 1 ? "" : "s"})`;
}

/** Another tab saved a different draft: say so, and let the user choose; nothing is lost. */
function onOtherTab(event: StorageEvent): void {
  if (event.key === HISTORY_KEY) {
    drafts = loadHistory();
    showDrafts();
    return;
  }
  if (event.key !== DRAFT_KEY || event.newValue === null) return;
  if (event.newValue === editor.getCode()) return;
  showDrafts();
  if (editorSource !== "own") return; // this tab shows foreign code: nothing to overwrite
  otherTab = event.newValue;
  notices.show({
    key: "other-tab",
    tone: "warn",
    text:
      "Your draft was changed in another tab of this playground. This tab no longer autosaves " +
      "over it; choose which code to keep as the draft (the other goes to Earlier drafts).",
    actions: [
      {
        label: "Keep this tab's code",
        run: () => {
          const theirs = otherTab;
          otherTab = null;
          if (theirs !== null) remember(theirs);
          saveDraft(editor.getCode());
          showDrafts();
        },
      },
      {
        label: "Load the other tab's draft",
        run: () => {
          const theirs = otherTab;
          otherTab = null;
          remember(editor.getCode());
          if (theirs !== null) setEditor(theirs, "own");
          showDrafts();
        },
      },
    ],
  });
}

async function codeFromLink(
  fragment: string,
): Promise<{ code: string } | { error: string } | null> {
  const decoded = await decodeFragment(fragment);
  if (decoded.kind === "empty") return null;
  if (decoded.kind === "error") return { error: decoded.message };
  return { code: decoded.code };
}

function showLinkError(message: string): void {
  notices.show({
    key: "link",
    tone: "warn",
    text: `${message} Your own code is still in the editor.`,
  });
}

/** An embed's code: the link's only (never the user's draft); always run as link code. */
async function embedCode(): Promise<string> {
  editorSource = "foreign";
  const link = await codeFromLink(location.hash);
  if (link === null) return DEFAULT_CODE;
  if ("error" in link) {
    notices.show({ key: "link", tone: "warn", text: link.error });
    return "";
  }
  return link.code;
}

async function initialCode(): Promise<string> {
  if (embed !== null) return embedCode();
  const draft = loadDraft();
  const fallback = draft ?? DEFAULT_CODE;
  if (draft === null) editorSource = "foreign"; // the page's default code is not the user's
  if (lessonInAddress() !== null) return fallback; // a link there is the lesson's (see below)
  const link = await codeFromLink(location.hash);
  if (link === null) return fallback;
  if ("error" in link) {
    showLinkError(link.error);
    return fallback;
  }
  editorSource = "foreign";
  announceForeign("link", "Opened the code from a shared link (not run yet).", link.code, draft);
  return link.code;
}

async function openLinkLater(): Promise<void> {
  const link = await codeFromLink(location.hash);
  if (link === null) return;
  if ("error" in link) {
    showLinkError(link.error);
    return;
  }
  showForeign(link.code);
  linkInAddressBar = true;
  const text = "Opened the code from a shared link (not run yet).";
  announceForeign("link", text, link.code, loadDraft());
}

/** Why `code` cannot go in a link (too large), or null. */
function unshareable(code: string): string | null {
  const bytes = new TextEncoder().encode(code).length;
  if (bytes <= MAX_CODE_BYTES) return null;
  const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;
  return (
    `This code is ${mb(bytes)}; a link carries at most ${mb(MAX_CODE_BYTES)}, so no link was ` +
    "made. Download it as a file to share it."
  );
}

async function shareLink(code: string): Promise<string> {
  const refused = unshareable(code);
  if (refused !== null) throw new Error(refused);
  const url = new URL(location.href);
  url.hash = await encodeCode(code);
  return url.href;
}

async function share(): Promise<void> {
  const code = editor.getCode();
  const refused = unshareable(code);
  if (refused !== null) {
    notices.show({
      key: "share",
      tone: "warn",
      text: refused,
      actions: [{ label: "Download .py", run: () => downloadCode(code), keep: true }],
    });
    return;
  }
  const url = new URL(await shareLink(code));
  history.replaceState(null, "", url.href);
  linkInAddressBar = true;
  let copied = false;
  try {
    await navigator.clipboard.writeText(url.href);
    copied = true;
  } catch {
    copied = false; // no permission or no focus: the address bar still has it
  }
  const length = url.href.length.toLocaleString("en");
  const where = copied
    ? "Link copied to the clipboard"
    : "Link is in the address bar; copy it from there";
  if (url.href.length > LONG_LINK) {
    notices.show({
      key: "share",
      tone: "warn",
      text:
        `${where} (${length} characters). Links over ${LONG_LINK.toLocaleString("en")} ` +
        "characters may be cut by chat apps; a file is safer.",
      actions: [{ label: "Download .py", run: () => downloadCode(code), keep: true }],
    });
  } else {
    notices.show({ key: "share", text: `${where} (${length} characters).`, timeoutMs: 10_000 });
  }
}

// ---- lessons ----
//
// NOTE: a lesson's code is kept under its own key (storage.ts), never in the playground's draft
// or history: while a lesson is open, edits go there only, and the playground's editor state
// is put back, as it was, when the learner leaves the lesson.

/** The lessons once fetched (lessons/lessons.json, rendered at build time). */
let lessonsLoading: Promise<Lesson[]> | null = null;
/** The lesson in the editor, or null (the playground, or the list of lessons). */
let lessonOpen: Lesson | null = null;
/** The playground's editor state while a lesson has the editor. */
let playgroundStash: { code: string; source: "own" | "foreign" } | null = null;
let progress: Record<string, Progress> = loadProgress();
/** Code a Show solution or Reset replaced, by lesson (storage too, when it works). */
const replacedCode = new Map<string, string>();
let checking = false;

const lessonView = new LessonView(ui.lessonPane, {
  open: (id) => void openLessonById(id, "push"),
  check: () => void checkLesson(),
  showSolution: confirmSolution,
  reset: resetLesson,
  openInPlayground,
  list: () => void showLessonList("push"),
  close: () => closeLessons("push"),
});

/** The lesson the address names: its id, "" for the list (?lessons), or null (none). */
function lessonInAddress(): string | null {
  const params = new URLSearchParams(location.search);
  return params.get("lesson") ?? (params.has("lessons") ? "" : null);
}

function setAddress(search: string, mode: "push" | "replace"): void {
  const url = location.pathname + search; // no fragment: a link's code is in the editor now
  if (search === location.search && location.hash === "") return;
  if (mode === "push") history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  linkInAddressBar = false;
}

function loadLessons(): Promise<Lesson[]> {
  if (lessonsLoading === null) {
    lessonsLoading = fetchLessons(new URL("./lessons/lessons.json", import.meta.url));
    lessonsLoading.catch(() => (lessonsLoading = null)); // a later click tries again
  }
  return lessonsLoading;
}

/** Say once when lesson code or progress could not be stored; clear it once it can again. */
const noteLessonStorage = storageWarning(
  "lesson-storage",
  "Not saved: this browser's storage is full or blocked. Your lesson code and progress " +
    "stay while the page is open; download the code to keep it.",
);

const lessonSave = debounce<{ id: string; code: string }>(400, ({ id, code }) =>
  noteLessonStorage(saveLessonCode(id, code)),
);

function showPane(open: boolean): void {
  ui.lessonPane.hidden = !open;
  ui.lessons.setAttribute("aria-expanded", String(open));
}

/** Give the editor back to the playground, as it was before the lesson took it. */
function leaveLesson(): void {
  lessonSave.flush();
  const stash = playgroundStash;
  lessonOpen = null;
  playgroundStash = null;
  notices.dismiss("solution");
  notices.dismiss("lesson-replaced");
  if (stash !== null) setEditor(stash.code, stash.source);
  editor.markError(null);
}

async function withLessons(work: (lessons: Lesson[]) => void): Promise<void> {
  let lessons: Lesson[];
  try {
    lessons = await loadLessons();
  } catch (e) {
    notices.show({ key: "lessons", tone: "warn", text: (e as Error).message });
    return;
  }
  work(lessons);
}

async function showLessonList(mode: "push" | "replace" | "none"): Promise<void> {
  await withLessons((lessons) => {
    leaveLesson();
    showPane(true);
    lessonView.showList(lessons, progress);
    if (mode !== "none") setAddress("?lessons", mode);
  });
}

function closeLessons(mode: "push" | "replace" | "none"): void {
  leaveLesson();
  showPane(false);
  if (mode !== "none") setAddress("", mode);
  ui.lessons.focus();
}

/** Open a lesson: the learner's code for it (or the starter), or a shared attempt's code. */
async function openLessonById(
  id: string,
  mode: "push" | "replace" | "none",
  linkCode: string | null = null,
): Promise<void> {
  await withLessons((lessons) => {
    const index = lessons.findIndex((l) => l.id === id);
    const lesson = lessons[index];
    if (lesson === undefined) {
      notices.show({
        key: "lessons",
        tone: "warn",
        text: `There is no lesson “${id}”; here are all the lessons.`,
      });
      void showLessonList("replace");
      return;
    }
    if (lessonOpen !== null) lessonSave.flush();
    else {
      autosave.flush();
      playgroundStash = { code: editor.getCode(), source: editorSource };
    }
    lessonOpen = lesson;
    if (linkCode !== null) setEditor(linkCode, "own");
    else setEditor(loadLessonCode(lesson.id) ?? lesson.starter, "own");
    editor.markError(null);
    showPane(true);
    const state = progress[lesson.id] ?? "not started";
    const position = { index, count: lessons.length, next: lessons[index + 1] ?? null };
    lessonView.showLesson(lesson, position, state, state !== "not started");
    if (mode !== "none") setAddress(`?lesson=${encodeURIComponent(lesson.id)}`, mode);
  });
}

function setProgress(id: string, state: Progress): void {
  if (progress[id] === "passed") return; // passed once is passed
  progress = { ...progress, [id]: state };
  noteLessonStorage(saveProgress(progress));
}

/** Why a check gave no results, for the summary line. */
function noResults(result: RunResult): string {
  const error = result.error;
  if (error?.kind === "interrupted") return "Stopped: the checks did not finish.";
  if (error?.kind === "fatal") return "Python crashed during the checks; press Check again.";
  return `The checks could not run: ${error?.message ?? "no results came back"}`;
}

/** Check: the lesson's checks on the editor's code, in the worker; results and progress. */
async function checkLesson(): Promise<void> {
  const lesson = lessonOpen;
  if (lesson === null || checking) return;
  lessonSave.flush();
  checking = true;
  lessonView.checking(true);
  let result: RunResult;
  try {
    result = await runCode(editor.getCode(), true, { checks: lesson.checks });
  } finally {
    checking = false;
    lessonView.checking(false);
  }
  if (lessonOpen !== lesson) return; // the learner moved on meanwhile
  const checks = result.checks;
  lessonView.showResults(checks, checks === null ? noResults(result) : null);
  if (checks === null) return;
  const passed = checks.every((c) => c.passed);
  setProgress(lesson.id, passed ? "passed" : "tried");
  lessonView.setProgress(progress[lesson.id] ?? "not started");
  if (!passed) lessonView.setSolutionAvailable(true);
}

/** Put `code` in the lesson's editor; the code it replaces is kept and one button brings it back. */
function replaceLessonCode(lesson: Lesson, code: string, said: string): void {
  const mine = editor.getCode();
  if (mine !== code) {
    replacedCode.set(lesson.id, mine);
    noteLessonStorage(saveReplacedCode(lesson.id, mine));
  }
  setEditor(code, "own");
  noteLessonStorage(saveLessonCode(lesson.id, code));
  notices.show({
    key: "lesson-replaced",
    text: `${said} Your previous code is kept.`,
    actions: [{ label: "Restore my code", run: () => restoreLessonCode(lesson) }],
  });
}

function restoreLessonCode(lesson: Lesson): void {
  if (lessonOpen !== lesson) return;
  const code = replacedCode.get(lesson.id) ?? loadReplacedCode(lesson.id);
  if (code === null) {
    notices.show({ key: "lesson-replaced", tone: "warn", text: "There is no code to restore." });
    return;
  }
  replaceLessonCode(lesson, code, "Your code is back in the editor.");
  editor.focus();
}

/** Show solution: only after a confirmation, never silently over the learner's code. */
function confirmSolution(): void {
  const lesson = lessonOpen;
  if (lesson === null) return;
  notices.show({
    key: "solution",
    tone: "warn",
    text: "Replace the code in the editor with the lesson's solution? Your code is kept.",
    actions: [
      {
        label: "Replace with the solution",
        run: () => {
          if (lessonOpen === lesson)
            replaceLessonCode(lesson, lesson.solution, "The solution is in the editor.");
        },
      },
      { label: "Cancel", run: () => undefined },
    ],
  });
}

function resetLesson(): void {
  const lesson = lessonOpen;
  if (lesson === null) return;
  replaceLessonCode(lesson, lesson.starter, "The starter code is back in the editor.");
}

/** Open in playground: the lesson's code goes to the playground like an example does. */
function openInPlayground(): void {
  const lesson = lessonOpen;
  if (lesson === null) return;
  const code = editor.getCode();
  closeLessons("push");
  showForeign(code);
  const text = `Copied the code of the lesson “${lesson.title}” into the playground.`;
  announceForeign("lesson-copy", text, code, loadDraft(), 6000);
  editor.focus();
}

/** Follow the address: a lesson, the list, or the playground (start-up, Back and Forward). */
async function routeLessons(atStart: boolean): Promise<void> {
  const wanted = lessonInAddress();
  if (wanted === null) {
    if (!ui.lessonPane.hidden) closeLessons("none");
    return;
  }
  if (wanted === "") {
    await showLessonList("none");
    return;
  }
  let linkCode: string | null = null;
  if (atStart && location.hash !== "") {
    const link = await codeFromLink(location.hash);
    if (link !== null && "error" in link) showLinkError(link.error);
    else if (link !== null) {
      linkCode = link.code;
      notices.show({
        key: "link",
        text: "Opened a shared attempt at this lesson (not run yet). Your own code for it is kept.",
        timeoutMs: 8000,
      });
    }
  }
  await openLessonById(wanted, "none", linkCode);
}

// ---- more ways to share: embed code, the .py file, a notebook ----

/** The site's own base URL (app.js sits at its root). */
const siteBase = new URL("./", import.meta.url);

async function copyEmbedCode(): Promise<void> {
  const code = editor.getCode();
  const refused = unshareable(code);
  if (refused !== null) {
    notices.show({ key: "share", tone: "warn", text: refused });
    return;
  }
  const snippet = embedSnippet(embedUrl(new URL(location.href), await encodeCode(code)), code);
  try {
    await navigator.clipboard.writeText(snippet);
    notices.show({
      key: "share",
      text:
        "Embed code copied: paste the <iframe> into your page's HTML. It runs nothing until " +
        "the reader presses Run.",
      timeoutMs: 10_000,
    });
  } catch {
    // No clipboard (permission, focus): show the snippet as text, to select and copy by hand.
    notices.show({ key: "share", tone: "warn", text: `Copy this embed code: ${snippet}` });
  }
}

function downloadNotebook(code: string): void {
  const text = notebook(code, {
    wheelUrl: new URL(`dist/${AD_WHEEL}`, siteBase).href,
    playgroundUrl: new URL("python/playground.py", siteBase).href,
  });
  download(new Blob([text], { type: "application/x-ipynb+json" }), "playground.ipynb");
}

/** The menu beside Share (Embed or download): a button that opens a list of actions (the WAI-ARIA menu button). */
function setUpShareMenu(): void {
  const items = [...ui.shareMenu.querySelectorAll<HTMLButtonElement>("[role=menuitem]")];
  const open = (focusFirst: boolean): void => {
    ui.shareMenu.hidden = false;
    ui.shareMore.setAttribute("aria-expanded", "true");
    if (focusFirst) items[0]?.focus();
  };
  const close = (refocus: boolean): void => {
    if (ui.shareMenu.hidden) return;
    ui.shareMenu.hidden = true;
    ui.shareMore.setAttribute("aria-expanded", "false");
    if (refocus) ui.shareMore.focus();
  };
  ui.shareMore.addEventListener("click", () => {
    if (ui.shareMenu.hidden) open(false);
    else close(false);
  });
  ui.shareMore.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      open(true);
    }
  });
  ui.shareMenu.addEventListener("keydown", (e) => {
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const move = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
    if (move !== 0) items[(at + move + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") close(e.key === "Escape");
    else return;
    if (e.key !== "Tab") e.preventDefault();
  });
  document.addEventListener("pointerdown", (e) => {
    const target = e.target as Node;
    if (!ui.shareMenu.contains(target) && !ui.shareMore.contains(target)) close(false);
  });
  const act = (run: () => void | Promise<void>) => () => {
    close(true);
    void run();
  };
  ui.copyEmbed.addEventListener("click", act(copyEmbedCode));
  ui.downloadPy.addEventListener(
    "click",
    act(() => downloadCode(editor.getCode())),
  );
  ui.downloadNotebook.addEventListener(
    "click",
    act(() => downloadNotebook(editor.getCode())),
  );
}

// ---- embed: the link to the full playground, the height message ----

/** Bumped per edit; the link's href is current when its data-version equals it. */
let openLinkVersion = 0;
let openLinkHref: Promise<string> = Promise.resolve(location.href);

/** Point Open in playground at `code` (the full page opens it as a link, without running it). */
function updateOpenLink(code: string): void {
  const version = ++openLinkVersion;
  const here = new URL(location.href);
  openLinkHref =
    unshareable(code) === null
      ? encodeCode(code).then((fragment) => playgroundUrl(here, fragment))
      : Promise.resolve(playgroundUrl(here, "")); // too large for a link: the bare playground
  void openLinkHref.then((href) => {
    if (version !== openLinkVersion) return;
    ui.openPlayground.href = href;
    ui.openPlayground.dataset.version = String(version);
  });
}

function setUpOpenLink(): void {
  updateOpenLink(editor.getCode());
  ui.openPlayground.addEventListener("click", (e) => {
    if (ui.openPlayground.dataset.version === String(openLinkVersion)) return; // href is current
    // The code changed a moment ago and its link is still being made: open it once made.
    e.preventDefault();
    void openLinkHref.then((href) => window.open(href, "_blank", "noopener"));
  });
}

/** With `autoheight=1`: tell the parent the height the content needs, whenever it changes. */
function reportHeight(): void {
  let last = -1;
  const send = (): void => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    // NOTE: the parent's origin is unknown (any site may embed), so "*": the message holds
    // nothing but this number, never code or output.
    window.parent.postMessage(heightMessage(height), "*");
  };
  new ResizeObserver(send).observe(document.body);
  send();
}

// ---- start ----

for (const example of EXAMPLES) {
  const option = document.createElement("option");
  option.value = example.id;
  option.textContent = example.title;
  ui.examples.append(option);
}

const editor: Editor = createEditor(ui.editor, {
  doc: await initialCode(),
  completionWorker: new URL("./jedi.js", import.meta.url),
  onChange: onUserEdit,
  onRun: () => void runNow(),
  readonly: embed?.readonly === true,
});

ui.run.addEventListener("click", () => void runNow());
ui.stop.addEventListener("click", () => void runner.stop());
ui.clear.addEventListener("click", () => {
  output.clear();
  lastResult = null;
  showStatus(runner.status);
});
document.addEventListener("keydown", (e) => {
  // Ctrl/Cmd+Enter runs from anywhere on the page, not only inside the editor.
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    void runNow();
  }
});

if (embed === null) startPlayground();
else startEmbed(embed);
showStatus(runner.status);

function startEmbed(options: EmbedOptions): void {
  // The editor's own height, from the code's length (the reader can drag it taller).
  ui.editor.style.height = `${editorHeight(editor.view.state.doc.lines)}px`;
  const warm = (): void => runner.warm();
  ui.editor.addEventListener("focusin", warm, { once: true });
  ui.run.addEventListener("focus", warm, { once: true });
  // A page may hold ten embeds: one out of view (or in a hidden tab) keeps no interpreter ready.
  let inView = true;
  const visible = (): void => runner.setVisible(inView && document.visibilityState === "visible");
  new IntersectionObserver((entries) => {
    inView = entries.some((entry) => entry.isIntersecting);
    visible();
  }).observe(document.documentElement);
  document.addEventListener("visibilitychange", visible);
  setUpOpenLink();
  if (options.autoHeight && framed) reportHeight();
  // NOTE: no hashchange, storage or message listener and no window.adPlayground: the
  // embedding page chooses the code once, in the URL, and cannot drive or read the embed.
}

function startPlayground(): void {
  forgetOldRuntimeCaches();
  showDrafts();
  ui.lessons.addEventListener("click", () => {
    if (ui.lessonPane.hidden) void showLessonList("push");
    else closeLessons("push");
  });
  window.addEventListener("popstate", () => void routeLessons(false));
  void routeLessons(true);
  setUpShareMenu();
  ui.share.addEventListener("click", () => void share());
  ui.examples.addEventListener("change", () => {
    const example = findExample(ui.examples.value);
    ui.examples.value = "";
    if (example === undefined) return;
    if (!ui.lessonPane.hidden) closeLessons("push"); // examples are the playground's
    showForeign(example.code);
    const text = `Loaded the example “${example.title}”.`;
    announceForeign("example", text, example.code, loadDraft(), 6000);
  });
  window.addEventListener("hashchange", () => {
    if (lessonOpen !== null) void routeLessons(true);
    else void openLinkLater();
  });
  window.addEventListener("storage", onOtherTab);
  ui.drafts.addEventListener("change", () => {
    const code = ui.drafts.value === "" ? undefined : draftChoices[Number(ui.drafts.value)];
    ui.drafts.value = "";
    if (code === undefined) return;
    if (!ui.lessonPane.hidden) closeLessons("push"); // drafts are the playground's
    restoreDraft(code);
  });
  const saveNow = (): void => {
    autosave.flush();
    lessonSave.flush();
  };
  window.addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });

  window.adPlayground = createAutomation({
    ready: () => bootSettled,
    run: (code, onChunks, limitMs) =>
      runCode(code, false, { onChunks, ...(limitMs === undefined ? {} : { limitMs }) }),
    stop: () => runner.stop(),
    status: () => runner.status,
    getCode: () => editor.getCode(),
    setCode: (code) => {
      if (!ui.lessonPane.hidden) closeLessons("push"); // code for the playground, not a lesson
      showForeign(code);
    },
    shareLink,
    openLink: async (fragment) => {
      const link = await codeFromLink(fragment);
      if (link === null) throw new Error("that link holds no code");
      if ("error" in link) throw new Error(link.error);
      if (!ui.lessonPane.hidden) closeLessons("push");
      showForeign(link.code);
    },
    lessons: async () => (await loadLessons()).map(({ id, title }) => ({ id, title })),
    checkLesson: async (id, code) => {
      const lesson = (await loadLessons()).find((l) => l.id === id);
      if (lesson === undefined) return null;
      const result = await runCode(code, false, { checks: lesson.checks });
      return { checks: result.checks, problem: result.checks === null ? noResults(result) : null };
    },
  });
}
