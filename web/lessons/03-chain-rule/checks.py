# Checks for lesson 3: the hand-made backward, turned into a Function, against gradcheck.
import numpy as np

import ad
from ad import Function, Variable
from lessoncheck import Failed, check, gradients, need, random_shape, rng

FROM_ABOVE = ("did you multiply by the gradient arriving from above? The chain rule multiplies "
              "the local derivative by dL/d(node above).")
OTHER = ("The local derivative of a product is the *other* factor: de/da = b, so dL/da is "
         "dL/de times the *other* factor.")


def by_hand_function(ns):
    forward = need(ns, "forward")
    backward_by_hand = need(ns, "backward_by_hand")

    class ByHand(Function):
        def forward(self, a, b, c, f):
            return Variable(np.asarray(forward(a.data, b.data, c.data, f.data), dtype=float))

        def backward(self, a, b, c, f, grad):
            got = backward_by_hand(a.data, b.data, c.data, f.data)
            if not isinstance(got, (tuple, list)) or len(got) != 4:
                raise Failed("Expected backward_by_hand to return four gradients "
                             "(dL/da, dL/db, dL/dc, dL/df).",
                             "Keep the starter's return line.")
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
        raise Failed("Expected forward(a, b, c, f) == (a*b + c) * f.",
                     "Keep forward as the starter code has it.")


@check("backward_by_hand matches finite differences (gradcheck, random shapes)")
def by_hand(ns):
    fn = by_hand_function(ns)
    gen = rng()

    candidates = [
        (lambda w, a, b, c, f: [w * b, w * a, w, None], FROM_ABOVE),
        (lambda w, a, b, c, f: [w * a * f, w * b * f, None, None], OTHER),
        (lambda w, a, b, c, f: [None, None, None, w * f],
         "dL/df is the value of d = a*b + c (L = d * f), not f."),
    ]
    for shape in [(), random_shape(gen, 1), random_shape(gen, 2)]:
        arrays = [gen.normal(size=shape) for _ in range(4)]
        gradients(lambda a, b, c, f: fn(a, b, c, f), *arrays, what="backward_by_hand",
                  names=["a", "b", "c", "f"], likely=candidates)


@check("at a = 2, b = -3, c = 10, f = -2 it agrees with the engine's L.backward()")
def agrees(ns):
    forward, backward_by_hand = need(ns, "forward"), need(ns, "backward_by_hand")
    leaves = [ad.tensor(v) for v in (2.0, -3.0, 10.0, -2.0)]
    forward(*leaves).backward()
    engine = [float(t.grad) for t in leaves]
    mine = [float(np.asarray(g)) for g in backward_by_hand(2.0, -3.0, 10.0, -2.0)]
    if not np.allclose(mine, engine):
        raise Failed(f"Expected (dL/da, dL/db, dL/dc, dL/df) = {tuple(engine)}; got "
                     f"{tuple(mine)}.", "Compare with the gradients in the graph figure.")
