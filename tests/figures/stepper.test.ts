/**
 * The stepper's model, narration and predict mode, without a DOM: names the figure draws, sums
 * that build up at a shared node, what a step touches, and how a prediction is judged.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StepperModel, buildUp, sumText } from "../../web/src/figures/stepper/model";
import { describe as narrate } from "../../web/src/figures/stepper/narration";
import { judge, readSummary, readTyped, targetOf } from "../../web/src/figures/stepper/predict";
import { chain, edge, node, shared, step, stepper } from "./payloads";

const IDS = /\bn\d+\b/;

test("23.11: nodes are named as drawn: an unnamed op by its op, an unnamed output L", () => {
  const m = new StepperModel(chain(false));
  assert.deepEqual(
    ["n0", "n2", "n4", "n6"].map((id) => m.name(id)),
    ["a", "Mul", "Add", "L"],
  );
  assert.equal(m.title("n0"), "a: leaf");
  assert.equal(m.title("n2"), "Mul");
  assert.equal(m.title("n4"), "Add");
  assert.equal(m.title("n6"), "L: Mul");
  assert.equal(m.partial("n2"), "∂L/∂Mul");
  assert.equal(m.partial("n0"), "∂L/∂a");
  assert.equal(m.named("n0"), true);
  assert.equal(m.named("n2"), false);
});

test("23.11: the status never names an id the figure does not draw", () => {
  for (const data of [chain(false), chain(true), shared()]) {
    const m = new StepperModel(data);
    for (const mode of ["backward", "forward"] as const) {
      for (let k = 0; k <= m.total(mode); k++) {
        const text = narrate(m, mode, k);
        assert.doesNotMatch(text, IDS, `${mode} step ${k}: ${text}`);
      }
    }
  }
  const m = new StepperModel(chain(false));
  assert.equal(
    narrate(m, "backward", 1),
    "Step 1 of 3: L received ∂L/∂L = 1.0 and sends -2.0 to Add, so ∂L/∂Add = -2.0; " +
      "4.0 to f, so ∂L/∂f = 4.0",
  );
  assert.equal(narrate(m, "forward", 1), "Step 1 of 3: computed Mul = Mul(a, b) = -6.0");
});

test("23.11: names found where the values were made read in the status", () => {
  const m = new StepperModel(chain(true));
  assert.equal(
    narrate(m, "backward", 2),
    "Step 2 of 3: d received ∂L/∂d = -2.0 and sends -2.0 to e, so ∂L/∂e = -2.0; " +
      "-2.0 to c, so ∂L/∂c = -2.0",
  );
  assert.equal(narrate(m, "forward", 2), "Step 2 of 3: computed d = Add(e, c) = 4.0");
  assert.equal(
    narrate(m, "backward", 0),
    "Step 0 of 3: the backward pass starts at L with ∂L/∂L = 1.0. Press Next step.",
  );
});

test("23.12: the sum at a shared node builds up send by send", () => {
  const m = new StepperModel(shared());
  assert.equal(
    narrate(m, "backward", 1),
    "Step 1 of 2: u received ∂u/∂u = 1.0 and sends 1.0 to Mul, so ∂u/∂Mul = 1.0; " +
      "1.0 to t, so ∂u/∂t = 1.0",
  );
  assert.equal(
    narrate(m, "backward", 2),
    "Step 2 of 2: Mul received ∂u/∂Mul = 1.0 and sends 3.0 to t, so ∂u/∂t = 1.0 + 3.0 = 4.0; " +
      "3.0 to t, so ∂u/∂t = 4.0 + 3.0 = 7.0",
  );
  // The node's line: every term so far, as of that step.
  assert.equal(m.gradLine("n0", 0), "grad —");
  assert.equal(m.gradLine("n0", 1), "grad 1.0");
  assert.equal(m.gradLine("n0", 2), "grad 1.0 + 3.0 + 3.0 = 7.0");
  assert.equal(m.gradLine("n2", 0), "grad 1.0"); // the output holds the seed from the start
  assert.deepEqual(m.receivedBy("n0", 2).map(buildUp), [
    "1.0",
    "1.0 + 3.0 = 4.0",
    "4.0 + 3.0 = 7.0",
  ]);
});

test("a long sum is shortened, its last term and count kept", () => {
  const terms = [1, 2, 3, 4, 5].map((v, i) => ({
    step: i + 1,
    from: "n9",
    grad: `${v}.0`,
    before: null,
    total: `${(v * (v + 1)) / 2}.0`,
  }));
  assert.equal(sumText(terms.slice(0, 4)), "1.0 + 2.0 + 3.0 + 4.0 = 10.0");
  assert.equal(sumText(terms), "1.0 + 2.0 + … + 5.0 (5 terms) = 15.0");
  assert.equal(sumText([]), "—");
});

test("a step touches its inputs; edges carry their contribution once their step is done", () => {
  const m = new StepperModel(shared());
  assert.deepEqual([...m.touched("backward", 0, 1)].sort(), ["n0", "n1"]);
  assert.deepEqual([...m.touched("backward", 2, 1)], ["n0"]);
  assert.deepEqual([...m.touched("forward", 0, 2)].sort(), ["n1", "n2"]);
  assert.equal(m.activeNode("backward", 0), null);
  assert.equal(m.activeNode("backward", 2), "n1");
  assert.deepEqual(m.activeEdges("backward", 1), [2, 3]);
  assert.deepEqual(m.activeEdges("forward", 1), [0, 1]); // Mul reads t twice
  assert.equal(m.edgeLabel(0, 1), "");
  assert.equal(m.edgeLabel(0, 2), "3.0");
  assert.deepEqual(m.edgesBetween(0, 2).sort(), [0, 1, 2, 3]);
  assert.deepEqual(m.lines("n1", 0, "forward"), ["Mul", "() float64", "value —", "grad —"]);
  assert.deepEqual(m.lines("n1", 1, "forward")[2], "value 9.0");
  assert.deepEqual(m.lines("n0", 0, "forward")[2], "value 3.0"); // a leaf is given
  // A box is sized for the longest line it will show.
  assert.equal(m.widestLines("n0")[3], "grad 1.0 + 3.0 + 3.0 = 7.0");
});

test("no backward pass: the status says why", () => {
  const data = stepper([node("n0", "constant", "constant", "1.0")], [], [], { seed: null });
  assert.match(narrate(new StepperModel(data), "backward", 0), /no gradient flows here/);
  data.error = "BackwardError: Sq.backward wrote a gradient of shape (2,)";
  assert.match(narrate(new StepperModel(data), "backward", 0), /no backward pass \(Backward/);
});

test("23.14: what to predict: a named input's gradient once the step is done", () => {
  const m = new StepperModel(chain(true));
  const first = targetOf(m, 1);
  assert.equal(first?.node, "n4"); // d, the first input (f is named too)
  assert.deepEqual(first?.answer, [-2]);
  assert.equal(targetOf(m, 3)?.node, "n0");
  assert.equal(targetOf(m, 4), null);
  // Unnamed first input: the named one is asked for.
  const plain = new StepperModel(chain(false));
  assert.equal(targetOf(plain, 1)?.node, "n5");
  // At a shared node: the sum so far, every term with where it came from.
  const s = new StepperModel(shared());
  const t = targetOf(s, 2);
  assert.equal(t?.node, "n0");
  assert.deepEqual(t?.answer, [7]);
  assert.deepEqual(
    t?.terms.map((x) => [x.value, x.from, x.step]),
    [
      [[1], "n2", 1],
      [[3], "n1", 2],
      [[3], "n1", 2],
    ],
  );
});

test("23.14: a prediction is judged: Correct, or Not yet with what differs", () => {
  const m = new StepperModel(chain(true));
  const a = targetOf(m, 3);
  assert.ok(a !== null);
  const verdict = (typed: string) => judge(m, a, typed);
  assert.equal(verdict("6").correct, true);
  assert.match(verdict("6").text, /^Correct: ∂L\/∂a = 6\.0 once step 3 is done/);
  assert.equal(verdict("6.005").correct, true); // within 1e-3 relative
  assert.equal(verdict("6.01").correct, false);
  assert.match(verdict("-6").text, /^Not yet: the sign is wrong/);
  assert.match(verdict("3").text, /^Not yet: your prediction is ∂L\/∂a times 1\/2\. Is a local/);
  assert.match(
    verdict("-12").text,
    /^Not yet: the sign is wrong, and your prediction is ∂L\/∂a times -2\. /,
  );
  assert.match(
    verdict("-2").text,
    /^Not yet: the sign is wrong, and your prediction is ∂L\/∂a times -1\/3\. Is a local derivative missing, or one too many, on the path from L down to a\?$/,
  );
  assert.match(verdict("0").text, /^Not yet: a gradient does reach a: ∂L\/∂a is not 0/);
  assert.match(verdict("").text, /^Type your prediction of ∂L\/∂a \(nothing typed\): a number\./);
  assert.match(verdict("six").text, /"six" is not a number/);
  assert.match(verdict("6, 1").text, /^Not yet: ∂L\/∂a has 1 number \(shape \(\)\); you typed 2\./);
});

test("23.14: at a shared node a missing term is named", () => {
  const m = new StepperModel(shared());
  const t = targetOf(m, 2);
  assert.ok(t !== null);
  assert.equal(judge(m, t, "7.0").correct, true);
  assert.match(
    judge(m, t, "6").text,
    /^Not yet: a term is missing\. t is used more than once, so ∂u\/∂t adds up what every use sends: your prediction leaves out the contribution from u \(step 1\)\.$/,
  );
  assert.match(judge(m, t, "4").text, /leaves out the contribution from Mul \(step 2\)/);
  assert.match(
    judge(m, t, "3").text,
    /leaves out 2 of its 3 contributions, from u \(step 1\) and Mul \(step 2\)/,
  );
  assert.match(judge(m, t, "9").text, /^Not yet: 9 is too large\.$/);
});

test("23.14: small arrays are typed as numbers separated by commas or spaces", () => {
  const x = node("n0", "leaf", "x", "[1.0, 2.0, 3.0]", { shape: [3] });
  const data = stepper(
    [
      x,
      node("n1", "constant", "constant", "[2.0, 2.0, 2.0]", { shape: [3] }),
      node("n2", "Mul", "y", "[2.0, 4.0, 6.0]", { shape: [3] }),
    ],
    [edge("n0", "n2", 0), edge("n1", "n2", 1)],
    [
      step("n2", "[1.0, 1.0, 1.0]", [
        ["n0", 0, "[2.0, 2.0, 2.0]", "[2.0, 2.0, 2.0]"],
        ["n1", 1, null, null],
      ]),
    ],
  );
  const m = new StepperModel(data);
  const t = targetOf(m, 1);
  assert.ok(t !== null);
  assert.equal(judge(m, t, "2, 2, 2").correct, true);
  assert.equal(judge(m, t, "[2 2 2]").correct, true);
  assert.match(
    judge(m, t, "2 3 1").text,
    /^Not yet: 2 of 3 numbers differ: the 2nd is too large and the 3rd is too small\.$/,
  );
  assert.match(judge(m, t, "2 2").text, /has 3 numbers \(shape \(3,\)\); you typed 2/);
  // More than 6 numbers: nothing to predict at that step.
  const big = stepper(
    [node("n0", "leaf", "x", "7 values in [0, 6]", { shape: [7] }), node("n1", "Sum", "s", "21.0")],
    [edge("n0", "n1", 0)],
    [
      step("n1", "1.0", [
        ["n0", 0, "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]", "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]"],
      ]),
    ],
  );
  assert.equal(targetOf(new StepperModel(big), 1), null);
});

test("numbers are read as the figure and a learner write them", () => {
  assert.deepEqual(readSummary("[[1.0, -2.5], [3e-05, NaN]]"), [1, -2.5, 3e-5, NaN]);
  assert.deepEqual(readSummary("[inf, -inf]"), [Infinity, -Infinity]);
  assert.equal(readSummary("12 values in [0, 1]"), null);
  assert.deepEqual(readTyped(" 1, -2  3;4 "), [1, -2, 3, 4]);
  assert.deepEqual(readTyped("1/4 −2"), [0.25, -2]);
  assert.deepEqual(readTyped("(1.5e2)"), [150]);
  assert.deepEqual(readTyped("1 x"), { error: '"x" is not a number' });
});

test("23.11: a name several nodes share is numbered, so each node is named once", () => {
  const data = stepper(
    [
      node("n0", "leaf", "x", "1.0"),
      node("n1", "Mul", "h", "2.0"),
      node("n2", "Mul", "h", "4.0"),
      node("n3", "Sum", "out", "4.0"),
    ],
    [edge("n0", "n1", 0), edge("n1", "n2", 0), edge("n2", "n3", 0)],
    [],
  );
  const m = new StepperModel(data);
  assert.deepEqual(
    ["n1", "n2", "n3"].map((id) => m.title(id)),
    ["h 1: Mul", "h 2: Mul", "out: Sum"],
  );
  assert.equal(m.partial("n2"), "∂out/∂(h 2)");
});
