# Checks for lesson 7: a stable log_softmax and CrossEntropy's forward and backward, on hidden
# shapes, huge logits and ad.gradcheck.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

STABLE = ("np.exp of a large logit overflows: subtract each row's maximum before exp "
          "(log-sum-exp = m + log(sum(exp(z - m)))).")
AXIS = "Softmax is over the last axis (each row's classes): use axis=-1 with keepdims=True."


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
        got = np.asarray(log_softmax(z.copy()))
        if got.shape != z.shape or not np.allclose(got, reference(z)):
            raise Failed(f"Expected log_softmax(z) for z of shape {z.shape} to be "
                         "z - log(sum(exp(z))) over each row.", AXIS)


@check("log_softmax stays finite for logits of size 1000")
def log_softmax_stable(ns):
    log_softmax = need(ns, "log_softmax")
    gen = rng()
    z, _ = batch(gen)
    z = huge(z)
    got = np.asarray(log_softmax(z.copy()))
    if not np.all(np.isfinite(got)) or not np.allclose(got, reference(z)):
        raise Failed("Expected finite log-probabilities for logits around ±1000; got "
                     f"{int(np.sum(~np.isfinite(got)))} inf or NaN values.", STABLE)


@check("CrossEntropy.forward is the mean loss over the batch")
def loss_value(ns):
    CrossEntropy = need(ns, "CrossEntropy", Function)
    gen = rng()
    z, t = batch(gen)
    want = -reference(z)[np.arange(len(t)), t].mean()
    got = float(np.asarray(CrossEntropy(t)(ad.tensor(z)).data))
    if not np.isclose(got, want):
        hint = ("That is the sum over the batch: the loss is the mean (divide by N)."
                if np.isclose(got, want * len(t)) else
                "The loss is -log_softmax(logits)[row, target], averaged over the rows.")
        raise Failed(f"Expected the mean loss {want:.6g}; got {got:.6g}.", hint)


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
        likely = [
            (lambda w, z: [w * (softmax(z) - onehot)],
             "It is N times too large: did you divide by the batch size (the loss is a mean)?"),
            (lambda w, z: [w * softmax(z) / n],
             "did you subtract 1 at each row's target class? The gradient is "
             "(softmax - one_hot(targets)) / N."),
        ]
        gradients(lambda logits: CrossEntropy(t)(logits), z, what="CrossEntropy",
                  names=["logits"], likely=likely)


@check("CrossEntropy.backward stays finite for logits of size 1000")
def loss_grad_stable(ns):
    CrossEntropy = need(ns, "CrossEntropy", Function)
    gen = rng()
    z, t = batch(gen)
    logits = ad.tensor(huge(z))
    CrossEntropy(t)(logits).backward()
    if not np.all(np.isfinite(logits.grad)):
        raise Failed("Expected a finite gradient for logits around ±1000.", STABLE)
