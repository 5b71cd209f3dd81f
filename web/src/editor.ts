/**
 * The code editor: CodeMirror 6 with Python, line numbers, bracket matching, auto-indent,
 * undo history and search; Ctrl/Cmd+Enter runs; Escape then Tab leaves the editor.
 * Knows nothing of Pyodide.
 */
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
  simplifySelection,
  temporarilySetTabFocusMode,
} from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
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
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import type { DecorationSet } from "@codemirror/view";
import { tags } from "@lezer/highlight";

export interface EditorOptions {
  doc: string;
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
  ".cm-searchMatch": { backgroundColor: "var(--search-match)" },
});

/** Escape leaves multi-selections first; otherwise it lets the next Tab move focus out. */
const escapeThenTab = keymap.of([
  { key: "Escape", run: (view) => simplifySelection(view) || temporarilySetTabFocusMode(view) },
]);

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
    errorLine,
    theme,
    EditorView.contentAttributes.of({
      "aria-label": "Python code",
      "aria-describedby": "editor-help",
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
