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
_checking = False  # a Check runs the learner's code now (see checking())


def checking():
    """True while a lesson's Check runs the learner's code (the page's Check button, `build.py
    run --lesson`, check_code in the tests), False under Run and in plain Python: a lesson may
    skip its long training then (its checks test small cases of their own)."""
    return _checking


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
        raise Failed(f"Expected your code to define `{name}`.", hint or [
            f"The checks look for `{name}` by its name: keep the name `{name}` from the starter "
            "code.",
            f"If your code stopped with an error before it defined `{name}`, fix that first (the "
            f"first check says where); Reset to starter brings back the starter's `{name}`."])
    value = ns[name]
    if kind is not None and not (isinstance(value, type) and issubclass(value, kind)):
        raise Failed(f"Expected `{name}` to be a subclass of {kind.__name__}, "
                     f"got {type(value).__name__}.", hint or [
                         f"`{name}` must be a class built on {kind.__name__}, so the engine "
                         "can call its forward and its backward.",
                         f"Define it as `class {name}({kind.__name__}):`, as the starter code "
                         "does."])
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


def _same(a, b):
    """Equal within the tolerance gradients are checked with."""
    return bool(np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-3, atol=1e-5))


def _factor(analytic, numeric):
    """k when analytic == k * numeric for every element, else None."""
    norm = float(np.sum(numeric * numeric))
    if norm == 0 or not np.all(np.isfinite(analytic)):
        return None
    k = float(np.sum(analytic * numeric)) / norm
    return k if _same(analytic, k * numeric) else None


def _times(k, sizes):
    """A constant factor in words: '4 times too large (4 is the length of axis 0 of x, ...)'."""
    m = abs(k)
    n = m if m > 1 else 1 / m
    if abs(n - round(n)) > 1e-3 * n:
        return f"{m:.3g} times the right size"
    n = int(round(n))
    text = f"{n} times too {'large' if m > 1 else 'small'}"
    return text + (f" ({n} is {sizes[n]})" if n in sizes else "")


def _index_text(index):
    return "(" + ", ".join(str(i) for i in index) + ")"


def _pattern(bad):
    """Where the wrong elements of a matrix lie, when they follow its rows, columns or
    diagonal: ' (whole rows 0 and 2)'; else ''."""
    if bad.ndim != 2 or bad.all():
        return ""

    def listed(ks):
        ks = [str(k) for k in ks]
        return ks[0] if len(ks) == 1 else ", ".join(ks[:-1]) + " and " + ks[-1]

    rows = np.flatnonzero(bad.any(axis=1))
    cols = np.flatnonzero(bad.any(axis=0))
    if bad[rows].all():
        return f" (whole row{'s' if len(rows) > 1 else ''} {listed(rows)})"
    if bad[:, cols].all():
        return f" (whole column{'s' if len(cols) > 1 else ''} {listed(cols)})"
    if bad.shape[0] == bad.shape[1] and np.array_equal(bad, np.eye(len(bad), dtype=bool)):
        return " (the diagonal)"
    return ""


