# Checks for lesson 2: Add and Mul's backward, on random shapes, with ad.gradcheck.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

OTHER = ["This gradient is grad times its own input. For z = x * y, how much does z change when "
         "x does? Each input's gradient is grad times the other input.",
         "dz/dx = y and dz/dy = x: x's share is grad times y's data, y's share grad times x's."]
UPSTREAM = ["The gradient lacks the factor grad: it is the local derivative alone. By the chain "
            "rule, did you multiply by grad (grad * dz/dx)?",
            "grad is how the final result changes with z; each input's share is grad times how "
            "z changes with that input."]
KEEP_FORWARD = ["forward no longer computes what the Function is named for: the task is "
                "backward only.",
                "Keep forward as the starter code has it (Reset to starter brings it back; your "
                "code stays restorable)."]


def shapes():
    gen = rng()
    # the larger shapes first: a wrong gradient shows more of its pattern there than in ()
    return gen, [random_shape(gen, 2), random_shape(gen, 3), random_shape(gen, 1), ()]


@check("Add.forward adds; Mul.forward multiplies")
def forwards(ns):
    Add, Mul = need(ns, "Add", Function), need(ns, "Mul", Function)
    gen, all_shapes = shapes()
    for shape in all_shapes:
        a, b = gen.normal(size=shape), gen.normal(size=shape)
        if not np.allclose(Add()(ad.tensor(a), ad.tensor(b)).data, a + b):
            raise Failed(f"Expected Add()(x, y) == x + y for shape {shape}.", KEEP_FORWARD)
        if not np.allclose(Mul()(ad.tensor(a), ad.tensor(b)).data, a * b):
            raise Failed(f"Expected Mul()(x, y) == x * y for shape {shape}.", KEEP_FORWARD)


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
        (lambda w, x, y: [y, x], UPSTREAM),
    ]
    for shape in all_shapes:
        gradients(lambda x, y: Mul()(x, y), gen.normal(size=shape), gen.normal(size=shape),
                  what="Mul", names=["x", "y"], likely=likely)


@check("x * x + x: a value used twice gets the sum of both gradients (2x + 1)")
def reuse(ns):
    Add, Mul = need(ns, "Add", Function), need(ns, "Mul", Function)
    gen = rng()
    x = gen.normal(size=random_shape(gen, 2))
    for fn in (Add, Mul):
        if not ad.gradcheck(lambda u, v: fn()(u, v), x, gen.normal(size=x.shape)):
            raise Failed(f"Expected x * x + x to get the gradient 2x + 1; it builds on "
                         f"{fn.__name__}, whose backward does not pass yet.", [
                             f"This check combines your Add and Mul: fix {fn.__name__}.backward "
                             "first, with the hint of its own check above.",
                             "Once Add and Mul pass alone, this check tells whether a value used "
                             "twice gets the sum of both gradients."])
    gradients(lambda t: Add()(Mul()(t, t), t), x, what="x * x + x", names=["x"])


@check("Add and Mul add into .grad, never replace it: one input fed to both, as in x + x")
def accumulate(ns):
    # NOTE: called directly, as the seed's walk calls it, on one Variable for both inputs: the
    # engine would hand each input a fresh gradient of its own and hide a replaced .grad.
    Add, Mul = need(ns, "Add", Function), need(ns, "Mul", Function)
    gen = rng()
    a = gen.normal(size=random_shape(gen, 2))
    upstream = gen.uniform(0.5, 1.5, a.shape)
    for fn, said in [(Add, "x + x"), (Mul, "x * x")]:
        # the shares this backward gives two inputs of its own, and one input fed to both
        x1, x2, x = ad.tensor(a.copy()), ad.tensor(a.copy()), ad.tensor(a.copy())
        with ad.no_grad():
            fn().backward(x1, x2, upstream.copy())
            fn().backward(x, x, upstream.copy())
        first, second, got = (np.asarray(getattr(t.grad, "data", t.grad), dtype=float)
                              for t in (x1, x2, x))
        if close(got, first + second):
            continue
        expected = (f"Expected {fn.__name__}.backward(x, x, grad), the backward of {said}, to "
                    "leave in x.grad the sum of the two shares it gives two separate inputs.")
        if close(got, second) or close(got, first):
            raise Failed(expected, [
                f"One tensor fed to both inputs of {fn.__name__} ({said}) kept only one of its "
                "two shares. Each use adds its share to what .grad already holds: did you "
                "replace .grad instead of adding to it?",
                "In the seed, every use of a value writes into that value's one .grad: assign "
                "with = and the last share wipes out the others; add with += and they sum."])
        raise Failed(expected, [
            f"One tensor fed to both inputs of {fn.__name__} ({said}) got neither the sum of "
            "its two shares nor one of them: what does your backward do with the .grad it is "
            "given, besides adding to it?",
            "Each input's share goes into its .grad by adding to what is there, whatever was "
            "there before; backward changes nothing else."])


def close(a, b):
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b))
