# Checks for lesson 7: a stable log_softmax and CrossEntropy's forward and backward, on hidden
# shapes, huge logits and ad.gradcheck.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

STABLE = [
    "np.exp of a large logit overflows to inf: subtract each row's maximum before exp "
    "(log-sum-exp = m + log(sum(exp(z - m)))).",
    "With m each row's maximum (keepdims=True), every exponent z - m is at most 0, so exp stays "
    "between 0 and 1; use the shifted logits in both terms of log_softmax, and compute softmax "
    "in backward from it."]
AXIS = [
    "Your log_softmax normalises down the columns: softmax is over the last axis (each row's "
    "classes), so that each row's probabilities sum to 1.",
    "Reduce with axis=-1 and keepdims=True, so each row's maximum and sum broadcast back over "
    "that row."]
SHIFT = [
    "Each row of your log_softmax is off by the same amount, a constant per row: if you shift "
    "the logits by the row's maximum, is the shift in both terms?",
    "log_softmax(z - m) equals log_softmax(z) for any m per row: shift z once, then compute "
    "both terms from the shifted logits."]


FIX_FIRST = [
    "Your log_softmax is not right yet for ordinary logits (the first check): CrossEntropy is "
    "built on it, so fix log_softmax first, with that check's hint.",
    "Once log_softmax passes, this check tells whether CrossEntropy itself is right."]


def log_softmax_wrong(ns, gen):
    """Whether the learner's log_softmax is wrong for ordinary logits (or raises)."""
    log_softmax = ns.get("log_softmax")
    if not callable(log_softmax):
        return False
    z, _ = batch(gen)
    try:
        got = np.asarray(log_softmax(z.copy()), dtype=float)
    except Exception:  # noqa: BLE001 - the first check reports it
        return True
    return got.shape != z.shape or not np.allclose(got, reference(z))