def _difference(name, analytic, numeric, ones, sizes, upstream):
    """How the learner's gradient of input `name` differs from the right one, in plain words,
    as a ladder: first what the evidence shows, with a question at the reasoning, then a more
    specific step. `ones` is (analytic, numeric) for an upstream gradient of ones (None if the
    learner's backward could not run again); `sizes` names the sizes a factor may equal;
    `upstream` describes the upstream gradient the check sent."""
    g = f"the gradient of {name}"
    total = analytic.size
    finite = np.isfinite(analytic)
    if not finite.all():
        return [f"{int((~finite).sum())} of the {total} elements of {g} are inf or NaN: a value "
                "in your backward overflowed or was divided by zero.",
                "Print the arrays your backward computes, one after another, for inputs of the "
                "shapes in the message: find the first that holds inf or NaN, and compute it in "
                "a way that stays finite."]
    if _same(analytic, 0 * analytic) and not _same(numeric, 0 * numeric):
        return [f"Nothing reached {name}: its gradient stayed 0, yet {name} changes the result: "
                "did you forget to add into its .grad?",
                f"Every input of your Function gets its share: add into {name}.grad the upstream "
                f"gradient times the derivative of the output with respect to {name}."]
    if ones is not None:
        analytic1, numeric1 = ones
        same_as_ones = _same(analytic, numeric1)
        if not _same(numeric, numeric1) and (same_as_ones or _same(analytic, analytic1)):
            said = ("yours is what it would be for an upstream gradient of ones"
                    if same_as_ones else "yours stays the same when that changes")
            k = _factor(analytic1, numeric1)
            if not same_as_ones and k is not None and abs(k - 1) > 1e-3:
                said += f", and even for an upstream of ones it would be {_times(k, sizes)}"
            return [f"The gradient of {name} ignores the upstream gradient `grad`: the check "
                    f"sends {upstream}, and {said}. By the chain rule, did you multiply by grad?",
                    f"What {name}.grad receives is grad (the gradient of the final result with "
                    f"respect to this Function's output) times the derivative of the output with "
                    f"respect to {name}: grad must be a factor of what you add."]
    if (analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1]
            and not _same(numeric, numeric.T) and _same(analytic, numeric.T)):
        return [f"The gradient of {name} is the right gradient transposed: its rows are the "
                "right one's columns. Which order of the operands gives the layout of the input "
                "itself?",
                "Transposing a product reverses its order, (A B)^T = B^T A^T: write each "
                f"operand's shape next to it and pick the product whose result has {name}'s "
                "rows as its rows."]
    k = _factor(analytic, numeric)
    if k is not None and abs(k - 1) > 1e-3:
        if abs(k + 1) < 1e-3:
            return [f"Every element of {g} has the right size but the wrong sign: check the sign "
                    "of each term (a sign error).",
                    f"Look for a `-=` where the gradient is added, or a minus sign the "
                    f"derivative with respect to {name} does not have."]
        if abs(k - 2) < 1e-3:
            return [f"Every element of {g} is exactly twice the right value: did you add the "
                    "gradient twice?",
                    f"Each use of an input sends its share into its .grad once: look for two "
                    f"lines that add into {name}.grad, or a share counted twice."]
        if total > 1:  # NOTE: one number is always some multiple of another: no evidence
            sign = ", with the wrong sign" if k < 0 else ""
            return [f"Every element of {g} is {_times(k, sizes)}{sign}: the pattern is right, a "
                    "constant factor is not. Which factor of the derivative is missing, or extra?",
                    "Compare your formula with the derivative factor by factor: a count (a batch "
                    "size, a number of elements), a constant of the forward (the 2 of x squared, "
                    "the 1/N of a mean), the upstream gradient grad."]
    bad = ~np.isclose(analytic, numeric, rtol=1e-3, atol=1e-5)
    index = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    where = f" at index {_index_text(index)}" if index else ""
    mine, right = float(analytic[index]), float(numeric[index])
    err = float(np.max(np.abs(analytic - numeric)))
    scale = float(np.max(np.abs(numeric)))
    step2 = (f"Work out by hand the derivative of the output with respect to {name} for that one "
             "element, times the upstream gradient there, and compare it with what your "
             f"backward adds into {name}.grad.")
    if total == 1:
        return [f"The gradient of {name} is {mine:.4g}; the right value is {right:.4g} (neither "
                "its negative nor twice it). Which term of the derivative is missing or "
                "different?", step2]
    if bad.sum() < total:
        return [f"{int(bad.sum())} of the {total} elements of {g} are wrong{_pattern(bad)}, the "
                f"others right. The first{where}: yours is {mine:.4g}, the right value "
                f"{right:.4g}. What sets those elements apart?", step2]
    return [f"Every element of {g} is wrong, with no common factor: off by up to {err:.3g}, "
            f"where the right values are up to {scale:.3g} in size. For example{where}: yours "
            f"is {mine:.4g}, the right value {right:.4g}. Which term of the derivative is "
            "missing or different?", step2]


