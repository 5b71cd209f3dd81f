/**
 * Predict mode: before a backward step reveals a node's gradient, the learner types it; this
 * module picks what to ask at each step, reads the typed numbers and says Correct, or Not yet
 * with what differs (the sign, a factor, a term missing at a shared node, which numbers).
 * It compares against the step's numbers in the payload, as the figure shows them (rounded to
 * 4 decimals). Pure (tests/figures/).
 */
import { shapeText } from "../format";
import type { StepperModel } from "./model";

/** Gradients of at most this many numbers can be predicted (typed as a list). */
export const MAX_PREDICTED = 6;
/** A prediction is right within this relative error... */
export const RELATIVE_TOLERANCE = 1e-3;
/** ...or this absolute one: half the last digit the figure shows (4 decimals). */
export const ABSOLUTE_TOLERANCE = 5e-5 * (1 + 1e-9);

/** One contribution summed into the gradient asked for. */
export interface Term {
  value: number[];
  /** The node whose backward sent it, and at which step (1 is the first). */
  from: string;
  step: number;
}

/** What to predict before step `step`: node `node`'s gradient once that step is done. */
export interface Target {
  step: number;
  /** The node whose backward runs at that step. */
  sender: string;
  node: string;
  shape: number[];
  answer: number[];
  /** The answer as the figure writes it. */
  answerText: string;
  /** Every contribution the answer sums, in the order they arrived. */
  terms: Term[];
}

export interface Verdict {
  correct: boolean;
  text: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A number as the figure or a learner writes it ("2.5", "-1e-3", "inf", "NaN", "1/3"). */
function readNumber(token: string): number | null {
  const t = token.replace(/^\u2212/, "-");
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (NUMBER.test(t)) return Number(t);
  const fraction = /^([^/]+)\/([^/]+)$/.exec(t);
  if (fraction !== null && NUMBER.test(fraction[1] ?? "") && NUMBER.test(fraction[2] ?? "")) {
    return Number(fraction[1]) / Number(fraction[2]);
  }
  return null;
}

/** The numbers of an array's text as the payload writes it ("[[1.0, 2.0]]", "2.848"); null when
 * the text summarises rather than lists them ("12 values in [...]"). */
export function readSummary(text: string): number[] | null {
  if (/values/.test(text)) return null;
  const tokens = text
    .replace(/[[\]()]/g, " ")
    .split(/[\s,]+/)
    .filter((t) => t !== "");
  const values = tokens.map(readNumber);
  return values.every((v): v is number => v !== null) ? values : null;
}

/** The learner's numbers, separated by commas or spaces (brackets allowed); or what is wrong. */
export function readTyped(text: string): number[] | { error: string } {
  const tokens = text
    .replace(/[[\]()]/g, " ")
    .split(/[\s,;]+/)
    .filter((t) => t !== "");
  const values: number[] = [];
  for (const token of tokens) {
    const v = readNumber(token);
    if (v === null) return { error: `"${token}" is not a number` };
    values.push(v);
  }
  return values;
}

const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/**
 * What to ask before backward step `step` (1 is the first): the gradient of an input it sends to,
 * once it has sent (a shared input's sum so far). A named input (a variable) before an unnamed
 * one; one of at most MAX_PREDICTED numbers. Null when the step sends no such gradient.
 */
export function targetOf(model: StepperModel, step: number): Target | null {
  const s = model.data.steps[step - 1];
  if (s === undefined) return null;
  const candidates: Target[] = [];
  for (const x of s.sends) {
    const node = model.byId.get(x.input);
    if (x.grad === null || node === undefined || size(node.shape) > MAX_PREDICTED) continue;
    if (candidates.some((c) => c.node === x.input)) continue;
    const got = model.receivedBy(x.input, step);
    const last = got[got.length - 1];
    const answer = last === undefined ? null : readSummary(last.total);
    const terms = got.map((r) => ({ value: readSummary(r.grad), from: r.from, step: r.step }));
    if (last === undefined || answer === null || answer.length !== size(node.shape)) continue;
    if (!terms.every((t): t is Term => t.value !== null)) continue;
    candidates.push({
      step,
      sender: s.node,
      node: x.input,
      shape: node.shape,
      answer,
      answerText: last.total,
      terms,
    });
  }
  return candidates.find((c) => model.named(c.node)) ?? candidates[0] ?? null;
}

/** Whether `got` is `want` within the tolerances (NaN matches NaN; infinities match exactly). */
export function close(got: number, want: number): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === want;
  return Math.abs(got - want) <= Math.max(RELATIVE_TOLERANCE * Math.abs(want), ABSOLUTE_TOLERANCE);
}

const allClose = (got: number[], want: number[]): boolean =>
  got.length === want.length && got.every((g, i) => close(g, want[i] ?? NaN));

/** A number briefly: at most 4 significant digits, no trailing zeros. */
function brief(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}

