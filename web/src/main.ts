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
import type { PackageLoad, RunResult, RunnerStatus } from "./runner";
import { decodeFragment, encodeCode, LONG_LINK } from "./share";
import { debounce, keepPrevious, loadDraft, loadPrevious, saveDraft } from "./storage";

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page lacks #${id}`);
  return found;
}

const ui = {
  examples: element("examples", HTMLSelectElement),
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

/** Run the editor's code (Run, Ctrl+Enter). */
async function runNow(): Promise<void> {
  autosave.flush();
  await runCode(editor.getCode(), true);
}

/** Run code, showing its output and outcome; only the editor's code gets its error line marked. */
async function runCode(
  code: string,
  fromEditor: boolean,
  onChunks?: (chunks: Chunk[]) => void,
): Promise<RunResult> {
  const token = ++runToken;
  output.clear();
  editor.markError(null);
  lastResult = null;
  const result: RunResult = await runner.run(code, {
    onOutput: (chunks) => {
      onChunks?.(chunks);
      if (token === runToken) output.append(chunks);
    },
    onDisplay: (display) => {
      if (token === runToken) output.display(display);
    },
    onPackages: (load) => {
      if (token === runToken) output.status("packages", packagesLine(load), load.names.join(", "));
    },
    onTruncated: (cap) => {
      if (token === runToken) {
        output.notice(
          `Output passed ${cap.toLocaleString("en")} characters; the rest is not shown. ` +
            "The program keeps running.",
        );
      }
    },
  });
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

let linkInAddressBar = location.hash !== "";
let saveFailed = false;

const autosave = debounce<string>(400, (code) => {
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
  autosave.push(code);
  if (linkInAddressBar) {
    // The link no longer matches the editor: a reload should bring back the draft, not the link.
    history.replaceState(null, "", location.pathname + location.search);
    linkInAddressBar = false;
  }
}

function downloadCode(code: string): void {
  download(new Blob([code], { type: "text/x-python" }), "playground.py");
}

function offerRestore(key: string, text: string, label: string): void {
  notices.show({ key, text, actions: [{ label, run: restorePrevious }] });
}

/** Swap the editor with the code kept before the last replacement (so it can be swapped back). */
function restorePrevious(): void {
  const previous = loadPrevious();
  if (previous === null) {
    notices.show({ key: "restore", tone: "warn", text: "There is no earlier code to restore." });
    return;
  }
  keepPrevious(editor.getCode(), "restoring earlier code");
  editor.setCode(previous.code);
  editor.focus();
}

/** Replace the editor's code, keeping the old text restorable. Returns whether it was kept. */
function replaceCode(code: string, reason: string): boolean {
  const current = editor.getCode();
  let kept = false;
  const disposable =
    current.trim() === "" || current === code || EXAMPLES.some((e) => e.code === current);
  if (!disposable) kept = keepPrevious(current, reason);
  editor.setCode(code);
  return kept;
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
  const link = await codeFromLink(location.hash);
  if (link === null) return fallback;
  if ("error" in link) {
    showLinkError(link.error);
    return fallback;
  }
  if (draft !== null && draft.trim() !== "" && draft !== link.code) {
    keepPrevious(draft, "opening a shared link");
    offerRestore(
      "link",
      "Opened the code from a shared link (not run yet). Your own draft is kept.",
      "Restore my draft",
    );
  } else {
    notices.show({
      key: "link",
      text: "Opened the code from a shared link (not run yet).",
      timeoutMs: 8000,
    });
  }
  return link.code;
}

async function openLinkLater(): Promise<void> {
  const link = await codeFromLink(location.hash);
  if (link === null) return;
  if ("error" in link) {
    showLinkError(link.error);
    return;
  }
  const kept = replaceCode(link.code, "opening a shared link");
  linkInAddressBar = true;
  if (kept) {
    offerRestore(
      "link",
      "Opened the code from a shared link (not run yet). Your previous code is kept.",
      "Restore previous code",
    );
  } else {
    notices.show({
      key: "link",
      text: "Opened the code from a shared link (not run yet).",
      timeoutMs: 8000,
    });
  }
}

async function shareLink(code: string): Promise<string> {
  const url = new URL(location.href);
  url.hash = await encodeCode(code);
  return url.href;
}

async function share(): Promise<void> {
  const code = editor.getCode();
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
  const kept = replaceCode(example.code, `loading the example “${example.title}”`);
  if (kept) {
    offerRestore(
      "example",
      `Loaded the example “${example.title}”. Your previous code is kept.`,
      "Restore previous code",
    );
  } else {
    notices.show({
      key: "example",
      text: `Loaded the example “${example.title}”.`,
      timeoutMs: 6000,
    });
  }
});
window.addEventListener("hashchange", () => void openLinkLater());
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
  run: (code, onChunks) => runCode(code, false, onChunks),
  stop: () => runner.stop(),
  status: () => runner.status,
  getCode: () => editor.getCode(),
  setCode: (code) => void replaceCode(code, "code set through the automation API"),
  shareLink,
  openLink: async (fragment) => {
    const link = await codeFromLink(fragment);
    if (link === null) throw new Error("that link holds no code");
    if ("error" in link) throw new Error(link.error);
    replaceCode(link.code, "opening a shared link");
  },
});