_ERROR_STEP = ("Call it yourself at the end of your code, on inputs of the shapes in the message, "
               "and press Run: Output shows the whole error, with the line that raised it.")
_SHAPE_STEP = ("Print the shape of each array in your backward, for inputs of the shapes in the "
               "message, and compare each with the shape of the .grad it goes into: a gradient "
               "always has its input's shape.")


def _at_least_two(hint, more):
    """A hint as a ladder of at least two steps: `more` is the step added to a single one."""
    steps = _ladder(hint)
    return steps if len(steps) >= 2 else steps + [more]


def gradients(f, *arrays, what, names=None, shape_hint=None, likely=(), error_hints=()):
    """Check the gradients of `f(*tensors)` at `arrays` with ad.gradcheck; on a mismatch, fail
    with what was expected and a ladder of hints that names a mistake only on evidence.

    `likely`: pairs (wrong(weight, *arrays) -> per-input gradients, hint) of known mistakes:
    when the learner's gradient equals one of them, that hint. Otherwise the hint says how the
    gradient differs from the right one: nothing added, the upstream gradient ignored (checked
    against an upstream of ones), transposed, a constant factor (the sign, twice, N times), or
    which elements, by how much.
    `error_hints`: pairs (text, hint): when backward raised an error whose message holds the
    text, that hint (before `shape_hint`, for an error about a gradient's shape).
    A hint may be one text or a ladder (see Failed); one text gets a second, generic step."""
    import ad

    names = names or [f"input {i}" for i in range(len(arrays))]
    shapes = ", ".join(f"{n} {_shape_text(np.shape(a))}" for n, a in zip(names, arrays))
    report = ad.gradcheck(f, *[ad.tensor(np.array(a, dtype=np.float64)) for a in arrays])
    if report.passed:
        return
    if report.error is not None:
        # NOTE: only the error's first line: the engine's own hint below it may show the fix.
        error = report.error.split("\n")[0]
        hint = next((h for text, h in error_hints if text in report.error), None)
        if hint is None and "shape" in report.error:
            hint = shape_hint or [
                "A gradient always has its input's shape, and one your backward wrote does not "
                "(the message names which). Which operation in your backward gives it that "
                "shape?", _SHAPE_STEP]
        raise Failed(f"Expected {what} to run backward with inputs {shapes}; it raised "
                     f"{error}", _at_least_two(
                         hint or "Read the error: it says what went wrong.",
                         _SHAPE_STEP if "shape" in report.error else _ERROR_STEP))
    out_shape = np.shape(f(*[ad.constant(np.array(a, dtype=np.float64)) for a in arrays]).data)
    # NOTE: never all ones (a backward that ignores grad would pass), and for one output
    # element not near 1 or 2 either, so that mistake shows as itself, not as a factor.
    weight = (np.full(out_shape, 0.7) if int(np.prod(out_shape)) == 1 else
              np.random.default_rng(1).uniform(0.5, 1.5, out_shape))
    pairs = _grads(f, arrays, weight)
    bad = [i for i, (a, n) in enumerate(pairs) if not _same(a, n)]
    if not bad:  # gradcheck saw a mismatch our own differences do not: report it as it is
        raise Failed(f"Expected {what}'s gradients to match finite differences; "
                     f"gradcheck says:\n{report}", [
                         "Your gradients match finite differences at the check's own upstream "
                         "gradient but not at gradcheck's: is your backward exact, and the same "
                         "every time it runs?",
                         "Compute in float64 throughout your backward, without rounding, and "
                         "from its arguments only (no state kept between calls)."])
    i = bad[0]
    analytic, numeric = pairs[i]
    try:
        ones = _grads(f, arrays, np.ones(out_shape))[i]
    except Exception:  # noqa: BLE001 - no second run, no evidence from it
        ones = None
    sizes = {}
    for n, shape in [*zip(names, (np.shape(a) for a in arrays)), ("the output", out_shape)]:
        for axis, size in enumerate(shape):
            sizes.setdefault(size, f"the length of axis {axis} of {n}, shape "
                                   f"{_shape_text(shape)}")
    upstream = (f"an upstream gradient of {weight.reshape(-1)[0]:g}, not 1"
                if weight.size == 1 else "an upstream gradient that is not all ones")
    difference = _difference(names[i], analytic, numeric, ones, sizes, upstream)
    hint = None
    for wrong, text in likely:
        try:
            candidates = wrong(weight, *arrays)
        except Exception:  # noqa: BLE001 - a candidate that does not apply is no candidate
            continue
        if candidates[i] is not None and close(analytic, np.broadcast_to(
                candidates[i], analytic.shape), rtol=1e-4, atol=1e-6):
            hint = _at_least_two(text, difference[0])
            break
    err = float(np.max(np.abs(analytic - numeric)))
    scale = float(np.max(np.abs(numeric)))
    raise Failed(f"Expected the gradient of {names[i]} in {what} (inputs {shapes}) to match "
                 f"finite differences; it is off by up to {err:.3g}, where the right values "
                 f"are up to {scale:.3g} in size.", hint or difference)


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
                               ["Fix that error first; the checks below ran on what your code "
                                "defined before it.",
                                "Press Run to see the whole error in Output, with the line that "
                                "raised it; print the values used on that line just before it."]))
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
                                   ["Your code called itself deeper than Python allows: does a "
                                    "walk reach the same node again and again, once per path?",
                                    "Remember the nodes already visited and skip them, or walk "
                                    "in a loop over a list instead of recursing."]))
        except Exception as e:  # noqa: BLE001 - a learner's bug is a failed check, not a crash
            results.append(_result(name, False,
                                   f"Expected it to run; it raised {_describe_error(e)}.",
                                   ["Read the error: it says what went wrong in your code.",
                                    "Call the function this check calls yourself, at the end "
                                    "of your code, and press Run: Output shows the whole error "
                                    "with the line that raised it."]))
    return results


