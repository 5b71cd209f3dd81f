/**
 * Stepper payloads written out by hand, as web/python/playground.py sends them: a node's `label`
 * is its variable's name, or its op's name when nothing names it.
 */
import type {
  BackwardStep,
  GraphEdge,
  StepperData,
  StepperNode,
} from "../../web/src/figures/payload";

const text = (t: string) => ({ text: t });

export function node(
  id: string,
  op: string,
  label: string,
  value: string,
  more: Partial<StepperNode> = {},
): StepperNode {
  const leaf = op === "leaf" || op === "constant";
  return {
    id,
    op,
    label,
    name: null,
    shape: [],
    dtype: "float64",
    value: text(value),
    grad: null,
    is_leaf: leaf,
    is_output: false,
    requires_grad: op !== "constant",
    backward_line: null,
    details: null,
    ...more,
  };
}

export const edge = (source: string, target: string, index: number): GraphEdge => ({
  source,
  target,
  index,
});

/** A step: `node` received `grad` and sent each [input, index, grad, total] (null: nothing). */
export function step(
  nodeId: string,
  grad: string,
  sends: Array<[string, number, string | null, string | null]>,
): BackwardStep {
  return {
    node: nodeId,
    grad: text(grad),
    sends: sends.map(([input, index, g, total]) => ({
      input,
      index,
      grad: g === null ? null : text(g),
      total: total === null ? null : text(total),
    })),
  };
}

export function stepper(
  nodes: StepperNode[],
  edges: GraphEdge[],
  steps: BackwardStep[],
  more: Partial<StepperData> = {},
): StepperData {
  const output = nodes[nodes.length - 1]?.id ?? "";
  for (const n of nodes) n.is_output = n.id === output;
  return {
    title: null,
    start: "start",
    predict: false,
    graph: { nodes, edges, output },
    of: nodes[nodes.length - 1]?.label ?? "L",
    error: null,
    seed: text("1.0"),
    forward: nodes.filter((n) => !n.is_leaf).map((n) => n.id),
    steps,
    ...more,
  };
}

/** u = t*t + t at t = 3: t is shared (three uses). */
export function shared(): StepperData {
  return stepper(
    [
      node("n0", "leaf", "t", "3.0"),
      node("n1", "Mul", "Mul", "9.0"),
      node("n2", "Add", "u", "12.0"),
    ],
    [edge("n0", "n1", 0), edge("n0", "n1", 1), edge("n1", "n2", 0), edge("n0", "n2", 1)],
    [
      step("n2", "1.0", [
        ["n1", 0, "1.0", "1.0"],
        ["n0", 1, "1.0", "1.0"],
      ]),
      step("n1", "1.0", [
        ["n0", 0, "3.0", "4.0"],
        ["n0", 1, "3.0", "7.0"],
      ]),
    ],
  );
}

/** Lesson 3: L = (a*b + c) * f at a = 2, b = -3, c = 10, f = -2, e and d named where made. */
export function chain(names = true): StepperData {
  return stepper(
    [
      node("n0", "leaf", "a", "2.0"),
      node("n1", "leaf", "b", "-3.0"),
      node("n2", "Mul", names ? "e" : "Mul", "-6.0"),
      node("n3", "leaf", "c", "10.0"),
      node("n4", "Add", names ? "d" : "Add", "4.0"),
      node("n5", "leaf", "f", "-2.0"),
      node("n6", "Mul", names ? "L" : "Mul", "-8.0"),
    ],
    [
      edge("n0", "n2", 0),
      edge("n1", "n2", 1),
      edge("n2", "n4", 0),
      edge("n3", "n4", 1),
      edge("n4", "n6", 0),
      edge("n5", "n6", 1),
    ],
    [
      step("n6", "1.0", [
        ["n4", 0, "-2.0", "-2.0"],
        ["n5", 1, "4.0", "4.0"],
      ]),
      step("n4", "-2.0", [
        ["n2", 0, "-2.0", "-2.0"],
        ["n3", 1, "-2.0", "-2.0"],
      ]),
      step("n2", "-2.0", [
        ["n0", 0, "6.0", "6.0"],
        ["n1", 1, "-4.0", "-4.0"],
      ]),
    ],
    names ? {} : { of: "L" },
  );
}
