/**
 * The code editor: CodeMirror 6 with Python, line numbers, bracket matching, auto-indent,
 * undo history and search; Ctrl/Cmd+Enter runs; Escape then Tab leaves the editor. Completion
 * (after `.` and on Ctrl+Space), signature help (on `(`) and hover docs come from a language
 * service (completion.ts, a lazy chunk) started at the first keystroke typed in the editor, with
 * word completion as fallback.
 * Knows nothing of Pyodide.
 */
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completeAnyWord,
  closeCompletion,
  completionStatus,
} from "@codemirror/autocomplete";
import type {
  Completion,
  CompletionContext,
  CompletionResult,
  CompletionSource,
} from "@codemirror/autocomplete";
import {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
  simplifySelection,
  temporarilySetTabFocusMode,
} from "@codemirror/commands";
import { globalCompletion, localCompletionSource, python } from "@codemirror/lang-python";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
import type { Extension } from "@codemirror/state";
import {
  Decoration,
  ViewPlugin,
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  hoverTooltip,
  keymap,
  lineNumbers,
  rectangularSelection,
  showTooltip,
} from "@codemirror/view";
import type { DecorationSet, Tooltip, ViewUpdate } from "@codemirror/view";
import type { LanguageService } from "./jedi/client";
import { tags } from "@lezer/highlight";

export interface EditorOptions {
  doc: string;
  /** The completion worker's script (jedi/worker.ts); started on first use, never at start-up. */
  completionWorker: URL;
  /** Called after every change to the text (typing, undo, or setCode). */
  onChange: (code: string) => void;
  onRun: () => void;
  /** The code can be read, selected and run, not edited (an embed's `readonly=1`). */
  readonly?: boolean;
}

export interface Editor {
  readonly view: EditorView;
  getCode(): string;
  /** Replace the whole text as one undoable step (Ctrl+Z brings the old text back). */
  setCode(code: string): void;
  /** Mark a 1-based line as the one that failed, or clear the mark. */
  markError(line: number | null): void;
  /** Put the cursor at the start of a 1-based line, scrolled into view, and focus the editor. */
  goToLine(line: number): void;
  focus(): void;
}

// ---- the failing line ----

const setErrorLine = StateEffect.define<number | null>();
const errorLineDecoration = Decoration.line({
  class: "cm-errorLine",
  attributes: { title: "The error happened here" },
});

const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      const line = effect.value;
      if (line === null || line < 1 || line > tr.state.doc.lines) return Decoration.none;
      return Decoration.set([errorLineDecoration.range(tr.state.doc.line(line).from)]);
    }
    // Editing the text makes the old error position meaningless.
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// ---- colours come from CSS variables, so one style serves light and dark ----

const highlight = HighlightStyle.define([
  {
    tag: [
      tags.keyword,
      tags.controlKeyword,
      tags.operatorKeyword,
      tags.definitionKeyword,
      tags.moduleKeyword,
    ],
    color: "var(--hl-keyword)",
  },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--hl-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--hl-number)" },
  { tag: tags.comment, color: "var(--hl-comment)", fontStyle: "italic" },
  {
    tag: [tags.function(tags.variableName), tags.function(tags.propertyName)],
    color: "var(--hl-function)",
  },
  {
    tag: [tags.definition(tags.variableName), tags.definition(tags.className)],
    color: "var(--hl-definition)",
  },
  { tag: [tags.className, tags.typeName], color: "var(--hl-type)" },
  { tag: [tags.self, tags.special(tags.variableName)], color: "var(--hl-self)" },
  { tag: tags.operator, color: "var(--hl-operator)" },
  { tag: tags.invalid, color: "var(--hl-invalid)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", color: "var(--fg)", backgroundColor: "var(--editor-bg)" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-content": { caretColor: "var(--accent)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--accent)" },
  ".cm-gutters": { backgroundColor: "var(--editor-gutter)", color: "var(--muted)", border: "none" },
  ".cm-activeLine": { backgroundColor: "var(--active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--active-line)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--selection) !important",
  },
  "&.cm-focused .cm-matchingBracket": {
    backgroundColor: "var(--bracket)",
    outline: "1px solid var(--muted)",
  },
  ".cm-errorLine": {
    backgroundColor: "var(--error-line)",
    boxShadow: "inset 3px 0 0 var(--stderr)",
  },
  ".cm-panels": { backgroundColor: "var(--panel)", color: "var(--fg)" },
  ".cm-tooltip": {
    backgroundColor: "var(--panel)",
    color: "var(--fg)",
    border: "1px solid var(--border)",
    borderRadius: "4px",
  },
  ".cm-tooltip-autocomplete > ul": { fontFamily: "var(--mono)", maxHeight: "16em" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": {
    backgroundColor: "var(--selection)",
    color: "var(--fg)",
  },
  ".cm-completionDetail": { color: "var(--muted)", fontStyle: "normal", marginLeft: "0.6em" },
  ".cm-tooltip.cm-completionInfo, .cm-tooltip-hover, .cm-tooltip-above": {
    maxWidth: "min(560px, 90vw)",
  },
  ".cm-searchMatch": { backgroundColor: "var(--search-match)" },
});

