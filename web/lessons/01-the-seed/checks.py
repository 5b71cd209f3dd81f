# Checks for lesson 1: f is differentiable on any shape, and answer is read from x.grad once.
import numpy as np

from lessoncheck import Failed, check, gradients, need, random_shape, rng


@check("f(x) computes x*x + 3*x on tensors of any shape")
def value(ns):
    import ad

    f = need(ns, "f")
    gen = rng()
    for shape in [(), random_shape(gen, 1), random_shape(gen, 2)]:
        x = gen.normal(size=shape)
        got = f(ad.tensor(x))
        if not isinstance(got, ad.Tensor):
            raise Failed(f"Expected f to return a Tensor, got {type(got).__name__}.",
                         "Build f from the tensor operators (x * x + 3 * x), not from numpy.")
        if not np.allclose(got.data, x * x + 3 * x):
            raise Failed(f"Expected f(x) = x*x + 3*x for x of shape {shape}.",
                         "Keep f as the starter code has it.")


@check("the engine's gradient of f matches finite differences (ad.gradcheck)")
def grads(ns):
    f = need(ns, "f")
    gen = rng()
    for shape in [(), random_shape(gen, 2)]:
        gradients(f, gen.normal(size=shape), what="f", names=["x"])


@check("answer is dy/dx at x = 2, read from x.grad")
def answer(ns):
    a = need(ns, "answer")
    if a is None:
        raise Failed("Expected answer to be a number, dy/dx at x = 2; it is None.",
                     "Call y.backward(), then set answer = float(x.grad).")
    try:
        a = float(np.asarray(getattr(a, "data", a)))
    except (TypeError, ValueError):
        raise Failed(f"Expected answer to be a number; got {type(a).__name__}.",
                     "Set answer = float(x.grad).") from None
    if np.isclose(a, 7.0):
        return
    hints = {
        0.0: "x.grad is still 0: did you call y.backward() before reading x.grad?",
        14.0: "That is twice the gradient: did you call backward twice? x.grad accumulates.",
        10.0: "That is y's value, f(2) = 10, not its gradient: read x.grad, not y.data.",
        2.0: "That is x's value: read x.grad, not x.data.",
    }
    hint = next((h for v, h in hints.items() if np.isclose(a, v)), "Read it from x.grad.")
    raise Failed(f"Expected answer = 7.0 (2x + 3 at x = 2); got {a:g}.", hint)


@check("x.grad holds the gradient of one backward call")
def once(ns):
    x, y = need(ns, "x"), need(ns, "y")
    g = np.asarray(getattr(x, "grad", None), dtype=float)
    if not np.isclose(g, 7.0):
        raise Failed(f"Expected x.grad == 7.0 after one backward; it is {g}.",
                     "Did you call backward twice? x.grad accumulates: call it once."
                     if np.isclose(g, 14.0) else
                     "Did you call y.backward() before reading x.grad?")
    del y
