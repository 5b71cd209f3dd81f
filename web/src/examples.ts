/** The example snippets offered by the Examples picker: real Python files, imported as text. */
import broadcasting from "../examples/broadcasting.py";
import cnnDigits from "../examples/cnn_digits.py";
import customFunction from "../examples/custom_function.py";
import dotProduct from "../examples/dot_product.py";
import gradientPenalty from "../examples/gradient_penalty.py";
import graph from "../examples/graph.py";
import jacobianCost from "../examples/jacobian_cost.py";
import seedRecursion from "../examples/seed_recursion.py";
import twoMoons from "../examples/two_moons.py";

export interface Example {
  /** Stable identifier, also usable in tests and automation. */
  id: string;
  title: string;
  code: string;
}

export const EXAMPLES: readonly Example[] = [
  { id: "dot-product", title: "The seed's dot product (and what it gets wrong)", code: dotProduct },
  { id: "custom-function", title: "Your own Function: sigmoid + gradcheck", code: customFunction },
  { id: "broadcasting", title: "Broadcasting and its gradients", code: broadcasting },
  { id: "two-moons", title: "Train an MLP on two moons", code: twoMoons },
  { id: "graph", title: "The graph of a small expression", code: graph },
  {
    id: "seed-recursion",
    title: "The seed's recursive backward: 3^d visits on y = y*y + y",
    code: seedRecursion,
  },
  {
    id: "gradient-penalty",
    title: "Gradients of gradients: a gradient penalty trains",
    code: gradientPenalty,
  },
  {
    id: "jacobian-cost",
    title: "A Jacobian by forward and by reverse mode: the cost",
    code: jacobianCost,
  },
  { id: "cnn-digits", title: "A small CNN reads 8×8 digits (Conv2d, save/load)", code: cnnDigits },
];

/** What a first-time visitor sees. */
export const DEFAULT_CODE = dotProduct;

export function findExample(id: string): Example | undefined {
  return EXAMPLES.find((example) => example.id === id);
}
