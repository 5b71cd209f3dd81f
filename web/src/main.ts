/**
 * Start-up: the one module that finds the page's elements and listens to the document and the
 * window; the other modules draw only into the elements it hands them. It wires the editor, the
 * runner, the output, share links, autosave and examples together.
 */
import "./style.css";
import { createAutomation } from "./automation";
import { download } from "./download";
import { createEditor } from "./editor";
import type { Editor } from "./editor";
import { DEFAULT_CODE, EXAMPLES, findExample } from "./examples";
import { setUpSplitter, setUpTheme } from "./layout";
import { STAGES } from "./messages";
import type { Chunk } from "./messages";
import { Notices } from "./notices";
import { OutputView } from "./output";
import { Runner } from "./runner";
import type { PackageLoad, RunResult, RunnerStatus, Trust } from "./runner";
import { decodeFragment, encodeCode, LONG_LINK, MAX_CODE_BYTES } from "./share";
import {
  debounce,
  DRAFT_KEY,
  HISTORY_KEY,
  loadDraft,
  loadHistory,
  saveDraft,
  saveHistory,
  snapshotStore,
} from "./storage";
import type { Draft } from "./storage";

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page lacks #${id}`);
  return found;
}

const ui = {
  examples: element("examples", HTMLSelectElement),
  drafts: element("drafts", HTMLSelectElement),
  run: element("run", HTMLButtonElement),
  stop: element("stop", HTMLButtonElement),
  share: element("share", HTMLButtonElement),
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

const output = new OutputView(ui.output);
const notices = new Notices(ui.notices);
let lastResult: { text: string; state: "ok" | "error" | "stopped" } | null = null;
let settleBoot: (status: RunnerStatus) => void = () => undefined;
const bootSettled = new Promise<RunnerStatus>((resolve) => (settleBoot = resolve));

// Boot Python first: everything else happens while it loads.
const runner = new Runner({
  workerUrl: new URL("./worker.js", import.meta.url),
  baseUrl: new URL("./", import.meta.url),
  snapshots: snapshotStore(),
  outputCap: 500_000,
  stopGraceMs: 1500,
  standbyDelayMs: 1500,
  onStatus: showStatus,
});

setUpTheme(document.documentElement, ui.theme);
setUpSplitter(ui.splitter, ui.panes);

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
    } else if (status.phase === "booting") {
      label.textContent = "Loading Python";
    } else {
      const v = status.versions;
      const seconds = status.bootMs === null ? "" : ` in ${(status.bootMs / 1000).toFixed(1)} s`;
      label.textContent =
        v.ad === "unavailable"
          ? `Python ready${seconds} (the ad package is missing)`
          : `Python ready${seconds}`;
      ui.boot.title = Object.entries(v)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ");
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
/**
 * Whose code the editor holds: "link" from opening a share link (edited or not) until the user's
 * own code (a draft, an example, code set by a tool) replaces it. Link code runs in a worker of
 * its own, thrown away before the user's own code runs again.
 */
let editorTrust: Trust = "own";

/** Run the editor's code (Run, Ctrl+Enter). */
async function runNow(): Promise<void> {
  autosave.flush();
  await runCode(editor.getCode(), true, editorTrust);
}

/** Run code, showing its output and outcome; only the editor's code gets its error line marked. */
async function runCode(
  code: string,
  fromEditor: boolean,
  trust: Trust,
  onChunks?: (chunks: Chunk[]) => void,
): Promise<RunResult> {
  const token = ++runToken;
  output.clear();
  editor.markError(null);
  lastResult = null;
  const result: RunResult = await runner.run(
    code,
    {
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
      onTruncated: (cap) => {
        if (token === runToken) {
          output.notice(
            `Output passed ${cap.toLocaleString("en")} characters; the rest is not shown. ` +
              "The program keeps running.",
          );
        }
      },
    },
    trust,
  );
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
let saveFailed = false;
/** Whose text the editor shows: the user's own, or foreign code not edited yet. */
let editorSource: "own" | "foreign" = "own";
/** The old draft could not be moved to the history: autosave must not overwrite it. */
let draftBlocked = false;
/** Another tab changed the draft: this tab does not autosave over it until the user says. */
let otherTab: string | null = null;
/** Set while the page itself replaces the editor's text (not a user edit). */
let replacing = false;
/** Earlier drafts, newest first; kept in memory too, for when storage fails. */
let drafts: Draft[] = loadHistory();

const autosave = debounce<string>(400, (code) => {
  if (otherTab !== null) return;
  if (draftBlocked && !archiveDraft()) return;
  if (saveDraft(code)) {
    if (saveFailed) notices.dismiss("storage");
    saveFailed = false;
    return;
  }
  if (!saveFailed) {
    notices.show({
      key: "storage",
      tone: "warn",
      text:
        "Not saved: this browser's storage is full or blocked. Your code stays in the editor " +
        "while the page is open; share or download it to keep it.",
      actions: [{ label: "Download .py", run: () => downloadCode(editor.getCode()), keep: true }],
    });
  }
  saveFailed = true;
});

function onUserEdit(code: string): void {
  if (replacing) return;
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
        actions: [{ label: "Download .py", run: () => downloadCode(editor.getCode()), keep: true }],
      });
    }
  }
  autosave.push(code);
  forgetLinkInAddressBar();
}

