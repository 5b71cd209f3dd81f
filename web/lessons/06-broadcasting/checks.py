# Checks for lesson 6: unbroadcast against the rule on hidden shapes, and Add through
# ad.gradcheck on broadcasting pairs. A wrong unbroadcast is compared with what the known
# wrong rules give on the same gradient, so the hint names the mistake the evidence shows.
import numpy as np

from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

SUM_BACK = [
    "did you sum the gradient back to the input's shape (unbroadcast)? An input used by "
    "several elements of the result gets the sum of their gradients.",
    "grad has the result's broadcast shape; each input's share must have that input's own "
    "shape: pass it through unbroadcast with the input's shape before adding it."]
SIZE_ONE = [
    "The leading axes are summed, but an axis where the input had size 1 and the result did "
    "not is kept whole. Where the input had size 1, its one value fed the whole axis: what "
    "does it get back?",
    "After the leading axes, go through the input's shape: wherever it has size 1 and grad "
    "does not, sum grad over that axis, with keepdims=True so the axis stays, as size 1."]
KEEPDIMS = [
    "The sums are right, but an axis where the input had size 1 was summed away instead of "
    "kept: the gradient must keep the input's shape, size-1 axes included. What keeps an "
    "axis through a sum?",
    "Sum over an axis where the input had size 1 with keepdims=True, so it stays, as size 1."]
MEAN = [
    "Did you average instead of sum? Every element the input fed sends its whole gradient "
    "back, and they add up.",
    "Use a sum wherever you used a mean: an input used N times gets N gradients, added, not "
    "their average."]
LEADING = [
    "It summed the last axes away, but numpy adds the missing axes at the front: shapes are "
    "lined up from the right. Which axes does broadcasting add?",
    "While grad has more axes than the input, sum over axis 0, the leading one, not the last."]
FIX_FIRST = [
    "Add.backward passes each share through your unbroadcast, which does not pass its own "
    "check yet: fix unbroadcast first, with the hint of the check above.",
    "Once unbroadcast passes alone, this check tells whether Add uses it for both inputs."]


def rule(grad, shape, leading="sum", ones="sum", keepdims=True, from_end=False):
    """unbroadcast, right (the defaults) or with one of the known mistakes."""
    while leading and grad.ndim > len(shape):
        axis = -1 if from_end else 0
        grad = grad.sum(axis=axis) if leading == "sum" else grad.mean(axis=axis)
    for axis, size in enumerate(shape):
        if ones and axis < grad.ndim and size == 1 and grad.shape[axis] != 1:
            reduce = grad.sum if ones == "sum" else grad.mean
            grad = reduce(axis=axis, keepdims=keepdims)
    return grad


UNCHANGED = [
    "unbroadcast gives grad back unchanged, in the result's broadcast shape: an input used by "
    "several elements of the result gets the sum of their gradients. Which axes must it sum?",
    "Sum over the leading axes grad has and the input lacks; then, keeping the axis "
    "(keepdims=True), over each axis where the input had size 1 and grad does not."]

WRONG = [
    (dict(leading=None, ones=None), UNCHANGED),
    (dict(ones=None), SIZE_ONE),
    (dict(keepdims=False), KEEPDIMS),
    (dict(from_end=True), LEADING),
    (dict(leading="mean"), MEAN),
    (dict(ones="mean"), MEAN),
    (dict(leading="mean", ones="mean"), MEAN),
]


def cases(gen):
    n, m, k = random_shape(gen, 3)  # distinct sizes: no mistake hides behind equal ones
    return [((n, m), (m,)), ((n, m), (n, 1)), ((k, n, m), (n, 1)), ((k, 1, m), (n, 1)),
            ((n, m), ()), ((n, m), (1, m)), ((n, m), (n, m))]


def same(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b))


def attempts(unbroadcast, gen):
    """(grad, shape, what unbroadcast returned) for both inputs of every case."""
    found = []
    for a, b in cases(gen):
        grad = gen.normal(size=np.broadcast_shapes(a, b))
        for shape in (a, b):
            found.append((grad, shape, np.asarray(unbroadcast(grad.copy(), shape))))
    return found


def first_wrong(found):
    return next(((grad, shape, got) for grad, shape, got in found
                 if not same(got, rule(grad, shape))), None)


@check("unbroadcast sums a gradient back to each input's shape (hidden shapes)")
def unbroadcast_rule(ns):
    found = attempts(need(ns, "unbroadcast"), rng())
    wrong = first_wrong(found)
    if wrong is None:
        return
    grad, shape, got = wrong
    want = rule(grad, shape)
    expected = (f"Expected unbroadcast(grad of shape {grad.shape}, {shape}) to be the sums of "
                f"grad over the broadcast axes, of shape {shape}; got shape {got.shape}"
                + (", with other values." if got.shape == want.shape else "."))
    # the evidence: a known wrong rule that gives what the learner's gives, in every case
    for mistake, hint in WRONG:
        if all(same(mine, rule(g, s, **mistake)) for g, s, mine in found):
            raise Failed(expected, hint)
    if got.shape != want.shape:
        raise Failed(expected, [
            f"unbroadcast returned shape {got.shape} for an input of shape {shape}: a gradient "
            "must have its input's shape. Which axes of grad did that input not have, or have "
            "as size 1?",
            "First sum over the leading axes grad has and the input lacks; then, keeping the "
            "axis (keepdims=True), over each axis where the input had size 1."])
    raise Failed(expected, [
        f"unbroadcast returned the right shape, {shape}, with other values than the sums of "
        "grad over the broadcast axes. Does it sum every axis it must, each once?",
        "Print grad and your result for a small case, say grad of shape (2, 3) and the shape "
        "(3,): the answer is the sum of the two rows."])


@check("Add.backward with broadcasting shapes (gradcheck)")
def add_broadcast(ns):
    Add = need(ns, "Add", Function)
    gen = rng()
    for a, b in cases(gen):
        try:
            gradients(lambda x, y: Add()(x, y), gen.normal(size=a), gen.normal(size=b),
                      what="Add", names=["x", "y"], shape_hint=SUM_BACK,
                      error_hints=[("wrote a gradient of shape", SUM_BACK),
                                   ("broadcast", SUM_BACK)])
        except Failed as failure:
            unbroadcast = ns.get("unbroadcast")
            if callable(unbroadcast) and first_wrong(attempts(unbroadcast, rng())):
                raise Failed(failure.expected, FIX_FIRST) from None
            raise
