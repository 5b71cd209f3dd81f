# Checks for lesson 6: unbroadcast against the rule on hidden shapes, and Add through
# ad.gradcheck on broadcasting pairs.
import numpy as np

from ad import Function
from lessoncheck import Failed, check, gradients, need, rng

SUM_BACK = ("did you sum the gradient back to the input's shape (unbroadcast)? An input used "
            "by several elements gets the sum of their gradients.")
SIZE_ONE = ("Leading axes are summed; also sum, with keepdims=True, over the axes where the "
            "input had size 1 but the result did not.")


def rule(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def cases(gen):
    n, m, k = (int(v) for v in gen.integers(2, 5, 3))
    return [((n, m), (m,)), ((n, m), (n, 1)), ((k, n, m), (n, 1)), ((k, 1, m), (n, 1)),
            ((n, m), ()), ((n, m), (1, m)), ((n, m), (n, m))]


@check("unbroadcast sums a gradient back to each input's shape (hidden shapes)")
def unbroadcast_rule(ns):
    unbroadcast = need(ns, "unbroadcast")
    gen = rng()
    leading_ok = False  # a case with only leading axes to sum passed (cases() puts it first)
    for a, b in cases(gen):
        out = np.broadcast_shapes(a, b)
        grad = gen.normal(size=out)
        for shape in (a, b):
            want = rule(grad, shape)
            got = np.asarray(unbroadcast(grad.copy(), shape))
            if got.shape == want.shape and np.allclose(got, want):
                leading_ok = leading_ok or (len(shape) < len(out) and 1 not in shape)
                continue
            said = f"unbroadcast(grad of shape {out}, {shape})"
            if got.shape == out and len(shape) == len(out) and leading_ok:
                raise Failed(f"Expected {said} to have shape {shape}; it kept {got.shape}.",
                             SIZE_ONE)
            if got.shape == out and out != shape:
                raise Failed(f"Expected {said} to have shape {shape}; it kept {got.shape}.",
                             SUM_BACK)
            if got.shape != shape:
                if got.size == int(np.prod(shape)) or got.ndim == len(shape):
                    raise Failed(f"Expected {said} to have shape {shape}; got {got.shape}.",
                                 SIZE_ONE)
                raise Failed(f"Expected {said} to have shape {shape}; got {got.shape}.",
                             SIZE_ONE if len(shape) == len(out) else SUM_BACK)
            count = int(np.prod(out)) // max(int(np.prod(shape)), 1)
            if np.allclose(got * count, want) or np.allclose(got, want / max(grad.shape[0], 1)):
                raise Failed(f"Expected {said} to sum; its values are smaller.",
                             "Did you average instead of sum? Every element the input fed "
                             "sends its whole gradient back.")
            raise Failed(f"Expected {said} = the sums of grad over the broadcast axes.",
                         SIZE_ONE)


@check("Add.backward with broadcasting shapes (gradcheck)")
def add_broadcast(ns):
    Add = need(ns, "Add", Function)
    gen = rng()
    for a, b in cases(gen):
        gradients(lambda x, y: Add()(x, y), gen.normal(size=a), gen.normal(size=b),
                  what="Add", names=["x", "y"], shape_hint=SUM_BACK,
                  error_hints=[("wrote a gradient of shape", SUM_BACK)])