function ordinal(i: number): string {
  const n = i + 1;
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

/**
 * The one factor r with got = r * want (where want is 0, got is too); null when there is none,
 * or when it says nothing: any two single numbers have a ratio, so for one number only a whole
 * factor (2, -3) or its inverse (0.5) counts, as a missing or extra local derivative gives.
 */
function factor(got: number[], want: number[]): number | null {
  let r: number | null = null;
  let nonzero = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? NaN;
    const g = got[i] ?? NaN;
    if (!Number.isFinite(w) || !Number.isFinite(g)) return null;
    if (w === 0) {
      if (!close(g, 0)) return null;
      continue;
    }
    nonzero++;
    if (r === null) r = g / w;
    else if (!close(g / w, r)) return null;
  }
  if (r === null || nonzero >= 2 || close(r, 0)) return r;
  const whole = (v: number): boolean => Math.abs(v) >= 1.5 && close(v, Math.round(v));
  return whole(r) || whole(1 / r) ? r : null;
}

/** A factor as a learner thinks of it: 2, -3, 1/2, -1/3, or 1.286. */
function factorText(r: number): string {
  if (close(r, Math.round(r))) return String(Math.round(r));
  const inverse = Math.round(1 / r);
  if (close(1 / r, inverse)) return `${inverse < 0 ? "-" : ""}1/${Math.abs(inverse)}`;
  return brief(r);
}

/** The largest proper part of `terms` whose sum is `got`: the terms left out; null for none. */
function missingTerms(got: number[], terms: Term[]): Term[] | null {
  const n = Math.min(terms.length, 12);
  if (n < 2) return null;
  let best: number | null = null;
  let bestKept = 0;
  for (let mask = 1; mask < (1 << n) - 1; mask++) {
    let kept = 0;
    const sum = got.map(() => 0);
    for (let j = 0; j < n; j++) {
      if ((mask & (1 << j)) === 0) continue;
      kept++;
      terms[j]?.value.forEach((v, i) => (sum[i] = (sum[i] ?? 0) + v));
    }
    if (kept > bestKept && allClose(got, sum)) [best, bestKept] = [mask, kept];
  }
  if (best === null) return null;
  const mask = best;
  return terms.slice(0, n).filter((_, j) => (mask & (1 << j)) === 0);
}

/** What differs, element by element: which numbers are too large or too small. */
function whichDiffer(got: number[], want: number[]): string {
  if (want.length === 1) {
    const [g, w] = [got[0] ?? NaN, want[0] ?? NaN];
    if (Number.isNaN(g) || Number.isNaN(w)) return `${brief(g)} is not it.`;
    return `${brief(g)} is too ${g > w ? "large" : "small"}.`;
  }
  const wrong = want
    .map((w, i) => [i, got[i] ?? NaN, w] as const)
    .filter(([, g, w]) => !close(g, w));
  const what = wrong.map(([i, g, w]) =>
    Number.isNaN(g) || Number.isNaN(w)
      ? `the ${ordinal(i)} is not it`
      : `the ${ordinal(i)} is too ${g > w ? "large" : "small"}`,
  );
  const verb = wrong.length === 1 ? "differs" : "differ";
  return `${wrong.length} of ${want.length} numbers ${verb}: ${list(what)}.`;
}

/** The learner's prediction `typed` of `target`, judged: Correct, or Not yet and what differs. */
export function judge(model: StepperModel, target: Target, typed: string): Verdict {
  const partial = model.partial(target.node);
  const name = model.name(target.node);
  const of = model.data.of;
  const no = (text: string): Verdict => ({ correct: false, text: `Not yet: ${text}` });
  const read = readTyped(typed);
  const count = target.answer.length;
  if (!Array.isArray(read) || read.length === 0) {
    const why = Array.isArray(read) ? "nothing typed" : read.error;
    return {
      correct: false,
      text:
        `Type your prediction of ${partial} (${why}): ` +
        (count === 1 ? "a number." : `${count} numbers separated by commas or spaces.`),
    };
  }
  const got = read;
  if (got.length !== count) {
    return no(
      `${partial} has ${count} number${count === 1 ? "" : "s"} (shape ` +
        `${shapeText(target.shape)}); you typed ${got.length}.`,
    );
  }
  const want = target.answer;
  if (allClose(got, want)) {
    return {
      correct: true,
      text:
        `Correct: ${partial} = ${target.answerText} once step ${target.step} is done. ` +
        "Press Reveal to see the step.",
    };
  }
  const path = `on the path from ${of} down to ${name}`;
  if (
    want.some((w) => w !== 0) &&
    allClose(
      got.map((g) => -g),
      want,
    )
  ) {
    return no(`the sign is wrong. Check the sign of each factor ${path}.`);
  }
  const missing = missingTerms(got, target.terms);
  if (missing !== null) {
    const from = missing.map((t) => `${model.name(t.from)} (step ${t.step})`);
    const what =
      missing.length === 1
        ? `the contribution from ${from[0] ?? ""}`
        : `${missing.length} of its ${target.terms.length} contributions, from ${list(from)}`;
    return no(
      `a term is missing. ${name} is used more than once, so ${partial} adds up what every use ` +
        `sends: your prediction leaves out ${what}.`,
    );
  }
  const r = factor(got, want);
  if (r !== null && close(r, 0)) return no(`a gradient does reach ${name}: ${partial} is not 0.`);
  if (r !== null && !close(Math.abs(r), 1)) {
    const sign = r < 0 ? "the sign is wrong, and " : "";
    return no(
      `${sign}your prediction is ${partial} times ${factorText(r)}. Is a local derivative ` +
        `missing, or one too many, ${path}?`,
    );
  }
  return no(whichDiffer(got, want));
}
