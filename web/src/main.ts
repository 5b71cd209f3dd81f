/**
 * Start-up, and nothing else: find the page's elements, make each feature (they own their state
 * and draw only into the elements handed to them), and wire the document's and the window's
 * events to them. The map of which file owns what is in web/README.md.
 *
 * In embed mode (`?embed=1`, or any page shown in a frame: see embed.ts) the same page is a
 * compact snippet for another site: its code comes only from the link, nothing reads or writes
 * the user's draft, the examples or the theme choice, Python boots on first use, and nothing
 * is sent to the parent but the documented height message (with `autoheight=1`).
 */
import "./style.css";
import { createAutomation } from "./automation";
import { afterNextPaint, sleep } from "./dom";
import { downloadCode, Drafts } from "./drafts";
import { createEditor } from "./editor";
import type { Editor } from "./editor";
import { embedCode, startEmbed } from "./embed";
import { DEFAULT_CODE, EXAMPLES, findExample } from "./examples";
import { exerciseInAddress, Exercises } from "./exercise";
import { followTheme, setUpMoreActions, setUpSplitter, setUpTheme } from "./layout";
import { lessonInAddress, Lessons } from "./lessons";
import { codeFromLink, Links, openingCode } from "./links";
import { Notices } from "./notices";
import { keepOffline } from "./offline/register";
import { OutputView } from "./output";
import { isFramed, readEmbedOptions } from "./pagemode";
import { PaneSwitch, PHONE_QUERY } from "./panes";
import { Runner } from "./python/runner";
import { Running } from "./running";
import { Sharing } from "./sharing";
import { StatusView } from "./status";
import { forgetOldRuntimeCaches } from "./storage";
import { Welcome, welcomes } from "./welcome";

/**
 * How long Python's download waits for the first view (a lesson's text is one fetch of
 * lessons/ID.json): on a slow link that fetch is the reader's first need; a host that lost the
 * file must not keep Python from loading.
 */
const FIRST_VIEW_WAIT_MS = 5000;

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page lacks #${id}`);
  return found;
}

const framed = isFramed();
/** Embed mode's options, or null for the full playground; decided before anything else runs. */
const embed = readEmbedOptions(new URL(location.href), framed);
/** A first visit to the playground itself gets a welcome (read before anything is saved). */
const welcoming = welcomes(new URL(location.href), embed !== null);
/** The address is an exercise link (`?exercise#…`): exercise.ts opens it, in either mode. */
const atExercise = exerciseInAddress();

const ui = {
  lessons: element("lessons", HTMLButtonElement),
  lessonPane: element("lesson-pane", HTMLElement),
  welcome: element("welcome", HTMLElement),
  examples: element("examples", HTMLSelectElement),
  drafts: element("drafts", HTMLSelectElement),
  run: element("run", HTMLButtonElement),
  stop: element("stop", HTMLButtonElement),
  share: element("share", HTMLButtonElement),
  shareMore: element("share-more", HTMLButtonElement),
  shareMenu: element("share-menu", HTMLElement),
  copyEmbed: element("copy-embed", HTMLButtonElement),
  makeExercise: element("make-exercise", HTMLButtonElement),
  downloadPy: element("download-py", HTMLButtonElement),
  downloadNotebook: element("download-notebook", HTMLButtonElement),
  openPlayground: element("open-playground", HTMLAnchorElement),
  theme: element("theme", HTMLButtonElement),
  more: element("more", HTMLButtonElement),
  moreActions: element("more-actions", HTMLElement),
  paneTabs: element("pane-tabs", HTMLElement),
  lessonTab: element("tab-lesson", HTMLButtonElement),
  codeTab: element("tab-code", HTMLButtonElement),
  outputTab: element("tab-output", HTMLButtonElement),
  boot: element("boot", HTMLElement),
  notices: element("notices", HTMLElement),
  panes: element("panes", HTMLElement),
  editor: element("editor", HTMLElement),
  splitter: element("splitter", HTMLElement),
  runStatus: element("run-status", HTMLElement),
  clear: element("clear", HTMLButtonElement),
  output: element("output", HTMLElement),
};

/** The site's root (app.js sits there): the runtime, lessons and notebooks' wheel are under it. */
const site = new URL("./", import.meta.url);
const status = new StatusView(ui);
/** Opened once the first view (the playground, a lesson, an exercise) has been painted. */
let firstViewDrawn: () => void = () => undefined;
// Python boots as soon as the page's own content is on screen; everything else happens while it
// loads. NOTE: not before: on a slow link the lesson's text would share it with 25 MB of runtime
// (Lighthouse's simulated mobile LCP was 39 s for a lesson, its text waiting behind the runtime).
const runner = new Runner({
  workerUrl: new URL("./worker.js", import.meta.url),
  baseUrl: site,
  outputCap: 500_000,
  stopGraceMs: 1500,
  standbyDelayMs: 1500,
  // NOTE: an embed boots nothing until the reader focuses its editor or runs it: a page with
  // ten snippets must not start ten interpreters at load.
  lazy: embed !== null,
  startAfter: new Promise<void>((open) => (firstViewDrawn = open)),
  onStatus: (s) => status.show(s),
});
const notices = new Notices(ui.notices);
const links = new Links(notices);