def check_code(code, checks_source):
    """Run the learner's code (its output discarded) in a fresh namespace, then the checks:
    for CPython (the tests, `build.py check`). Monkey-patches of ad's Tensor are undone."""
    import ad

    global _checking
    namespace = {"__name__": "__main__"}
    error = None
    _checking = True
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the code's own warnings are its output, not ours
            exec(compile(code, "<editor>", "exec"), namespace)
    except Exception as e:  # noqa: BLE001 - reported as the first failed check
        error = e
    finally:
        _checking = False
    try:
        return evaluate(checks_source, namespace, error)
    finally:
        ad.restore_tensor()
        # Plots made without a page print their summaries at exit: output too, discarded.
        getattr(sys.modules.get("playground"), "_unprinted", []).clear()


# ---- The course's second part (lessons 9 on): arrays compared exactly, gradients against the
# ---- engine's own backward, and every failure with a ladder of at least two hints ----

def _steps(hint, *more):
    """A hint as a ladder of at least two steps: `more` fills in when `hint` has fewer."""
    steps = _ladder(hint)
    for step in more:
        if len(steps) >= 2:
            break
        if step and step not in steps:
            steps.append(step)
    return steps


def _as_array(value):
    data = getattr(value, "data", None)  # a Tensor (or anything that holds its array in .data)
    return np.asarray(data if isinstance(data, np.ndarray) else value)


