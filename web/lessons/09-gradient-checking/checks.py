# Checks for lesson 9: numerical_grad against exact derivatives (hidden functions and shapes,
# a large step that shows a one-sided difference, the dtype f sees, x left as it was),
# relative_error on hidden cases, and SiLU.backward against the engine's.
import numpy as np

from ad import Function
from lessoncheck import Failed, backward_matches, check, expect_array, need, random_shape, rng

CENTRAL = ["Your estimate is off by an amount that grows with the step h, as a one-sided "
           "difference is: which difference makes the f'' terms cancel?",
           "Nudge both ways: (f(x + h e_i) - f(x - h e_i)) / (2h)."]
FLOAT32 = ["f was called with float32 arrays: with about 7 digits, a step of 1e-6 is lost in "
           "rounding. Which dtype keeps it?",
           "Convert x to float64 once, before the first nudge (`np.asarray` takes a `dtype`): "
           "every array f sees is then float64, where a step of 1e-6 survives the addition."]
EVERY = ["Each element gets its own nudge and its own estimate: does your loop reach every "
         "element of a 2-D x, one at a time?",
         "Loop over `np.ndindex(x.shape)`: each index i is one element, `x[i]`."]


def cases(gen):
    """(f, its exact gradient) on hidden functions, each with a large f'' somewhere."""
    c = gen.uniform(0.5, 2.0)
    return [
        (lambda x: float(np.sum(np.sin(c * x) * x ** 2)),
         lambda x: 2 * x * np.sin(c * x) + c * x ** 2 * np.cos(c * x)),
        (lambda x: float(np.sum(np.exp(c * x)) + np.sum(x) ** 2),
         lambda x: c * np.exp(c * x) + 2 * np.sum(x)),
    ]


def watched(f, seen):
    def g(x):
        seen.append(np.asarray(x).dtype)
        return f(x)
    return g


def estimate(numerical_grad, f, x, **kwargs):
    seen = []
    before = x.copy()
    got = numerical_grad(watched(f, seen), x, **kwargs)
    if any(d != np.float64 for d in seen):
        raise Failed(f"Expected f to be called with float64 arrays; it got {seen[0]}.", FLOAT32)
    if not np.array_equal(x, before):
        raise Failed("Expected numerical_grad to leave x as it found it; it changed x.",
                     ["Your function changed x: each nudge must be undone before the next "
                      "element's, or every later estimate is taken at a moved point.",
                      "Keep the element's value, nudge it up, then down, then put the kept "
                      "value back."])
    return got


@check("numerical_grad matches the exact gradient (hidden functions, 1-D x)")
def exact_1d(ns):
    numerical_grad = need(ns, "numerical_grad")
    gen = rng()
    for f, df in cases(gen):
        x = gen.normal(size=int(gen.integers(3, 7)))
        got = estimate(numerical_grad, f, x.copy())
        expect_array(got, df(x), "numerical_grad(f, x)",
                     ["Nudge one element at a time, by +h and -h, and divide the difference "
                      "of f by the distance between the two points.",
                      "grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)."],
                     likely=[(df(x) * 2, ["It is twice the gradient: the two points are 2h "
                                          "apart, not h.",
                                          "Divide by 2h."])],
                     rtol=1e-5, atol=1e-7, reference="the exact gradient")


@check("numerical_grad is central: a step of h = 1e-4 still gives 8 digits")
def central(ns):
    numerical_grad = need(ns, "numerical_grad")
    gen = rng()
    for f, df in cases(gen):
        x = gen.normal(size=4)
        got = estimate(numerical_grad, f, x.copy(), h=1e-4)
        expect_array(got, df(x), "numerical_grad(f, x, h=1e-4)", CENTRAL, rtol=1e-6, atol=1e-7,
                     reference="the exact gradient")


@check("numerical_grad works for x of any shape (hidden 2-D and 3-D shapes)")
def any_shape(ns):
    numerical_grad = need(ns, "numerical_grad")
    gen = rng()
    f, df = cases(gen)[0]
    for ndim in (2, 3):
        x = gen.normal(size=random_shape(gen, ndim, 2, 4))
        got = estimate(numerical_grad, f, x.copy())
        expect_array(got, df(x), f"numerical_grad(f, x) for x of shape {x.shape}", EVERY,
                     rtol=1e-5, atol=1e-7, reference="the exact gradient")


@check("relative_error: one number, the same at any scale, 0 for two zeros")
def relative(ns):
    relative_error = need(ns, "relative_error")
    gen = rng()
    a = gen.normal(size=5)
    b = a * (1 + gen.uniform(-1e-3, 1e-3, 5))
    want = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))))
    got = relative_error(a, b)
    if np.ndim(got) != 0:
        raise Failed(f"Expected relative_error(a, b) to be one number; got shape "
                     f"{np.shape(got)}.",
                     ["One number sums up the comparison: the worst element's error.",
                      "Take the max over the elements."])
    scaled = relative_error(1e6 * a, 1e6 * b)
    if not np.isclose(float(got), want, rtol=1e-6) or not np.isclose(float(scaled), want,
                                                                      rtol=1e-6):
        tiny = abs(float(got) - float(np.max(np.abs(a - b)))) < 1e-12
        raise Failed(f"Expected relative_error(a, b) = {want:.4g} (and the same for 1e6 a, "
                     f"1e6 b); got {float(got):.4g} and {float(scaled):.4g}.",
                     ["That is an absolute error: it grows with the gradients' size, so no "
                      "threshold fits both small and large ones. Make it relative.",
                      "Divide |a - b| by max(|a|, |b|), elementwise, then take the max."]
                     if tiny else
                     ["Each element's |a - b| is measured against the larger of |a| and |b|; "
                      "then the worst element counts.",
                      "Elementwise |a - b| / max(|a|, |b|), then the largest of those: "
                      "`np.maximum` takes the larger of two arrays element by element, "
                      "`np.max` the largest element of one."])
    zeros = relative_error(np.zeros(3), np.zeros(3))
    if not np.isfinite(zeros) or zeros != 0:
        raise Failed(f"Expected relative_error of two zero arrays to be 0; got {zeros}.",
                     ["Two equal zeros are a perfect match, but 0/0 is NaN: treat a zero "
                      "scale apart.",
                      "`np.where(condition, a, b)` picks element by element: the ratio where "
                      "the scale is positive, 0 where it is not. Divide by the scale with its "
                      "zeros replaced by 1, so that no 0/0 is computed at all."])


@check("SiLU.backward is fixed: it matches the engine's x * sigmoid(x)")
def silu(ns):
    SiLU = need(ns, "SiLU", Function)
    gen = rng()
    x = gen.normal(scale=2.0, size=random_shape(gen, 2))
    backward_matches(lambda t: SiLU()(t), lambda t: t * t.sigmoid(), [x], ["x"], "SiLU",
                     hints={"x": ["Your checker's relative error is large: the backward is "
                                  "wrong. Take the derivative of x * sigmoid(x) by the "
                                  "product rule.",
                                  "d/dx x s(x) = s + x s (1 - s), with s' = s (1 - s)."]})
