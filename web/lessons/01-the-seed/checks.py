# Checks for lesson 1: f is differentiable on any shape, and answer is read from x.grad once.
import warnings

import numpy as np

from lessoncheck import Failed, check, gradients, need, random_shape, rng

TWICE = ["That is twice the gradient: did you call backward twice? x.grad accumulates: each "
         "backward adds its gradient to what is already there.",
         "Call backward on y exactly once; to run it again (say, in a loop), zero x.grad first."]
NOT_CALLED = ["x.grad is still 0: did you call backward on y before reading x.grad?",
              "The engine fills x.grad only when backward runs on a result computed from x; "
              "until then it holds 0. Call it on y, once, and only then read x.grad."]


def number(value):
    """A Tensor's, an array's or a number's value as a float, or None if it is none of them."""
    import ad

    try:
        return float(np.asarray(value.data if isinstance(value, ad.Tensor) else value))
    except (TypeError, ValueError):
        return None


@check("f(x) computes x*x + 3*x on tensors of any shape")
def value(ns):
    import ad

    f = need(ns, "f")
    gen = rng()
    for shape in [(), random_shape(gen, 1), random_shape(gen, 2)]:
        x = gen.normal(size=shape)
        got = f(ad.tensor(x))
        if not isinstance(got, ad.Tensor):
            raise Failed(f"Expected f to return a Tensor, got {type(got).__name__}.", [
                f"f returned a {type(got).__name__}, which remembers nothing of how it was "
                "computed. Build f from the tensor operators, not from numpy on .data: only "
                "what the engine's operators compute can be differentiated.",
                "Keep f as the starter has it: with x a Tensor, each operator in x * x + 3 * x "
                "returns a Tensor that records its inputs."])
        if not np.allclose(got.data, x * x + 3 * x):
            raise Failed(f"Expected f(x) = x*x + 3*x for x of shape {shape}.", [
                "f no longer computes x*x + 3*x: the task keeps f as it is and reads its "
                "gradient.",
                "Keep f as the starter code has it (Reset to starter brings it back; your code "
                "stays restorable)."])


@check("the engine's gradient of f matches finite differences (ad.gradcheck)")
def grads(ns):
    f = need(ns, "f")
    gen = rng()
    for shape in [(), random_shape(gen, 2)]:
        gradients(f, gen.normal(size=shape), what="f", names=["x"])


@check("answer is dy/dx at x = 2, read from x.grad")
def answer(ns):
    a = need(ns, "answer")
    x, y = ns.get("x"), ns.get("y")
    x_grad = number(getattr(x, "grad", None))
    with warnings.catch_warnings():  # y's gradient, read as the learner may have: no warning
        warnings.simplefilter("ignore")
        y_grad = getattr(y, "grad", None)
    if a is None and x_grad is not None and np.isclose(x_grad, 7.0):
        # NOTE: the engine gives None (and a warning) for .grad of a result like y: only
        # leaves keep their gradient after backward.
        raise Failed("Expected answer to be a number, dy/dx at x = 2; it is None.", [
            "answer is None, yet backward did run (x.grad holds a number now): did you read the "
            ".grad of y itself? y is not a leaf, so its gradient is not kept: y.grad reads None. "
            "Which tensor's .grad holds the derivative of y with respect to x?",
            "backward(), called on y, leaves the derivative of y with respect to each leaf in "
            "that leaf's .grad: the leaf here is x."])
    if a is None:
        raise Failed("Expected answer to be a number, dy/dx at x = 2; it is None.", [
            "answer is still None: set it to the number the engine computed for dy/dx, read "
            "from a gradient, not typed in.",
            "Once backward has run on y, x.grad holds dy/dx at x = 2: answer must be that value, "
            "as a number (float of a one-element array is one)."])
    value = number(a)
    if value is None:
        raise Failed(f"Expected answer to be a number; got {type(a).__name__}.", [
            f"answer is a {type(a).__name__}, not a number: where did it come from?",
            "x.grad is an array with one element: float of it is the number wanted."])
    if np.isclose(value, 7.0):
        return
    expected = f"Expected answer = 7.0 (2x + 3 at x = 2); got {value:g}."
    backward_ran = x_grad is not None and not np.isclose(x_grad, 0.0)
    if y_grad is not None and a is y_grad:
        raise Failed(expected, [
            f"answer is y.grad, the gradient kept on y itself (it reads {value:g}), not dy/dx. "
            "backward did run: x.grad is no longer 0. Which tensor's .grad holds the derivative "
            "of y with respect to x?",
            "backward(), called on y, leaves the derivative of y with respect to each leaf in "
            "that leaf's .grad: the leaf here is x."])
    if np.isclose(value, 0.0) and not backward_ran:
        raise Failed(expected, NOT_CALLED)
    if np.isclose(value, 0.0):
        raise Failed(expected, [
            f"answer is 0, yet backward did run: x.grad is {x_grad:g} now. Did you read a "
            "gradient before backward ran, or the gradient of y (which reads 0) instead of x's?",
            "Read x.grad after calling backward on y: the derivative is there only from then "
            "on."])
    if np.isclose(value, 14.0):
        raise Failed(expected, TWICE)
    if np.isclose(value, 10.0):
        raise Failed(expected, [
            "That is y's value, f(2) = 10, not its gradient: read x.grad, not y.data.",
            "The value of y is in y.data; how y changes with x is in x.grad, after backward."])
    if np.isclose(value, 2.0):
        raise Failed(expected, [
            "That is x's value: read x.grad, not x.data.",
            "x.data holds x = 2; x.grad holds dy/dx, once backward has run on y."])
    raise Failed(expected, [
        f"answer is {value:g}, but dy/dx = 2x + 3 is 7 at x = 2: where did your number come "
        "from? It must be read from the engine's gradient, not worked out or typed in.",
        "After backward on y, the engine has put dy/dx into x.grad: answer is that value."])


@check("x.grad holds the gradient of one backward call")
def once(ns):
    x = need(ns, "x")
    y = need(ns, "y")
    g = number(getattr(x, "grad", None))
    if g is None or not np.isclose(g, 7.0):
        expected = f"Expected x.grad == 7.0 after one backward; it is {g}."
        if g is not None and np.isclose(g, 14.0):
            raise Failed(expected, TWICE)
        if getattr(y, "is_leaf", False):
            raise Failed(expected, [
                "y is a leaf: the engine did not compute it from x (its value was made into a "
                "new tensor), so backward on y cannot reach x. Is y = f(x), with f built from "
                "the tensor operators?",
                "Keep y = f(x) as the starter has it, with f computing on the Tensor x itself, "
                "not on numpy arrays."])
        if g is None or np.isclose(g, 0.0):
            raise Failed(expected, NOT_CALLED)
        raise Failed(expected, [
            f"x.grad is {g:g}, not 7: is x still the tensor that y = f(x) was computed from, "
            "at x = 2?",
            "Keep x = tensor(2.0) and y = f(x) as the starter has them, and call backward on y "
            "once."])