// ---- completion, signature help, hover docs ----

/** The service, once something asked for it (null: it could not load; word completion then). */
let service: Promise<LanguageService | null> | null = null;

function languageService(workerUrl: URL): Promise<LanguageService | null> {
  service ??= import("./jedi/client").then(
    (m) => m.connect(workerUrl),
    () => null,
  );
  return service;
}

/** jedi's position of a document offset: 1-based line, 0-based column in code points. */
function jediPosition(state: EditorState, pos: number): [line: number, column: number] {
  const line = state.doc.lineAt(pos);
  return [line.number, [...line.text.slice(0, pos - line.from)].length];
}

/** What the last transaction typed when it was one keystroke ("x", ".", or "(" with its ")");
 * else "". */
const lastTyped = StateField.define<string>({
  create: () => "",
  update(typed, tr) {
    if (!tr.docChanged) return tr.selection === undefined ? typed : "";
    let inserted = "";
    let changes = 0;
    tr.changes.iterChanges((_fromA, _toA, _fromB, _toB, text) => {
      inserted += text.toString();
      changes += 1;
    });
    // NOTE: pasted or inserted text (a whole snippet) is not typing: it must not start jedi.
    return tr.isUserEvent("input.type") && changes === 1 && inserted.length <= 2 ? inserted : "";
  },
});

const KINDS: Record<string, string> = {
  module: "namespace",
  class: "class",
  function: "function",
  property: "property",
  keyword: "keyword",
  path: "text",
};

/** The editor's own completion: names in scope, builtins and keywords, words in the text. */
function wordCompletion(context: CompletionContext): CompletionResult | null {
  const results = [
    localCompletionSource(context),
    globalCompletion(context),
    completeAnyWord(context),
  ];
  const found = results.filter((r): r is CompletionResult => r !== null && !(r instanceof Promise));
  if (found.length === 0) return null;
  const from = Math.min(...found.map((r) => r.from));
  const seen = new Set<string>();
  const options: Completion[] = [];
  for (const result of found.filter((r) => r.from === from)) {
    for (const option of result.options) {
      if (!seen.has(option.label)) options.push(option);
      seen.add(option.label);
    }
  }
  return { from, options, validFor: /^\w*$/ };
}

function jediCompletion(workerUrl: URL): CompletionSource {
  return async (context) => {
    const word = context.matchBefore(/\w*/) ?? { from: context.pos };
    const afterDot = context.state.sliceDoc(word.from - 1, word.from) === ".";
    // As you type: a member being typed (the dot, or the letters after it, one key at a time).
    const typingMember = afterDot && context.state.field(lastTyped) !== "";
    if (!context.explicit && !typingMember) return null;
    const jedi = await languageService(workerUrl);
    const [line, column] = jediPosition(context.state, context.pos);
    const items =
      jedi === null ? null : await jedi.complete(context.state.doc.toString(), line, column);
    if (context.aborted) return null;
    // Without jedi there is nothing to say about members; the editor's words do for the rest.
    if (items === null) return afterDot && !context.explicit ? null : wordCompletion(context);
    const options = items.map((item): Completion => ({
      label: item.name,
      type: KINDS[item.kind] ?? "variable",
      ...(item.params === null ? {} : { detail: item.params }),
      info: () => jedi?.describe(item.name) ?? null,
    }));
    return { from: word.from, options, validFor: /^\w*$/ };
  };
}

const setSignature = StateEffect.define<Tooltip | null>();
/** Escape: close the signature, and forget answers still on their way. */
const dismissSignature = StateEffect.define<null>();

/** The signature tooltip of the call being typed. */
const signatureTooltip = StateField.define<Tooltip | null>({
  create: () => null,
  update(tooltip, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setSignature)) return effect.value;
      if (effect.is(dismissSignature)) return null;
    }
    return tooltip === null || !tr.docChanged
      ? tooltip
      : { ...tooltip, pos: tr.changes.mapPos(tooltip.pos) };
  },
  provide: (field) => showTooltip.from(field),
});