def reference(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def batch(gen, scale=2.0):
    n, c = random_shape(gen, 2, low=2, high=6)
    return gen.normal(scale=scale, size=(n, c)), gen.integers(0, c, n)


def huge(z):
    """Logits around ±1000, one row's largest well past exp's overflow (about 709.8)."""
    z = z * 500
    z[0, 0] = 1000.0 + abs(z[0]).max()
    return z


@check("log_softmax matches log(softmax(z)) over the last axis (hidden shapes)")
def log_softmax_value(ns):
    log_softmax = need(ns, "log_softmax")
    gen = rng()
    for _ in range(3):
        z, _ = batch(gen)
        got = np.asarray(log_softmax(z.copy()), dtype=float)
        want = reference(z)
        if got.shape == z.shape and np.allclose(got, want):
            continue
        expected = (f"Expected log_softmax(z) for z of shape {z.shape} to be "
                    "z - log(sum(exp(z))) over each row.")
        if got.shape != z.shape:
            raise Failed(expected + f" It has shape {got.shape}.", [
                f"log_softmax returned shape {got.shape} for logits of shape {z.shape}: it "
                "gives one log-probability per logit, the same shape. Does a sum drop its axis?",
                "Reduce with keepdims=True, so each row's sum stays a column that broadcasts "
                "back over the row."])
        if np.allclose(got, reference(z.T).T):
            raise Failed(expected, AXIS)
        offset = got - want
        if np.allclose(offset, offset[:, :1]):
            raise Failed(expected, SHIFT)
        if np.allclose(got, np.exp(want)):
            raise Failed(expected, [
                "That is softmax itself, the probabilities: log_softmax is their log.",
                "log_softmax(z) = z - log(sum(exp(z))) over each row, which stays finite where "
                "the log of a tiny probability would not."])
        raise Failed(expected, [
            "Your log_softmax has the right shape, with other values: its rows do not give "
            "probabilities that sum to 1 after exp. Which term is missing or different?",
            "log_softmax(z) = z - log(sum(exp(z))), the sum over each row's classes."])


@check("log_softmax stays finite for logits of size 1000")
def log_softmax_stable(ns):
    log_softmax = need(ns, "log_softmax")
    gen = rng()
    z, _ = batch(gen)
    z = huge(z)
    got = np.asarray(log_softmax(z.copy()), dtype=float)
    if np.all(np.isfinite(got)) and np.allclose(got, reference(z)):
        return
    bad = int(np.sum(~np.isfinite(got)))
    expected = ("Expected finite log-probabilities for logits around ±1000; got "
                f"{bad} inf or NaN values." if bad else
                "Expected log-probabilities for logits around ±1000 to match log(softmax(z)); "
                "they are finite, with other values.")
    if bad:
        raise Failed(expected, STABLE)
    if log_softmax_wrong(ns, gen):
        raise Failed(expected, [
            "Your log_softmax is not right yet for ordinary logits either (the check above): "
            "fix that first, with its hint.",
            "Once it passes for ordinary logits, this check tells whether it also holds for "
            "logits around ±1000."])
    raise Failed(expected, [
        "Your log_softmax is right for ordinary logits and finite for logits around ±1000, "
        "but wrong there: does it clip, round or drop a term for large logits?",
        "Shift each row by its maximum, then compute both terms from the shifted logits, the "
        "same way for every size of logit."])


@check("CrossEntropy.forward is the mean loss over the batch")
def loss_value(ns):
    CrossEntropy = need(ns, "CrossEntropy", Function)
    gen = rng()
    z, t = batch(gen)
    want = -reference(z)[np.arange(len(t)), t].mean()
    got = float(np.asarray(CrossEntropy(t)(ad.tensor(z)).data))
    if np.isclose(got, want):
        return
    expected = f"Expected the mean loss {want:.6g}; got {got:.6g}."
    if log_softmax_wrong(ns, gen):
        raise Failed(expected, FIX_FIRST)
    if np.isclose(got, want * len(t)):
        raise Failed(expected, [
            f"That is the sum over the batch, {len(t)} times the mean: the loss is the mean "
            "(divide by N).",
            "Average the per-row losses -log_softmax(logits)[row, target] over the N rows."])
    raise Failed(expected, [
        "The loss is the mean over the rows of minus the log-probability of each row's target "
        "class: which part of yours differs?",
        "Keep forward as the starter has it: the log-probabilities of the targets, one per "
        "row, averaged and negated."])


@check("CrossEntropy.backward matches finite differences (gradcheck, hidden shapes)")
def loss_grad(ns):
    CrossEntropy = need(ns, "CrossEntropy", Function)
    gen = rng()

    def softmax(z):
        return np.exp(reference(z))

    for _ in range(2):
        z, t = batch(gen)
        onehot = np.eye(z.shape[1])[t]
        n = len(t)
        columns = np.zeros_like(z)
        columns[:, t] = 1  # what p[:, targets] -= 1 subtracts: every target of the batch
        likely = [
            (lambda w, z: [w * (softmax(z) - onehot)], [
                f"Every element is {n} times too large, and the batch has N = {n} rows: did "
                "you divide by the batch size (the loss is a mean)?",
                "The loss is the mean over N rows, so each row's gradient is divided by N."]),
            (lambda w, z: [w * softmax(z) / n], [
                "Your gradient is softmax alone: did you subtract 1 at each row's target class? "
                "The gradient is (softmax - one_hot(targets)) / N.",
                "d(-z_t)/dz_c is -1 at the target class and 0 elsewhere: each row loses 1 at "
                "its own target."]),
            (lambda w, z: [w * (softmax(z) - columns) / n], [
                "Your gradient subtracts 1 in every row at every target class of the batch: "
                "each row loses 1 only at its own target. How do you pick one element per row?",
                "Index with a row index and a column index of the same length, one pair per "
                "row: the rows 0 to N-1, each with its own target."]),
        ]
        try:
            gradients(lambda logits: CrossEntropy(t)(logits), z, what="CrossEntropy",
                      names=["logits"], likely=likely)
        except Failed as failure:
            if log_softmax_wrong(ns, gen):
                raise Failed(failure.expected, FIX_FIRST) from None
            raise


@check("CrossEntropy.backward stays finite for logits of size 1000")
def loss_grad_stable(ns):
    CrossEntropy = need(ns, "CrossEntropy", Function)
    gen = rng()
    z, t = batch(gen)
    logits = ad.tensor(huge(z))
    CrossEntropy(t)(logits).backward()
    if not np.all(np.isfinite(logits.grad)):
        raise Failed("Expected a finite gradient for logits around ±1000.", STABLE)
