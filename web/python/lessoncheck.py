"""lessoncheck: how a lesson's checks.py checks a learner's code, in the page and in CPython.

A lesson's checks are functions marked `@check("what it checks")`, in order; each gets the
namespace the learner's code left and either returns (passed) or raises `Failed(expected,
hint)`. `evaluate` runs them all and reports each as {name, passed, message, hint}; a check that
raises anything else fails with that error. The page's worker runs the learner's code first (its
output goes to the Output pane), then `evaluate`; `check_code` does both for CPython (tests,
`build.py check`).
"""

import contextlib
import io
import sys
import traceback
import warnings

import numpy as np

__all__ = ["Failed", "check", "check_code", "evaluate", "gradients", "need", "random_shape",
           "rng", "close"]

_collected = None  # the checks of the checks.py being loaded, in order


class Failed(Exception):
    """A check failed: `expected` says what was expected (and what came instead); `hint` points
    at the likely mistake, as one text or as a ladder of them: first a nudge at the reasoning
    (never the line to type), then more specific ones, each revealed by the page's More help.
    After the last one the page offers the lesson's solution. Hints are plain text; `code` in
    backticks is shown as code."""

    def __init__(self, expected, hint=None):
        super().__init__(expected)
        self.expected = expected
        self.hints = _ladder(hint)

    @property
    def hint(self):
        return self.hints[0] if self.hints else None


def _ladder(hint):
    """A hint as the list of its steps: None is no step, a text one step."""
    if hint is None:
        return []
    if isinstance(hint, str):
        return [hint]
    return [str(h) for h in hint if h]


def _result(name, passed, message="", hint=None):
    """One check's outcome as the page shows it: `hint` the first step, `hints` all of them."""
    hints = _ladder(hint)
    return {"name": name, "passed": passed, "message": message,
            "hint": hints[0] if hints else None, "hints": hints}


class _TooManySteps(Exception):
    """Raised by a check's own instrumentation to stop code that would run for ever."""


def check(name):
    """Mark a function of checks.py as one check, shown to the learner as `name`."""
    def mark(fn):
        if _collected is not None:
            _collected.append((name, fn))
        return fn
    return mark


def rng():
    """A fresh, unseeded generator: hidden cases differ from one Check to the next."""
    return np.random.default_rng()


def random_shape(gen, ndim, low=2, high=5, distinct=True):
    """A random shape of `ndim` axes; with `distinct`, no two axes the same size (so a swapped
    operand or a missing transpose cannot hide behind equal sizes)."""
    if not distinct:
        return tuple(int(n) for n in gen.integers(low, high + 1, ndim))
    sizes = gen.permutation(np.arange(low, max(high, low + ndim - 1) + 1))[:ndim]
    return tuple(int(n) for n in sizes)


def need(ns, name, kind=None, hint=None):
    """The learner's `name`, or a failure saying it is missing (or is not a `kind`)."""
    if name not in ns:
        raise Failed(f"Expected your code to define `{name}`.",
                     hint or f"Keep the name `{name}` from the starter code.")
    value = ns[name]
    if kind is not None and not (isinstance(value, type) and issubclass(value, kind)):
        raise Failed(f"Expected `{name}` to be a subclass of {kind.__name__}, "
                     f"got {type(value).__name__}.",
                     hint or f"Define it as `class {name}({kind.__name__}):`.")
    return value


