# Checks for lesson 8: the learner's training loop on hidden two-moons data.
import numpy as np

import ad
from lessoncheck import Failed, check, need, rng

ZERO = ("did you zero the gradients at each step? A leaf's .grad accumulates across backward "
        "calls, so without p.zero_grad() every step adds up all the gradients so far.")


def data(gen, n):
    t = gen.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.concatenate([upper, lower]) + gen.normal(scale=0.12, size=(2 * n, 2))
    return X, np.concatenate([np.zeros(n, int), np.ones(n, int)])


_trained = {}


def leaves(root):
    """The tensors a backward from root reaches that want a gradient and have no inputs."""
    found, seen, todo = [], set(), [root]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        inputs = getattr(t, "_inputs", ())
        if not inputs and t.requires_grad:
            found.append(t)
        todo.extend(inputs)
    return found


def trained(ns):
    """Train once per Check (the checks read the same run), counting the backward calls that
    found gradients left over from an earlier step."""
    train = need(ns, "train")
    if id(train) not in _trained:
        gen = rng()
        X, y = data(gen, 100)
        original = ad.Tensor.backward
        stale = [0, 0]  # backward calls with leftover gradients, all backward calls

        def watched(self, *args, **kwargs):
            stale[1] += 1
            if any(np.any(t.grad != 0) for t in leaves(self)):
                stale[0] += 1
            return original(self, *args, **kwargs)

        ad.Tensor.backward = watched
        try:
            out = train(X, y)
        finally:
            ad.Tensor.backward = original
        if not (isinstance(out, tuple) and len(out) == 2 and callable(out[0])):
            raise Failed("Expected train(X, y) to return (predict, losses).",
                         "Keep the starter's return line.")
        _trained.clear()
        _trained[id(train)] = (out[0], [float(v) for v in out[1]], gen, stale)
    return _trained[id(train)]


@check("the gradients are zeroed before each backward")
def zeroed(ns):
    *_, (stale, calls) = trained(ns)
    if calls == 0:
        raise Failed("Expected loss.backward() at each step; it was never called.",
                     "The parameters never change: did you call loss.backward()?")
    if stale > calls // 2:
        raise Failed(f"Expected every backward to start from zero gradients; {stale} of {calls} "
                     "found the gradients of earlier steps still there.", ZERO)


@check("the loss falls during training")
def loss_falls(ns):
    _, losses, _, _ = trained(ns)
    if len(losses) < 2:
        raise Failed("Expected one loss per step.", "Append float(loss.data) at each step.")
    first, last = losses[0], losses[-1]
    if not np.isfinite(last):
        raise Failed(f"Expected the loss to fall; it became {last}.", ZERO)
    if np.allclose(losses, first):
        raise Failed(f"Expected the loss to fall; it stayed at {first:.4f}.",
                     "The parameters never change: did you call loss.backward() after "
                     "zeroing the gradients and before the step?")
    if last > first:
        raise Failed(f"Expected the loss to fall; it rose from {first:.3f} to {last:.3f}.",
                     "Step against the gradient: p.data -= lr * p.grad (a sign error?).")
    if last > 0.5 * first:
        jumps = int(np.sum(np.diff(losses) > 0))
        raise Failed(f"Expected the loss to fall to half its start at least; it went from "
                     f"{first:.3f} to {last:.3f}.",
                     ZERO if jumps > len(losses) // 10 else
                     "Train for more steps, or with a larger learning rate.")


@check("the trained network classifies held-out points (at least 90% right)")
def accuracy(ns):
    predict, losses, gen, _ = trained(ns)
    X, y = data(gen, 100)
    got = np.asarray(predict(X)).reshape(-1)
    acc = float(np.mean(got == y))
    if acc < 0.9:
        rising = len(losses) > 1 and losses[-1] > losses[0]
        raise Failed(f"Expected at least 90% of held-out points right; got {acc:.0%}.",
                     "Step against the gradient: p.data -= lr * p.grad (a sign error?)."
                     if rising else ZERO)
