# Checks for lesson 8: the learner's training loop on hidden two-moons data. The loop is
# watched through backward: how often it finds the gradients of an earlier step still there,
# and whether the parameters it reaches ever move.
import numpy as np

import ad
from lessoncheck import Failed, check, need, rng

ZERO = ["Did you zero the gradients at each step? A leaf's .grad accumulates across backward "
        "calls, so without zeroing, every step adds up all the gradients so far.",
        "Before each backward, zero every parameter's gradient (a tensor's zero_grad() does "
        "it), so that backward leaves in .grad the gradient of this step's loss alone."]
NO_BACKWARD = ["The parameters never change: backward never ran, so no gradient reached them. "
               "Did you call backward on the loss at each step?",
               "Each step: zero the gradients, backward from the loss, then move each parameter "
               "against its gradient."]


def uphill(first, last):
    return [f"The loss rose from {first:.3f} to {last:.3f}: the steps go uphill. Step against "
            "the gradient: which way does a gradient point?",
            "A gradient points where the loss grows fastest: subtract the learning rate times "
            "the gradient from each parameter's data."]


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


class Watch:
    """What backward saw during training: calls, calls that found gradients left over from an
    earlier step, and the parameters it reached (with their values at the first call)."""

    def __init__(self):
        self.calls = self.stale = 0
        self.params, self.start = [], []

    def saw(self, root):
        self.calls += 1
        params = leaves(root)
        if any(np.any(t.grad != 0) for t in params):
            self.stale += 1
        if not self.params:
            self.params, self.start = params, [np.array(t.data) for t in params]

    @property
    def moved(self):
        return any(not np.array_equal(t.data, s) for t, s in zip(self.params, self.start))

    @property
    def gradients_left(self):
        return any(np.any(t.grad != 0) for t in self.params)


def trained(ns):
    """Train once per Check (the checks read the same run), watching backward."""
    train = need(ns, "train")
    if id(train) not in _trained:
        gen = rng()
        X, y = data(gen, 100)
        original = ad.Tensor.backward
        watch = Watch()

        def watched(self, *args, **kwargs):
            watch.saw(self)
            return original(self, *args, **kwargs)

        ad.Tensor.backward = watched
        try:
            out = train(X, y)
        finally:
            ad.Tensor.backward = original
        if not (isinstance(out, tuple) and len(out) == 2 and callable(out[0])):
            raise Failed("Expected train(X, y) to return (predict, losses).", [
                "train must return two things: a function that predicts classes, and the list "
                "of losses, one per step.",
                "Keep the starter's return line."])
        _trained.clear()
        _trained[id(train)] = (out[0], [float(v) for v in out[1]], gen, watch)
    return _trained[id(train)]


def still(watch, first):
    """A ladder for a loss that never changed, from what backward saw."""
    if watch.gradients_left and not watch.moved:
        return [f"The loss stayed at {first:.4f}: backward left gradients in the parameters, but "
                "the parameters never moved. Does your step change each parameter's own data, "
                "in place? Giving a loop variable a new value changes nothing outside the loop.",
                "Update the data of each tensor in params itself, with an in-place subtraction "
                "of the learning rate times its gradient."]
    if not watch.moved:
        return [f"The loss stayed at {first:.4f}: backward ran, but the gradients were zero when "
                "the parameters should have moved. Are they zeroed between backward and the "
                "step, or is the step missing?",
                "The order of a step: zero the gradients, backward from the loss, then move "
                "each parameter against its gradient."]
    return [f"The loss stayed at {first:.4f} although the parameters moved: is the loss you "
            "record computed afresh at each step, from the current parameters?",
            "Compute the loss inside the loop, before backward, and record its value there."]


@check("the gradients are zeroed before each backward")
def zeroed(ns):
    *_, watch = trained(ns)
    if watch.calls == 0:
        raise Failed("Expected backward on the loss at each step; it was never called.",
                     NO_BACKWARD)
    if watch.stale > watch.calls // 2:
        raise Failed(f"Expected every backward to start from zero gradients; {watch.stale} of "
                     f"{watch.calls} found the gradients of earlier steps still there.", ZERO)


@check("the loss falls during training")
def loss_falls(ns):
    _, losses, _, watch = trained(ns)
    if len(losses) < 2:
        raise Failed(f"Expected one loss per step; got {len(losses)}.", [
            f"train returned {len(losses)} losses: it should record the loss at every step. "
            "Does the loop append one each time round?",
            "Keep the starter's line that appends the loss's value at the end of each step."])
    first, last = losses[0], losses[-1]
    stale = watch.stale > watch.calls // 2
    if not np.isfinite(last):
        raise Failed(f"Expected the loss to fall; it became {last}.", ZERO if stale else [
            f"The loss grew without bound, to {last}: each step overshoots more than the last. "
            "Is the step too large, or does it go the wrong way?",
            "Subtract the learning rate times the gradient; if the loss still blows up, use a "
            "smaller learning rate."])
    if np.allclose(losses, first):
        raise Failed(f"Expected the loss to fall; it stayed at {first:.4f}.",
                     NO_BACKWARD if watch.calls == 0 else still(watch, first))
    if last > first:
        raise Failed(f"Expected the loss to fall; it rose from {first:.3f} to {last:.3f}.",
                     ZERO if stale else uphill(first, last))
    if last > 0.5 * first:
        jumps = int(np.sum(np.diff(losses) > 0))
        raise Failed(f"Expected the loss to fall to half its start at least; it went from "
                     f"{first:.3f} to {last:.3f}.",
                     ZERO if stale or jumps > len(losses) // 10 else [
                         "The loss falls, but slowly: the steps are too small or too few. Which "
                         "knob sets how far each step goes?",
                         "Train for more steps, or with a larger learning rate."])


@check("the trained network classifies held-out points (at least 90% right)")
def accuracy(ns):
    predict, losses, gen, watch = trained(ns)
    X, y = data(gen, 100)
    got = np.asarray(predict(X)).reshape(-1)
    acc = float(np.mean(got == y))
    if acc >= 0.9:
        return
    expected = f"Expected at least 90% of held-out points right; got {acc:.0%}."
    if watch.calls == 0:
        raise Failed(expected, NO_BACKWARD)
    if watch.stale > watch.calls // 2:
        raise Failed(expected, ZERO)
    if len(losses) > 1 and losses[-1] > losses[0]:
        raise Failed(expected, uphill(losses[0], losses[-1]))
    if len(losses) > 1 and np.allclose(losses, losses[0]):
        raise Failed(expected, still(watch, losses[0]))
    raise Failed(expected, [
        "The loss fell, but not far enough for the network to separate the moons: are the "
        "steps too small or too few?",
        "Train for more steps, or with a larger learning rate, and watch the loss figure."])
