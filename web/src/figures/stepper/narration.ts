/**
 * The stepper's status line: what step k of the backward (or forward) pass does, in numbers.
 * A node is named as the figure draws it, and a shared node's sum builds up send by send:
 * "1.0", then "1.0 + 3.0 = 4.0", then "4.0 + 3.0 = 7.0". Pure (tests/figures/).
 */
import { summary } from "../format";
import { buildUp } from "./model";
import type { Mode, StepperModel } from "./model";

function forwardStep(model: StepperModel, k: number): string {
  const n = model.total("forward");
  if (k === 0) {
    return (
      `Step 0 of ${n}: the inputs are given; ${n} values to compute, each after its ` +
      "inputs. Press Next step."
    );
  }
  const id = model.data.forward[k - 1] ?? "";
  const node = model.byId.get(id);
  const args = model.inputs(id).map((i) => model.name(model.source(i)));
  return (
    `Step ${k} of ${n}: computed ${model.name(id)} = ${node?.op ?? "?"}(${args.join(", ")}) = ` +
    summary(node?.value)
  );
}

function backwardStep(model: StepperModel, k: number): string {
  const { data } = model;
  const n = data.steps.length;
  const output = data.graph.output;
  if (n === 0) {
    return data.error !== null
      ? `Step 0 of 0: no backward pass (${data.error})`
      : "Step 0 of 0: no gradient flows here (constants only, or computed under no_grad()).";
  }
  if (k === 0) {
    return (
      `Step 0 of ${n}: the backward pass starts at ${model.name(output)} with ` +
      `${model.partial(output)} = ${summary(data.seed)}. Press Next step.`
    );
  }
  const step = data.steps[k - 1];
  if (step === undefined) return "";
  // What each input has received by the end of this step; this step's sends are its last ones.
  const arrived = new Map<string, number>();
  const sends = step.sends.map((x) => {
    const who = model.name(x.input);
    if (x.grad === null) return `nothing to ${who} (no gradient flows there)`;
    const all = model.receivedBy(x.input, k);
    const mine = all.filter((r) => r.step === k);
    const j = arrived.get(x.input) ?? 0;
    arrived.set(x.input, j + 1);
    const r = mine[j];
    const sum = r === undefined ? summary(x.total) : buildUp(r);
    return `${x.grad.text} to ${who}, so ${model.partial(x.input)} = ${sum}`;
  });
  return (
    `Step ${k} of ${n}: ${model.name(step.node)} received ${model.partial(step.node)}` +
    ` = ${step.grad.text} and sends ${sends.join("; ")}`
  );
}

/** The status line once `k` steps of `mode` are done. */
export function describe(model: StepperModel, mode: Mode, k: number): string {
  return mode === "forward" ? forwardStep(model, k) : backwardStep(model, k);
}