def expect_array(got, want, name, hint, likely=(), rtol=1e-6, atol=1e-9,
                 reference="the engine's", shape_hint=None, dtype_hint=None):
    """Fail unless `got` (called `name` in the messages, e.g. "`dW1`") is an array of exactly
    want's shape and dtype, close to it in value: stricter than allclose, which broadcasts a
    (64,) against a (1, 64) without a word. `hint`: the ladder for wrong values (a nudge
    first); `likely`: (value, ladder) pairs of known mistakes, tried before the generic ones
    (twice the value, the wrong sign, zero); `reference`: what `want` is, in the messages;
    `shape_hint`, `dtype_hint`: ladders for a wrong shape (but for a lost axis of size 1,
    which always gets the keepdims ladder) or dtype, instead of the ones for gradients."""
    want = np.asarray(want)
    wanted = _shape_text(want.shape)
    if got is None:
        raise Failed(f"Expected {name}, an array of shape {wanted}; it is None.",
                     _steps(hint, f"{name} is not computed yet: start from the gradient it is "
                            "made of, one step of the chain rule."))
    got = _as_array(got)
    shape = _shape_text(got.shape)
    if got.shape != want.shape:
        if got.size == want.size and tuple(n for n in got.shape if n != 1) == tuple(
                n for n in want.shape if n != 1):
            raise Failed(
                f"Expected {name} of shape {wanted}; it has shape {shape}: the right count of "
                "numbers, one axis of size 1 different.",
                [f"A gradient has exactly its value's shape, and numpy would broadcast {shape} "
                 f"against {wanted} without a word: which reduction dropped (or added) an axis "
                 "of size 1? Think of keepdims.",
                 f"Reduce with `keepdims=True` where the value was reduced with it, or reshape: "
                 f"{name} must have shape {wanted}."])
        if shape_hint is not None:
            raise Failed(f"Expected {name} of shape {wanted}; it has shape {shape}.",
                         _steps(shape_hint, "Write the shape next to each step."))
        if got.ndim == 2 and got.shape == want.shape[::-1]:
            raise Failed(f"Expected {name} of shape {wanted}; it has shape {shape}.",
                         ["Its axes are swapped: a product is missing a transpose, or has its "
                          "operands in the wrong order.",
                          "Write the shape under each operand: the only product that gives "
                          f"{wanted} is the right one."])
        raise Failed(f"Expected {name} of shape {wanted}; it has shape {shape}.",
                     [f"A gradient has exactly its value's shape, {wanted}: which term of your "
                      f"formula gives {shape}?",
                      "Write the shape next to each term of the formula: a sum over the wrong "
                      "axis, a missing transpose or a broadcast shows there."])
    if got.dtype != want.dtype:
        raise Failed(f"Expected {name} to be an array of {want.dtype}; it is {got.dtype}.",
                     _steps(dtype_hint) or
                     [f"The values are {want.dtype}: an array made like another of a different "
                      "dtype (the integer indices, say) keeps that dtype and rounds what you "
                      "add into it.",
                      f"Make it from a {want.dtype} array, e.g. `np.zeros_like` of the value "
                      "whose gradient it is."])
    if close(got, want, rtol, atol):
        return
    for value, steps in likely:
        if value is not None and np.shape(value) == want.shape and close(got, value, rtol, atol):
            raise Failed(f"Expected {name} to match {reference}; it does not.",
                         _steps(steps, *_ladder(hint)))
    got, want = got.astype(np.float64), want.astype(np.float64)  # booleans cannot subtract
    err = float(np.max(np.abs(got - want))) if np.all(np.isfinite(got)) else float("nan")
    said = (f"Expected {name} (shape {wanted}) to match {reference}; "
            + (f"it is off by up to {err:.3g}." if np.isfinite(err) else
               "it holds inf or NaN."))
    if not np.isfinite(err):
        steps = ["Something overflowed or divided by zero: which step can produce inf?"]
    elif close(got, 2 * want, 1e-4, atol):
        steps = ["It is twice the right value: is one term counted twice?"]
    elif close(got, -want, 1e-4, atol):
        steps = ["It has the wrong sign: check the sign of each term (a sign error)."]
    elif close(got, 0 * want) and not close(want, 0 * want):
        steps = ["It is all zeros: nothing was computed into it, or nothing reached it."]
    else:
        steps = []
    raise Failed(said, steps + _steps(hint, "Work the derivative out by hand for one element "
                                            "and compare it with yours."))


