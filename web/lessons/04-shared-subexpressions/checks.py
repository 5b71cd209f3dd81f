# Checks for lesson 4: topological order and a backward that visits each node once, on hidden
# graphs made of the checks' own nodes, which count how often the learner's code visits them.
import numpy as np

import ad
from lessoncheck import Failed, check, need, rng

ONCE = ["Visit each node once: a walk that follows every path, as the seed's recursion does, "
        "visits a shared node once per path (`3**n` paths for n steps of y*y + y). How can the "
        "walk reach each node only after all its uses?",
        "Compute the topological order once (each node after its inputs), then go through it "
        "backwards, passing each node's gradient to its inputs."]


class CountingNode:
    """A node like the lesson's, whose inputs count how often they are read."""

    budget = None  # reads allowed before the walk is stopped (None: no limit)
    reads = 0

    def __init__(self, value, inputs=()):
        self.value, self._inputs, self.grad = value, inputs, 0.0

    @property
    def inputs(self):
        CountingNode.reads += 1
        if CountingNode.budget is not None and CountingNode.reads > CountingNode.budget:
            CountingNode.budget = None
            raise Failed(f"Expected each node to be visited about once; your code had read "
                         f"nodes' inputs {CountingNode.reads - 1} times on a graph of "
                         f"{CountingNode.size} nodes when it was stopped.", ONCE)
        return self._inputs


def add(x, y):
    return CountingNode(x.value + y.value, ((x, 1.0), (y, 1.0)))


def mul(x, y):
    return CountingNode(x.value * y.value, ((x, y.value), (y, x.value)))


def chain(x, steps):
    y = x
    for _ in range(steps):
        y = add(mul(y, y), y)
    return y


def count(root):
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if id(node) not in seen:
            seen.add(id(node))
            todo.extend(inp for inp, _ in node._inputs)
    return len(seen)


def run_limited(fn, root, factor=20):
    CountingNode.reads, CountingNode.size = 0, count(root)
    CountingNode.budget = factor * CountingNode.size + 20
    try:
        return fn(root)
    finally:
        CountingNode.budget = None


def engine_grad(x0, steps):
    """d y_n / d x by the engine, for y_{k+1} = y_k * y_k + y_k (gradcheck-verified ops)."""
    x = ad.tensor(x0)
    y = x
    for _ in range(steps):
        y = y * y + y
    y.backward()
    return float(x.grad)