/** The link no longer matches the editor: a reload should bring back the draft, not the link. */
function forgetLinkInAddressBar(): void {
  if (linkInAddressBar) {
    history.replaceState(null, "", location.pathname + location.search);
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
function setEditor(code: string, trust: Trust, source: "own" | "foreign"): void {
  replacing = true;
  try {
    editor.setCode(code);
  } finally {
    replacing = false;
  }
  editorTrust = trust;
  editorSource = source;
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
function showForeign(code: string, trust: Trust): void {
  if (code !== editor.getCode()) keepOwnCode();
  setEditor(code, trust, "foreign");
}

/** Put one of the user's drafts back in the editor; the code it replaces is kept. */
function restoreDraft(code: string): void {
  if (editorSource === "own" && editor.getCode() !== code) keepOwnCode();
  drafts = drafts.filter((d) => d.code !== code);
  saveHistory(drafts);
  setEditor(code, "own", "own");
  forgetLinkInAddressBar();
  if (otherTab === null && !draftBlocked) saveDraft(code);
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
          if (theirs !== null) setEditor(theirs, "own", "own");
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

async function initialCode(): Promise<string> {
  const draft = loadDraft();
  const fallback = draft ?? DEFAULT_CODE;
  if (draft === null) editorSource = "foreign"; // the page's default code is not the user's
  const link = await codeFromLink(location.hash);
  if (link === null) return fallback;
  if ("error" in link) {
    showLinkError(link.error);
    return fallback;
  }
  editorSource = "foreign";
  if (draft !== null && draft.trim() !== "" && draft !== link.code) {
    offerRestore(
      "link",
      "Opened the code from a shared link (not run yet). Your own draft is kept.",
    );
  } else {
    notices.show({
      key: "link",
      text: "Opened the code from a shared link (not run yet).",
      timeoutMs: 8000,
    });
  }
  editorTrust = "link";
  return link.code;
}

async function openLinkLater(): Promise<void> {
  const link = await codeFromLink(location.hash);
  if (link === null) return;
  if ("error" in link) {
    showLinkError(link.error);
    return;
  }
  showForeign(link.code, "link");
  linkInAddressBar = true;
  const draft = loadDraft();
  if (draft !== null && draft.trim() !== "" && draft !== link.code) {
    offerRestore(
      "link",
      "Opened the code from a shared link (not run yet). Your own draft is kept.",
    );
  } else {
    notices.show({
      key: "link",
      text: "Opened the code from a shared link (not run yet).",
      timeoutMs: 8000,
    });
  }
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
});

showDrafts();
ui.run.addEventListener("click", () => void runNow());
ui.stop.addEventListener("click", () => void runner.stop());
ui.share.addEventListener("click", () => void share());
ui.clear.addEventListener("click", () => {
  output.clear();
  lastResult = null;
  showStatus(runner.status);
});
ui.examples.addEventListener("change", () => {
  const example = findExample(ui.examples.value);
  ui.examples.value = "";
  if (example === undefined) return;
  showForeign(example.code, "own");
  const draft = loadDraft();
  if (draft !== null && draft.trim() !== "" && draft !== example.code) {
    offerRestore("example", `Loaded the example “${example.title}”. Your own draft is kept.`);
  } else {
    notices.show({
      key: "example",
      text: `Loaded the example “${example.title}”.`,
      timeoutMs: 6000,
    });
  }
});
window.addEventListener("hashchange", () => void openLinkLater());
window.addEventListener("storage", onOtherTab);
ui.drafts.addEventListener("change", () => {
  const code = ui.drafts.value === "" ? undefined : draftChoices[Number(ui.drafts.value)];
  ui.drafts.value = "";
  if (code !== undefined) restoreDraft(code);
});
document.addEventListener("keydown", (e) => {
  // Ctrl/Cmd+Enter runs from anywhere on the page, not only inside the editor.
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    void runNow();
  }
});
const saveNow = (): void => autosave.flush();
window.addEventListener("pagehide", saveNow);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") saveNow();
});
showStatus(runner.status);

window.adPlayground = createAutomation({
  ready: () => bootSettled,
  run: (code, onChunks) => runCode(code, false, "own", onChunks),
  stop: () => runner.stop(),
  status: () => runner.status,
  getCode: () => editor.getCode(),
  setCode: (code) => showForeign(code, "own"),
  shareLink,
  openLink: async (fragment) => {
    const link = await codeFromLink(fragment);
    if (link === null) throw new Error("that link holds no code");
    if ("error" in link) throw new Error(link.error);
    showForeign(link.code, "link");
  },
});
