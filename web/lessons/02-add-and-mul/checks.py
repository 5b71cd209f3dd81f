# Checks for lesson 2: Add and Mul's backward, on random shapes, with ad.gradcheck.
import numpy as np

from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

OTHER = "Each input's gradient is grad times the *other* input (dz/dx = y, dz/dy = x)."
UPSTREAM = "did you multiply by grad (the chain rule: grad * dz/dx)?"


def shapes():
    gen = rng()
    return gen, [(), random_shape(gen, 1), random_shape(gen, 2), random_shape(gen, 3)]


@check("Add.forward adds; Mul.forward multiplies")
def forwards(ns):
    Add, Mul = need(ns, "Add", Function), need(ns, "Mul", Function)
    gen, all_shapes = shapes()
    import ad

    for shape in all_shapes:
        a, b = gen.normal(size=shape), gen.normal(size=shape)
        if not np.allclose(Add()(ad.tensor(a), ad.tensor(b)).data, a + b):
            raise Failed(f"Expected Add()(x, y) == x + y for shape {shape}.",
                         "Keep forward as the starter code has it.")
        if not np.allclose(Mul()(ad.tensor(a), ad.tensor(b)).data, a * b):
            raise Failed(f"Expected Mul()(x, y) == x * y for shape {shape}.",
                         "Keep forward as the starter code has it.")


@check("Add.backward: both inputs get grad (gradcheck on random shapes)")
def add_backward(ns):
    Add = need(ns, "Add", Function)
    gen, all_shapes = shapes()
    for shape in all_shapes:
        gradients(lambda x, y: Add()(x, y), gen.normal(size=shape), gen.normal(size=shape),
                  what="Add", names=["x", "y"])


@check("Mul.backward: each input gets grad times the other (gradcheck on random shapes)")
def mul_backward(ns):
    Mul = need(ns, "Mul", Function)
    gen, all_shapes = shapes()
    likely = [
        (lambda w, x, y: [w * x, w * y], OTHER),
        (lambda w, x, y: [y, x], "Each gradient lacks the factor grad: " + UPSTREAM),
    ]
    for shape in all_shapes:
        gradients(lambda x, y: Mul()(x, y), gen.normal(size=shape), gen.normal(size=shape),
                  what="Mul", names=["x", "y"], likely=likely)


@check("x * x + x: a value used twice gets the sum of both gradients (2x + 1)")
def reuse(ns):
    Add, Mul = need(ns, "Add", Function), need(ns, "Mul", Function)
    gen = rng()
    x = gen.normal(size=random_shape(gen, 2))
    gradients(lambda t: Add()(Mul()(t, t), t), x, what="x * x + x", names=["x"])
