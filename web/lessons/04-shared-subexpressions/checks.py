# Checks for lesson 4: topological order and a backward that visits each node once, on hidden
# graphs made of the checks' own nodes, which count how often the learner's code visits them.
import numpy as np

import ad
from lessoncheck import Failed, check, need, rng

ONCE = ("Visit each node once: the seed's recursion visits a node once per path (3**n paths "
        "for n steps of y*y + y). Walk the topological order backwards instead.")


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


def overwritten_grad(root, x):
    """What a walk that overwrites gradients (inp.grad = ...) computes: the mistake to name."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for inp, _ in node._inputs:
            visit(inp)
        order.append(node)

    visit(root)
    grads = {id(root): 1.0}
    for node in reversed(order):
        for inp, local in node._inputs:
            grads[id(inp)] = grads.get(id(node), 0.0) * local
    return grads.get(id(x), 0.0)


@check("topological_order: every node once, each after all its inputs, the root last")
def order(ns):
    topological_order = need(ns, "topological_order")
    gen = rng()
    a, b = CountingNode(gen.normal()), CountingNode(gen.normal())
    e = mul(a, b)
    root = mul(add(e, a), add(e, b))  # a diamond: e, a and b are shared
    got = run_limited(topological_order, root)
    if not isinstance(got, (list, tuple)):
        raise Failed(f"Expected a list of nodes; got {type(got).__name__}.",
                     "Return the list the walk builds.")
    ids = [id(n) for n in got]
    if len(ids) != len(set(ids)):
        raise Failed(f"Expected each of the {count(root)} nodes once; the list has "
                     f"{len(ids)} entries with repeats.",
                     "Did you keep a set of the nodes already visited? A shared node is reached "
                     "by several paths.")
    if len(ids) != count(root):
        raise Failed(f"Expected all {count(root)} nodes reachable from the root; got {len(ids)}.",
                     "Visit every input of every node, then the node itself.")
    position = {i: k for k, i in enumerate(ids)}
    for node in got:
        for inp, _ in node._inputs:
            if position[id(inp)] > position[id(node)]:
                raise Failed("Expected each node to come after all its inputs (the root last); "
                             "a node comes before one of its inputs.",
                             "Append a node after all its inputs have been visited "
                             "(post-order), not before.")


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
        if not np.isclose(x.grad, want, rtol=1e-6, atol=1e-9):
            wrong = overwritten_grad(root, x)
            hint = ("Did you overwrite a gradient instead of adding to it (inp.grad += ...)? "
                    "y is used three times; its gradient is the sum of what each use sends."
                    if np.isclose(x.grad, wrong) else
                    "Set every grad to 0, the root's to 1, then add node.grad * local into "
                    "each input, in reverse topological order.")
            raise Failed(f"Expected dy/dx = {want:.6g} after {steps} steps from x = {x0:.3g}; "
                         f"got {x.grad!r}.", hint)


@check("backward visits each node once (y = y*y + y, 40 steps: 3**40 paths)")
def linear(ns):
    backward = need(ns, "backward")
    x = CountingNode(0.1)
    root = chain(x, 40)
    run_limited(backward, root)
    if x.grad == 0.0:
        raise Failed("Expected backward to set x.grad; it is still 0.",
                     "Walk every node, in reverse topological order.")