/** Asks for the signature on `(` and `,`, and keeps it current while the tooltip is open. */
function signatureHelp(workerUrl: URL): Extension {
  const plugin = ViewPlugin.fromClass(
    class {
      private asked = 0;
      constructor(private readonly view: EditorView) {}
      update(update: ViewUpdate): void {
        const dismissed = update.transactions.some((tr) =>
          tr.effects.some((e) => e.is(dismissSignature)),
        );
        if (dismissed) {
          this.asked += 1; // an answer still on its way must not bring it back
          return;
        }
        const typed = update.state.field(lastTyped);
        const open = update.state.field(signatureTooltip) !== null;
        const opens = update.docChanged && (typed.startsWith("(") || typed === ",");
        if (opens || (open && (update.docChanged || update.selectionSet))) this.ask();
      }
      private ask(): void {
        const ticket = ++this.asked;
        const view = this.view;
        const pos = view.state.selection.main.head;
        const [line, column] = jediPosition(view.state, pos);
        const code = view.state.doc.toString();
        void languageService(workerUrl)
          .then((jedi) => jedi?.signatures(code, line, column) ?? null)
          .then((dom) => {
            if (ticket !== this.asked) return; // the text moved on: a newer question is out
            const tooltip: Tooltip | null =
              dom === null ? null : { pos, above: true, create: () => ({ dom }) };
            view.dispatch({ effects: setSignature.of(tooltip) });
          });
      }
    },
  );
  // NOTE: before the completion keymap, whose Escape also takes a query that is only pending
  // (one goes out after each keystroke); an open completion list still closes first.
  const close = keymap.of([
    {
      key: "Escape",
      run: (view) => {
        const status = completionStatus(view.state);
        if (status === "active") return false;
        if (view.state.field(signatureTooltip) === null) {
          // NOTE: a query only pending (one goes out for ~100 ms after each keystroke) shows
          // nothing: Escape drops it and still lets the next Tab leave the editor (issue 26).
          if (status === "pending") return closeCompletion(view) && escapeThenTabRun(view);
          return false;
        }
        view.dispatch({ effects: dismissSignature.of(null) });
        return true;
      },
    },
  ]);
  return [signatureTooltip, plugin, Prec.highest(close)];
}

/**
 * Start the service at the first keystroke typed in the editor (not at start-up, not for pasted
 * text), so that jedi has booted, or nearly, by the time a `.` asks it for names.
 */
function startOnTyping(workerUrl: URL): Extension {
  return EditorView.updateListener.of((update) => {
    if (service === null && update.docChanged && update.state.field(lastTyped) !== "") {
      void languageService(workerUrl);
    }
  });
}

/** Docs of the name under the mouse, once the service runs (a mere hover never starts it). */
function hoverDocs(workerUrl: URL): Extension {
  return hoverTooltip(async (view, pos) => {
    if (service === null) return null;
    const word = view.state.wordAt(pos);
    if (word === null) return null;
    const jedi = await languageService(workerUrl);
    const [line, column] = jediPosition(view.state, word.to);
    const dom = (await jedi?.help(view.state.doc.toString(), line, column)) ?? null;
    return dom === null
      ? null
      : { pos: word.from, end: word.to, above: true, create: () => ({ dom }) };
  });
}

/** Escape leaves multi-selections first; otherwise it lets the next Tab move focus out. */
const escapeThenTabRun = (view: EditorView): boolean =>
  simplifySelection(view) || temporarilySetTabFocusMode(view);
const escapeThenTab = keymap.of([{ key: "Escape", run: escapeThenTabRun }]);

export function createEditor(parent: HTMLElement, options: EditorOptions): Editor {
  const runKeys = Prec.highest(
    keymap.of([{ key: "Mod-Enter", run: () => (options.onRun(), true) }]),
  );
  const extensions: Extension[] = [
    runKeys,
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of("    "),
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    escapeThenTab,
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      indentWithTab,
    ]),
    python(),
    lastTyped,
    startOnTyping(options.completionWorker),
    signatureHelp(options.completionWorker),
    autocompletion({
      override: [jediCompletion(options.completionWorker)],
      activateOnTyping: true,
      icons: true,
    }),
    hoverDocs(options.completionWorker),
    errorLine,
    theme,
    EditorView.contentAttributes.of({
      "aria-label": "Python code",
      "aria-describedby": "editor-help",
      // NOTE: it is in the tab order already (contenteditable); said outright, checkers such
      // as axe-core see that the scrolling area around it can be reached by keyboard.
      tabindex: "0",
      // Code is not prose: a phone's keyboard must not capitalise `def`, "correct" names or
      // underline them. CodeMirror sets these today; said here, they hold if that changes.
      autocapitalize: "off",
      autocorrect: "off",
      spellcheck: "false",
    }),
    options.readonly === true
      ? [
          EditorState.readOnly.of(true),
          EditorView.contentAttributes.of({ "aria-readonly": "true" }),
        ]
      : [],
    EditorView.updateListener.of((update) => {
      if (update.docChanged) options.onChange(update.state.doc.toString());
    }),
  ];
  const view = new EditorView({
    parent,
    state: EditorState.create({ doc: options.doc, extensions }),
  });
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode(code: string) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: code },
        selection: { anchor: 0 },
        effects: setErrorLine.of(null),
        scrollIntoView: true,
        userEvent: "input.replace",
      });
    },
    markError(line: number | null) {
      const effects: StateEffect<unknown>[] = [setErrorLine.of(line)];
      if (line !== null && line >= 1 && line <= view.state.doc.lines) {
        effects.push(EditorView.scrollIntoView(view.state.doc.line(line).from, { y: "center" }));
      }
      view.dispatch({ effects });
    },
    goToLine(line: number) {
      if (!Number.isSafeInteger(line) || line < 1 || line > view.state.doc.lines) return;
      const at = view.state.doc.line(line).from;
      view.dispatch({
        selection: { anchor: at },
        effects: EditorView.scrollIntoView(at, { y: "center" }),
      });
      view.focus();
    },
    focus: () => view.focus(),
  };
}
