# Checks for lesson 3: the hand-made backward, turned into a Function, against gradcheck.
import numpy as np

import ad
from ad import Function, Variable
from lessoncheck import Failed, check, gradients, need, random_shape, rng

FROM_ABOVE = [
    "This gradient is the local derivative alone: did you multiply by the gradient arriving "
    "from above? The chain rule multiplies the local derivative by dL/d(node above).",
    "Walk down from L one node at a time: each node's gradient is the gradient of the node "
    "above it times the local derivative between them (dL/da = dL/de times de/da)."]
OTHER = [
    "The local derivative of a product is the other factor: de/da = b, so dL/da is dL/de "
    "times the other factor, not times the input itself.",
    "For e = a * b: when a changes by a little, e changes by b times as much, and when b "
    "changes, by a times as much."]
UPSTREAM_OF_F = [
    "dL/df is the value of d = a*b + c (L = d * f), not f: which factor does f multiply?",
    "For L = d * f, the local derivative with respect to f is the other factor, d."]
NOTHING = [
    "backward_by_hand returns 0 for this gradient, yet this input changes L: which node is "
    "above it, and what is the local derivative between them?",
    "Each gradient is the gradient of the node above times a local derivative: dL/de and "
    "dL/dc from dL/dd (d = e + c), then dL/da and dL/db from dL/de (e = a * b)."]
ORDER = [
    "This is the right gradient of another input: which gradient belongs to which input?",
    "backward_by_hand returns them in the order of its inputs: dL/da, dL/db, dL/dc, dL/df."]
KEEP_FORWARD = ["forward no longer computes L = (a*b + c) * f: the task is the backward only.",
                "Keep forward as the starter code has it (Reset to starter brings it back; your "
                "code stays restorable)."]
NAMES = ("dL/da", "dL/db", "dL/dc", "dL/df")


def right(a, b, c, f):
    """dL/da, dL/db, dL/dc, dL/df."""
    return [b * f, a * f, f, a * b + c]


def four_gradients(ns, *arrays):
    """What backward_by_hand returns, checked to be four gradients."""
    got = need(ns, "backward_by_hand")(*arrays)
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        raise Failed("Expected backward_by_hand to return four gradients "
                     f"(dL/da, dL/db, dL/dc, dL/df); it returned {type(got).__name__}"
                     f"{f' of {len(got)}' if isinstance(got, (tuple, list)) else ''}.", [
                         "backward_by_hand returns the gradient of each of the four inputs, in "
                         "the order a, b, c, f.",
                         "Keep the starter's return line: it returns the four names, in that "
                         "order."])
    return got


def by_hand_function(ns):
    forward = need(ns, "forward")

    class ByHand(Function):
        def forward(self, a, b, c, f):
            return Variable(np.asarray(forward(a.data, b.data, c.data, f.data), dtype=float))

        def backward(self, a, b, c, f, grad):
            got = four_gradients(ns, a.data, b.data, c.data, f.data)
            for t, g in zip((a, b, c, f), got):
                t.grad += grad * np.asarray(g, dtype=float)

    return ByHand()


@check("forward computes L = (a*b + c) * f")
def value(ns):
    forward = need(ns, "forward")
    gen = rng()
    shape = random_shape(gen, 2)
    a, b, c, f = (gen.normal(size=shape) for _ in range(4))
    if not np.allclose(forward(a, b, c, f), (a * b + c) * f):
        raise Failed("Expected forward(a, b, c, f) == (a*b + c) * f.", KEEP_FORWARD)


@check("backward_by_hand matches finite differences (gradcheck, random shapes)")
def by_hand(ns):
    fn = by_hand_function(ns)
    gen = rng()
    four_gradients(ns, *(gen.normal(size=(2, 3)) for _ in range(4)))  # the shape of its answer

    candidates = [
        (lambda w, a, b, c, f: [0 * w] * 4, NOTHING),
        (lambda w, a, b, c, f: [w * b, w * a, w, None], FROM_ABOVE),
        (lambda w, a, b, c, f: [w * a * f, w * b * f, None, None], OTHER),
        (lambda w, a, b, c, f: [None, None, None, w * f], UPSTREAM_OF_F),
        # another input's right gradient (after UPSTREAM_OF_F: dL/dc is f too)
        *[(lambda w, a, b, c, f, j=j: [right(a, b, c, f)[j] * w] * 4, ORDER) for j in range(4)],
    ]
    for shape in [random_shape(gen, 2), random_shape(gen, 1), ()]:
        arrays = [gen.normal(size=shape) for _ in range(4)]
        gradients(lambda a, b, c, f: fn(a, b, c, f), *arrays, what="backward_by_hand",
                  names=["a", "b", "c", "f"], likely=candidates)


@check("at a = 2, b = -3, c = 10, f = -2 it agrees with the engine's L.backward()")
def agrees(ns):
    forward = need(ns, "forward")
    leaves = [ad.tensor(v) for v in (2.0, -3.0, 10.0, -2.0)]
    forward(*leaves).backward()
    engine = [float(t.grad) for t in leaves]
    mine = [float(np.asarray(g)) for g in four_gradients(ns, 2.0, -3.0, 10.0, -2.0)]
    if np.allclose(mine, engine):
        return
    expected = f"Expected (dL/da, dL/db, dL/dc, dL/df) = {tuple(engine)}; got {tuple(mine)}."
    if np.allclose(sorted(mine), sorted(engine)):
        raise Failed(expected, [
            "Your four gradients are the right values in another order: which gradient "
            "belongs to which input?",
            "backward_by_hand returns them in the order of its inputs: dL/da, dL/db, dL/dc, "
            "dL/df."])
    wrong = [n for n, m, e in zip(NAMES, mine, engine) if not np.isclose(m, e)]
    first = NAMES.index(wrong[0])
    listed = ", ".join(wrong[:-1]) + " and " + wrong[-1] if len(wrong) > 1 else wrong[0]
    raise Failed(expected, [
        f"{listed} differ{'s' if len(wrong) == 1 else ''} from the engine's: "
        f"{wrong[0]} is {mine[first]:g}, the engine's {engine[first]:g}. In the graph figure, "
        f"follow the path from L down to {wrong[0][-1]}: which local derivatives does it pass?",
        "Multiply the gradient arriving from above by each local derivative on that path: "
        "d = e + c passes its gradient on unchanged, e = a * b passes it on times the other "
        "factor, L = d * f times the other factor."])