def backward_matches(f, reference, arrays, names, what, hints=None, likely=(), error_hints=(),
                     forward_hint=None, forward_likely=(), rtol=1e-6, atol=1e-9):
    """The learner's `f(*tensors)` against `reference(*tensors)` (the engine's own ops) at
    `arrays`: the forward value, then each input's gradient, under one random upstream gradient
    (not ones: a uniform weight hides routing mistakes). `hints`: {input name: ladder} for a
    wrong gradient; `likely`: (wrong(weight, *arrays) -> a gradient per input or None, ladder)
    pairs tried first; `error_hints`: (text, ladder) for an error whose message holds text;
    `forward_hint`, `forward_likely`: the same as `hint`, `likely` of expect_array, for the
    forward's value."""
    import ad

    hints = hints or {}
    shapes = ", ".join(f"{n} {_shape_text(np.shape(a))}" for n, a in zip(names, arrays))

    def raised(stage, error):
        text = f"{type(error).__name__}: {error}"
        steps = next((h for t, h in error_hints if t in text), None)
        raise Failed(f"Expected {what} to run {stage} with {shapes}; it raised "
                     f"{text.splitlines()[0]}",
                     _steps(steps, "Read the error: it names the line that failed and, for a "
                            "gradient of the wrong shape, the input it was for.",
                            "Write the shape next to every term of that line."))

    leaves = [ad.tensor(np.array(a, dtype=np.float64)) for a in arrays]
    try:
        out = f(*leaves)
    except Exception as e:  # noqa: BLE001 - the learner's error, reported as a failed check
        raised("forward", e)
    ref_leaves = [ad.tensor(np.array(a, dtype=np.float64)) for a in arrays]
    want = reference(*ref_leaves)
    if not isinstance(out, ad.Tensor):
        # NOTE: `f` calls a Function (whose forward wraps its array in a Variable) or a Module
        # (whose forward returns the Tensor its last op made): the fix differs.
        raise Failed(f"Expected {what} to return a Tensor; it returned {type(out).__name__}.",
                     [f"{what} must hand back a Tensor, so the engine can walk back through "
                      f"it: look at what its last line returns.",
                      "A Function's forward ends by wrapping its result's array in a Variable; "
                      "a Module's forward returns the Tensor its last operation made (not its "
                      "`.data`, and not nothing)."])
    expect_array(out.data, want.data, f"{what}'s output", _steps(
        forward_hint, "Compare your forward with the formula in the lesson, term by term.",
        "Print your output beside the formula's on a tiny input you can work by hand."),
        likely=forward_likely, rtol=rtol, atol=atol)
    weight = np.random.default_rng().uniform(0.5, 1.5, np.shape(want.data))
    try:
        out.backward(weight)
    except Exception as e:  # noqa: BLE001
        raised("backward", e)
    want.backward(weight)
    wrong = []
    for fn, steps in likely:
        try:
            wrong.append((fn(weight, *arrays), steps))
        except Exception:  # noqa: BLE001, S112 - a candidate that does not apply is none
            continue
    for i, (name, leaf, ref) in enumerate(zip(names, leaves, ref_leaves)):
        candidates = [(grads[i], steps) for grads, steps in wrong
                      if grads is not None and i < len(grads)]
        expect_array(leaf.grad, ref.grad, f"the gradient of `{name}` in {what}",
                     hints.get(name), likely=candidates, rtol=rtol, atol=atol)


__all__ += ["backward_matches", "expect_array"]
