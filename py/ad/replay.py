"""Replay a backward pass as data: every node's gradient and each step of the walk, with no
`.grad` changed. For reading and teaching reverse mode (the playground's stepper draws it).

Node ids are `ad.graph()`'s: n0, n1, ... in topological order, inputs before the ops using them.
"""
from typing import NamedTuple

import numpy as np

from .backprop import backprop, seed as _seed
from .core import Tensor, walk
from .graph import array_text

__all__ = ["Replay", "Send", "Step", "replay"]


class Send(NamedTuple):
    """What one step sent along one edge, to the input at position `index` of the op."""

    input: str
    """The input's id."""
    index: int
    grad: "np.ndarray | None"
    """The contribution dL/d(node) * d(node)/d(input); None when nothing flows (a constant,
    or an input the op gives no gradient)."""
    total: "np.ndarray | None"
    """The input's gradient after this contribution was added (None while it has none)."""


class Step(NamedTuple):
    """One node of the walk: its complete gradient, and what its backward sent each input."""

    node: str
    op: str
    grad: np.ndarray
    """dL/d(node), every consumer's contribution summed: what its backward received."""
    sends: "tuple[Send, ...]"


class Replay:
    """What one `output.backward(grad)` computes, step by step; made by `ad.replay`.

    - `nodes`: the tensors of the graph; `nodes[i]` has the id f"n{i}", as in `ad.graph`.
    - `output`: the output's id; `seed`: the gradient the walk starts from (ones by default).
    - `steps`: one `Step` per node the walk visits, in the walk's order: the value computed
      last first (the output), each node after every node that uses it.
    - `grads`: id -> dL/d(node) of this one backward (None where none reaches: constants).
      A leaf's `.grad` may differ: it accumulates over backward calls until zeroed.
    - `forward`: the ids of the values ops computed, in an order the forward pass computed them
      (each after its inputs: the order of the ids); leaves are the given inputs.
    The arrays are read-only and may be shared between entries: copy one to change it.
    """

    def __init__(self, nodes, output, seed, grads, steps):
        self.nodes = nodes
        self._ids = {id(t): f"n{i}" for i, t in enumerate(nodes)}
        self.output = output
        self.seed = seed
        self.grads = grads
        self.steps = steps
        self.forward = [f"n{i}" for i, t in enumerate(nodes) if t._inputs]

    def id(self, t):
        """The id of tensor `t` in this graph ("n3"); KeyError if `t` is not in it."""
        try:
            return self._ids[id(t)]
        except KeyError:
            raise KeyError("that tensor is not in this graph: ad.replay(out) covers out and "
                           "what it was computed from") from None

    def grad(self, t):
        """dL/dt for a tensor of the graph, or None if no gradient reaches it."""
        return self.grads[self.id(t)]

    def format(self, labels=None, text=None):
        """The replay as text: each step with what it received and sent (running sums written
        out), then every node's value and gradient. `labels` maps ids to the names to show;
        `text(array)` writes an array (default: up to 8 values, rounded, as ad.graph does)."""
        labels = labels or {}
        text = text or array_text
        nodes = self.nodes

        def label(i):
            return labels.get(i) or nodes[int(i[1:])].name

        def name(i):
            t = nodes[int(i[1:])]
            op = type(t._fn).__name__ if t._fn is not None else (
                "leaf" if t.requires_grad else "constant")
            return f"{label(i)} ({i}, {op})" if label(i) else f"{i} ({op})"

        of = label(self.output) or "L"
        lines = [f"backward from {name(self.output)}, seed {text(self.seed)}: "
                 f"{len(self.steps)} steps"]
        terms = {}  # id -> the contributions received so far, as text
        for k, step in enumerate(self.steps, 1):
            lines.append(f"step {k} of {len(self.steps)}: {name(step.node)} received "
                         f"{text(step.grad)}")
            for s in step.sends:
                if s.grad is None:
                    lines.append(f"    to {name(s.input)}, input {s.index}: nothing "
                                 "(no gradient flows there)")
                    continue
                got = terms.setdefault(s.input, [])
                got.append(text(s.grad))
                sums = _sum_text(got)
                lines.append(f"    to {name(s.input)}, input {s.index}: {got[-1]}  ->  "
                             f"∂{of}/∂{label(s.input) or s.input} = {sums}{text(s.total)}")
        lines.append("gradients:")
        for i, t in enumerate(nodes):
            g = self.grads[f"n{i}"]
            lines.append(f"  {name(f'n{i}')}: value {text(t.data)}, grad "
                         f"{'—' if g is None else text(g)}")
        return "\n".join(lines)

    def __str__(self):
        return self.format()

    def __repr__(self):
        return (f"<ad.replay of {self.output}: {len(self.nodes)} nodes, "
                f"{len(self.steps)} steps>")


def _sum_text(terms):
    """How a running sum reads: "a + b + c = " (at most 4 terms written out), or "" for one."""
    if len(terms) < 2:
        return ""
    if len(terms) <= 4:
        return " + ".join(terms) + " = "
    return f"{terms[0]} + {terms[1]} + … + {terms[-1]} ({len(terms)} terms) = "


def _frozen(a):
    a = np.asarray(a).view()  # a 0-d op can give a numpy scalar: an array, to freeze
    a.flags.writeable = False
    return a


def replay(output, grad=None):
    """Run the backward walk of `output` as `output.backward(grad)` would, and return it as a
    `Replay`: every node's gradient and each step (the upstream gradient a node received, what
    its backward sent each input, each input's running total). Changes no `.grad`, whether or
    not backward() was called already; user Functions run their own backward, as in the walk.

    Costs what one backward costs, plus a record per edge: linear in the graph.

        r = ad.replay(loss)
        r.grad(w)                 # dL/dw of one backward
        for step in r.steps: ...  # step.node, step.op, step.grad, step.sends
        print(r)                  # the steps and every gradient, as text
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"replay() takes a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise ValueError("replay() of a tensor that does not require a gradient: it was "
                         "computed from constants only or under no_grad(), so no gradient "
                         "flows. Hint: make the inputs you want gradients for with "
                         "ad.tensor(...)")
    nodes = walk(output)
    ids = {t: f"n{i}" for i, t in enumerate(nodes)}
    seed = _frozen(_seed(output, grad, call="replay(output, grad)"))
    totals = {output: seed}  # tensor -> its gradient so far, as the walk adds them up
    steps = []

    def step(node, g, sent):  # the walk's own step, written down
        sends = []
        for k, inp in enumerate(node._inputs):
            gi = sent[k] if k < len(sent) else None
            if gi is None or not inp.requires_grad:
                sends.append(Send(ids[inp], k, None, totals.get(inp)))
                continue
            gi = _frozen(gi)
            old = totals.get(inp)
            totals[inp] = total = gi if old is None else _frozen(old + gi)  # the walk's sum
            sends.append(Send(ids[inp], k, gi, total))
        steps.append(Step(ids[node], type(node._fn).__name__, totals[node], tuple(sends)))

    backprop(output, seed, step=step)
    grads = {ids[t]: totals.get(t) for t in nodes}
    return Replay(nodes, ids[output], seed, grads, steps)