def walk(root, x, overwrite=False, reverse=True, local=True, seed=1.0):
    """d root / d x as a walk over the checks' own nodes computes it, right or with one of the
    known mistakes: an overwritten gradient, the order not reversed, the local derivative left
    out, the root's gradient not set."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for inp, _ in node._inputs:
            visit(inp)
        order.append(node)

    visit(root)
    grads = {id(node): 0.0 for node in order}
    grads[id(root)] = seed
    for node in (reversed(order) if reverse else order):
        for inp, d in node._inputs:
            share = grads[id(node)] * (d if local else 1.0)
            grads[id(inp)] = share if overwrite else grads[id(inp)] + share
    return grads[id(x)]


MISTAKES = [
    (dict(overwrite=True), [
        "dy/dx is what a walk gives that overwrites each input's gradient: y is used three times "
        "and only the last use counted. Did you overwrite a gradient instead of adding to it?",
        "Each use adds its share to what the input's gradient already holds: the gradient of y "
        "is the sum of what each of its uses sends."]),
    (dict(reverse=False), [
        "dy/dx is what a walk in topological order, inputs first, gives: a node passed its "
        "gradient on before its uses had sent theirs. In which order must the walk go?",
        "Go through the topological order backwards, from the root down: when a node is reached, "
        "every node that uses it has already added its share."]),
    (dict(local=False), [
        "dy/dx is what a walk gives that passes each node's gradient on unchanged: the chain rule "
        "multiplies it by the local derivative of each edge. Where does that derivative go?",
        "Each input receives the node's gradient times the local derivative stored with that "
        "input in node.inputs."]),
]
NOTHING = [
    "x.grad is still 0: the walk starts at the root, whose gradient with respect to itself is "
    "1. Is it set before the walk, and does each node pass its gradient to its inputs?",
    "Set every gradient to 0 and the root's to 1, then go through the topological order "
    "backwards, adding into each input its share."]


@check("topological_order: every node once, each after all its inputs, the root last")
def order(ns):
    topological_order = need(ns, "topological_order")
    gen = rng()
    a, b = CountingNode(gen.normal()), CountingNode(gen.normal())
    e = mul(a, b)
    root = mul(add(e, a), add(e, b))  # a diamond: e, a and b are shared
    got = run_limited(topological_order, root)
    if not isinstance(got, (list, tuple)):
        raise Failed(f"Expected a list of nodes; got {type(got).__name__}.", [
            f"topological_order returned {type(got).__name__}, not a list: does the list your "
            "walk builds come back?",
            "Build the list in the walk, then return it once the walk from the root is done."])
    ids = [id(n) for n in got]
    if len(ids) != len(set(ids)):
        raise Failed(f"Expected each of the {count(root)} nodes once; the list has "
                     f"{len(ids)} entries with repeats.", [
                         "A shared node is reached by several paths, and your list has it once "
                         "per path. Did you keep a set of the nodes already visited?",
                         "Before visiting a node, look it up in that set: if it is there, "
                         "return at once; if not, add it, then visit its inputs."])
    if len(ids) != count(root):
        raise Failed(f"Expected all {count(root)} nodes reachable from the root; got {len(ids)}.",
                     ["topological_order returned an empty list: where does your walk start, "
                      "and where does it go from each node?" if not ids else
                      f"The list has {len(ids)} of the {count(root)} nodes reachable from the "
                      "root: which does your walk never reach?",
                      "Start at the root; visit every input of every node (recursively, or "
                      "with a stack), and add each node to the list when it is done."])
    position = {i: k for k, i in enumerate(ids)}
    for node in got:
        for inp, _ in node._inputs:
            if position[id(inp)] > position[id(node)]:
                raise Failed("Expected each node to come after all its inputs (the root last); "
                             "a node comes before one of its inputs.", [
                                 "A node comes before one of its inputs: the list must have each "
                                 "node after all its inputs. When does your walk add a node: "
                                 "before visiting its inputs, or after?",
                                 "Append a node after all its inputs have been visited "
                                 "(post-order), not before."])


@check("backward on y = y*y + y (hidden depths) gives the engine's gradient")
def gradient(ns):
    backward = need(ns, "backward")
    gen = rng()
    for steps in (1, 3, int(gen.integers(4, 7))):
        x0 = float(gen.uniform(-0.9, 0.2))
        x = CountingNode(x0)
        root = chain(x, steps)
        run_limited(backward, root, factor=10_000)
        want = engine_grad(x0, steps)
        if np.isclose(x.grad, want, rtol=1e-6, atol=1e-9):
            continue
        expected = (f"Expected dy/dx = {want:.6g} after {steps} steps from x = {x0:.3g}; got "
                    f"{x.grad!r}.")
        for mistake, hint in MISTAKES:
            if np.isclose(x.grad, walk(root, x, **mistake), rtol=1e-6, atol=1e-9):
                raise Failed(expected, hint)
        if x.grad == 0.0:
            raise Failed(expected, NOTHING)
        raise Failed(expected, [
            f"dy/dx after {steps} steps is {x.grad!r}, the engine's {want:.6g}. Try one step "
            "by hand: for y = x*x + x, dy/dx = 2x + 1. What does your walk add up there?",
            "Set every gradient to 0 and the root's to 1, then go through the topological order "
            "backwards, adding into each input the node's gradient times the local derivative."])


@check("backward visits each node once (y = y*y + y, 40 steps: 3**40 paths)")
def linear(ns):
    backward = need(ns, "backward")
    x = CountingNode(0.1)
    root = chain(x, 40)
    run_limited(backward, root)
    if x.grad == 0.0:
        raise Failed("Expected backward to set x.grad; it is still 0.", [
            "x.grad is still 0 after backward on a graph of 40 steps: nothing reached x. If the "
            "check above fails too, its hint, from small graphs, says why.",
            "The walk starts at the root, with gradient 1, and goes through the topological "
            "order backwards, each node handing its gradient to its inputs."])