/** On a phone, one pane at a time (panes.ts); an embed keeps its own compact column. */
const panes =
  embed === null
    ? new PaneSwitch({
        root: document.documentElement,
        tablist: ui.paneTabs,
        lessonTab: ui.lessonTab,
        codeTab: ui.codeTab,
        outputTab: ui.outputTab,
        lessonPane: ui.lessonPane,
      })
    : null;

if (embed === null) {
  setUpTheme(document.documentElement, ui.theme);
  setUpSplitter(ui.splitter, ui.panes);
  const shareGroup = ui.share.parentElement ?? ui.share;
  setUpMoreActions(
    ui.more,
    ui.moreActions,
    [ui.examples, ui.drafts, shareGroup, ui.theme],
    PHONE_QUERY,
  );
} else {
  followTheme(document.documentElement, embed.theme);
}

for (const example of EXAMPLES) {
  const option = document.createElement("option");
  option.value = example.id;
  option.textContent = example.title;
  ui.examples.append(option);
}

// The code the editor opens with: an embed's link only; else a link, the draft or the default.
const opening =
  embed === null
    ? await openingCode(lessonInAddress() !== null || atExercise)
    : {
        code: atExercise ? "" : await embedCode(notices, DEFAULT_CODE),
        source: "foreign" as const,
        fromLink: false,
        problem: null,
      };

const editor: Editor = createEditor(ui.editor, {
  doc: opening.code,
  completionWorker: new URL("./jedi.js", import.meta.url),
  onChange: (code) => edited(code),
  onRun: () => runEditor(),
  readonly: embed?.readonly === true,
});
// A figure's link into the code (a Function's backward) moves the editor's cursor.
const output = new OutputView(ui.output, (line) => editor.goToLine(line));
const drafts = new Drafts(editor, notices, ui.drafts, opening.source, () => links.forget());
const running = new Running(runner, output, editor, status, () => {
  drafts.flush();
  lessons.flush();
  exercises.flush();
});
const lessons = new Lessons({
  pane: ui.lessonPane,
  toggle: ui.lessons,
  editor,
  drafts,
  running,
  links,
  notices,
  base: new URL("./lessons/", import.meta.url),
  showExamples: () => ui.examples.focus(),
  openExample: (id) => openExample(id),
});
const exercises = new Exercises({
  pane: ui.lessonPane,
  editor,
  drafts,
  running,
  links,
  notices,
  leaveLessons: () => {
    if (lessons.shown) lessons.close("none");
  },
  embedLink: embed === null ? null : ui.openPlayground,
  shareMenu: ui.shareMore,
});
/** Leave an exercise or a lesson for the playground (an example, a draft, a tool's code). */
function leavePane(): void {
  exercises.close("push");
  lessons.closeIfShown();
}
/** An embed's reaction to an edit (its Open in playground link follows the code). */
let embedEdited: ((code: string) => void) | null = null;

/** Every change to the editor's text: whose code it is decides where it is kept. */
function edited(code: string): void {
  if (drafts.pageIsEditing) return;
  runner.prepare(); // a run is coming: its interpreter is made now, even while one runs
  if (exercises.active)
    exercises.edited(code); // an exercise's code is the exercise's, in an embed too
  else if (embedEdited !== null)
    embedEdited(code); // an embed's code is never the user's draft
  else if (lessons.active)
    lessons.edited(code); // a lesson's code is the lesson's
  else drafts.edited(code);
}

/** Run the editor's code; on a phone the output comes to the front to show what it does. */
function runEditor(): void {
  panes?.show("output");
  void running.runEditor();
}

ui.run.addEventListener("click", () => runEditor());
ui.stop.addEventListener("click", () => void runner.stop());
ui.clear.addEventListener("click", () => running.clear());
document.addEventListener("keydown", (e) => {
  // Ctrl/Cmd+Enter runs from anywhere on the page, not only inside the editor.
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
    e.preventDefault();
    runEditor();
  }
});

if (embed === null) startPlayground();
else {
  embedEdited = startEmbed(
    embed,
    {
      root: document.documentElement,
      editor: ui.editor,
      run: ui.run,
      openPlayground: ui.openPlayground,
      hidden: [
        ui.examples,
        ui.lessons,
        ui.drafts,
        ui.share,
        ui.shareMore,
        ui.theme,
        ui.splitter,
        document.querySelector<HTMLElement>(".brand"),
        document.getElementById("editor-help"),
      ],
    },
    editor,
    runner,
    framed,
    !atExercise, // an exercise's Open in playground opens the exercise (exercise.ts)
  );
  if (atExercise) void exercises.route();
}
status.show(runner.status);