def close(a, b, rtol=1e-6, atol=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _shape_text(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _grads(f, arrays, weight):
    """Analytic gradients of sum(weight * f(*arrays)) through the engine, and central
    differences in float64: one (analytic, numeric) pair per input."""
    import ad

    leaves = [ad.tensor(np.array(a, dtype=np.float64)) for a in arrays]
    out = f(*leaves)
    out.backward(weight)
    pairs = []
    for leaf in leaves:
        analytic = np.array(leaf.grad, dtype=np.float64)
        numeric = np.zeros(leaf.data.shape)
        flat, nflat = leaf.data.reshape(-1), numeric.reshape(-1)
        with ad.no_grad():
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + 1e-6
                up = float(np.sum(weight * f(*leaves).data))
                flat[j] = orig - 1e-6
                down = float(np.sum(weight * f(*leaves).data))
                flat[j] = orig
                nflat[j] = (up - down) / 2e-6
        pairs.append((analytic, numeric))
    return pairs


def gradients(f, *arrays, what, names=None, shape_hint=None, likely=(), error_hints=()):
    """Check the gradients of `f(*tensors)` at `arrays` with ad.gradcheck; on a mismatch, fail
    with what was expected and a hint at the likely mistake.

    `likely`: pairs (wrong(weight, *arrays) -> per-input gradients, hint) of known mistakes,
    tried before the generic ones (twice the gradient, the wrong sign, nothing added).
    `error_hints`: pairs (text, hint): when backward raised an error whose message holds the
    text, that hint (before `shape_hint`, for an error about a gradient's shape)."""
    import ad

    names = names or [f"input {i}" for i in range(len(arrays))]
    shapes = ", ".join(f"{n} {_shape_text(np.shape(a))}" for n, a in zip(names, arrays))
    report = ad.gradcheck(f, *[ad.tensor(np.array(a, dtype=np.float64)) for a in arrays])
    if report.passed:
        return
    if report.error is not None:
        error = report.error.split("\n")[0]
        hint = next((h for text, h in error_hints if text in report.error), None)
        if hint is None and "shape" in report.error:
            hint = shape_hint or ("A gradient must have its input's shape: did you swap the "
                                  "operands?")
        raise Failed(f"Expected {what} to run backward with inputs {shapes}; it raised "
                     f"{error}",
                     hint or "Read the error: it names the line of your backward that failed.")
    weight = np.random.default_rng(1).uniform(0.5, 1.5, np.shape(f(*[
        ad.constant(np.array(a, dtype=np.float64)) for a in arrays]).data))
    pairs = _grads(f, arrays, weight)
    bad = [i for i, (a, n) in enumerate(pairs) if not np.allclose(a, n, rtol=1e-3, atol=1e-5)]
    if not bad:  # gradcheck saw a mismatch our own differences do not: report it as it is
        raise Failed(f"Expected {what}'s gradients to match finite differences; "
                     f"gradcheck says:\n{report}", None)
    i = bad[0]
    analytic, numeric = pairs[i]
    hint = None
    for wrong, text in likely:
        try:
            candidates = wrong(weight, *arrays)
        except Exception:  # noqa: BLE001 - a candidate that does not apply is no candidate
            continue
        if candidates[i] is not None and close(analytic, np.broadcast_to(
                candidates[i], analytic.shape), rtol=1e-4, atol=1e-6):
            hint = text
            break
    if hint is None:
        if close(analytic, 2 * numeric, rtol=1e-3, atol=1e-5):
            hint = "It is twice the right gradient: did you add the gradient twice?"
        elif close(analytic, -numeric, rtol=1e-3, atol=1e-5):
            hint = "It has the wrong sign: check the sign of each term (a sign error)."
        elif close(analytic, 0 * numeric) and not close(numeric, 0 * numeric):
            hint = ("Nothing reached this input: did you forget to add into its .grad "
                    "(x.grad += ...)?")
        else:
            hint = "Work the derivative out by hand for one element and compare."
    err = float(np.max(np.abs(analytic - numeric)))
    raise Failed(f"Expected the gradient of {names[i]} in {what} (inputs {shapes}) to match "
                 f"finite differences; it is off by up to {err:.3g}.", hint)


def load_checks(source, filename="checks.py"):
    """The (name, function) checks of a checks.py, in order."""
    global _collected
    _collected = []
    try:
        module = {"__name__": "lesson_checks"}
        exec(compile(source, filename, "exec"), module)
        return list(_collected)
    finally:
        _collected = None


def _describe_error(error):
    name = type(error).__name__
    text = str(error).split("\n")[0]
    return f"{name}: {text}" if text else name


def evaluate(checks_source, namespace, error=None):
    """Run the lesson's checks against the namespace the learner's code left; `error` is the
    exception that stopped their code, if one did. A list of {name, passed, message, hint,
    hints}: `hints` the ladder of hints (see Failed), `hint` its first step."""
    checks = load_checks(checks_source)
    results = []
    if error is not None:
        # NOTE: the checks still run, on what the code defined before the error: the learner's
        # own example at the bottom often fails for the very mistake a check can name.
        line = ""
        for frame, lineno in traceback.walk_tb(error.__traceback__):
            if frame.f_code.co_filename == "<editor>":
                line = f" (line {lineno})"
        results.append(_result("Your code runs without an error", False,
                               f"Expected your code to run; it raised "
                               f"{_describe_error(error)}{line}.",
                               "Fix that error first; the checks below ran on what your code "
                               "defined before it."))
    else:
        results.append(_result("Your code runs without an error", True))
    for name, fn in checks:
        try:
            with np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
                fn(namespace)
            results.append(_result(name, True))
        except Failed as failure:
            results.append(_result(name, False, failure.expected, failure.hints))
        except RecursionError:
            results.append(_result(name, False,
                                   "Expected your code to finish; it recursed too deep.",
                                   "Visit each node once, in a loop, not once per path."))
        except Exception as e:  # noqa: BLE001 - a learner's bug is a failed check, not a crash
            results.append(_result(name, False,
                                   f"Expected it to run; it raised {_describe_error(e)}.",
                                   "Read the error: it says what went wrong in your code."))
    return results


def check_code(code, checks_source):
    """Run the learner's code (its output discarded) in a fresh namespace, then the checks:
    for CPython (the tests, `build.py check`). Monkey-patches of ad's Tensor are undone."""
    import ad

    namespace = {"__name__": "__main__"}
    error = None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the code's own warnings are its output, not ours
            exec(compile(code, "<editor>", "exec"), namespace)
    except Exception as e:  # noqa: BLE001 - reported as the first failed check
        error = e
    try:
        return evaluate(checks_source, namespace, error)
    finally:
        ad.restore_tensor()
        # Plots made without a page print their summaries at exit: output too, discarded.
        getattr(sys.modules.get("playground"), "_unprinted", []).clear()