function startPlayground(): void {
  forgetOldRuntimeCaches();
  keepOffline(site, notices, status.settled); // the site offline after this visit (not embeds)
  if (opening.problem !== null) links.showError(opening.problem);
  if (opening.fromLink) {
    drafts.announceForeign(
      "link",
      "Opened the code from a shared link (not run yet).",
      opening.code,
    );
  }
  drafts.showPicker();
  drafts.beforeRestore = () => leavePane(); // drafts are the playground's
  new Sharing(
    {
      more: ui.shareMore,
      menu: ui.shareMenu,
      copyEmbed: ui.copyEmbed,
      makeExercise: ui.makeExercise,
      downloadPy: ui.downloadPy,
      downloadNotebook: ui.downloadNotebook,
    },
    editor,
    notices,
    site,
    () => void exercises.openForm(),
  );
  const welcome = new Welcome(
    ui.welcome,
    () => void lessons.showList("push"),
    () => editor.focus(),
  );
  welcome.show(welcoming && !opening.fromLink && opening.problem === null);
  ui.lessons.addEventListener("click", () => {
    // On a phone, Lessons first brings an open lesson back from behind its tab.
    if (!ui.lessonPane.hidden && panes?.hides("lesson") === true) {
      panes.show("lesson");
      return;
    }
    welcome.hide();
    exercises.close("none");
    lessons.toggle();
  });
  window.addEventListener("popstate", () => {
    if (exerciseInAddress()) void exercises.route();
    else {
      exercises.close("none");
      void lessons.route(false);
    }
  });
  const firstView = atExercise ? exercises.route() : lessons.route(true);
  // early.ts's empty lesson pane: lessons.ts has drawn the lesson in it, or said why it cannot.
  void firstView.finally(() => delete document.documentElement.dataset.lesson);
  // Drawn, or taking too long to be worth waiting for (the lesson's file lost by the host).
  void Promise.race([firstView.catch(() => undefined), sleep(FIRST_VIEW_WAIT_MS)])
    .then(afterNextPaint)
    .then(firstViewDrawn);
  ui.share.addEventListener("click", () => {
    if (exercises.active) void exercises.share();
    else void links.share(editor.getCode(), () => downloadCode(editor.getCode()));
  });
  ui.examples.addEventListener("change", () => {
    const id = ui.examples.value;
    ui.examples.value = "";
    openExample(id);
  });
  window.addEventListener("hashchange", () => {
    if (exerciseInAddress()) void exercises.route();
    else if (lessons.active) void lessons.route(true);
    else void openLinkLater();
  });
  window.addEventListener("storage", (e) => drafts.onStorage(e));
  const saveNow = (): void => {
    drafts.flush();
    lessons.flush();
    exercises.flush();
  };
  window.addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });

  window.adPlayground = createAutomation({
    ready: () => status.settled,
    run: (code, onChunks, limitMs) =>
      running.run(code, { onChunks, ...(limitMs === undefined ? {} : { limitMs }) }),
    stop: () => runner.stop(),
    status: () => runner.status,
    getCode: () => editor.getCode(),
    setCode: (code) => {
      leavePane(); // code for the playground, not a lesson
      drafts.showForeign(code);
    },
    shareLink: (code) => links.linkTo(code),
    openLink: async (fragment) => {
      const link = await codeFromLink(fragment);
      if (link === null) throw new Error("that link holds no code");
      if ("error" in link) throw new Error(link.error);
      leavePane();
      drafts.showForeign(link.code);
    },
    lessons: async () => (await lessons.index()).map(({ id, title }) => ({ id, title })),
    checkLesson: (id, code) => lessons.checkById(id, code),
    checkExercise: (link, code) => exercises.checkLink(link, code),
  });
}

/** An example into the playground's editor (the Examples picker, or a lesson's pointer). */
function openExample(id: string): void {
  const example = findExample(id);
  if (example === undefined) return;
  leavePane(); // examples are the playground's
  panes?.show("code");
  drafts.showForeign(example.code);
  const text = `Loaded the example “${example.title}”.`;
  drafts.announceForeign("example", text, example.code, 6000);
}

/** A link opened after start-up (the address's fragment changed). */
async function openLinkLater(): Promise<void> {
  const link = await codeFromLink(location.hash);
  if (link === null) return;
  if ("error" in link) {
    links.showError(link.error);
    return;
  }
  drafts.showForeign(link.code);
  links.noteInAddressBar();
  drafts.announceForeign("link", "Opened the code from a shared link (not run yet).", link.code);
}
