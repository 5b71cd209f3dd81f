# Checks for lesson 17: both Jacobians against ad.jacobian on hidden f: R^n -> R^m (n != m),
# with the passes counted (n jvps forward; backward passes, no jvp, in reverse), and cheaper()
# on hidden sizes.
import numpy as np

import ad
from lessoncheck import Failed, check, expect_array, need, random_shape, rng

COLUMNS = ["A jvp with tangent t gives J t: with t the j-th basis vector (a 1 at j, 0 "
           "elsewhere), that is column j of J.",
           "For each input j, build that basis vector and give it to `ad.jvp` as the tangent of "
           "x (it takes a tuple of inputs and a tuple of tangents, and returns the value and "
           "J t); then put the n columns side by side."]
SIDE = ["J has one row per output and one column per input, (m, n): put the columns side by "
        "side, not on top of each other.",
        "Stack the columns along a new last axis (`np.stack` takes an `axis`), so that each "
        "becomes a column of J, not a row."]
ROWS = ["A backward pass from output i gives row i of J: the gradient of f(x)[i].",
        "For each output i, take `ad.grad` of the function that returns output i of f (one "
        "number) at x: that is row i; stack the m rows. A function made in a loop must bind its "
        "own i (a default argument), or every one sees the last."]


class Counted:
    """f, with its calls counted, and ad.jvp's."""

    def __init__(self, f):
        self.f, self.calls, self.jvps = f, 0, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)

    def __enter__(self):
        self.original = ad.jvp

        def jvp(*args, **kwargs):
            self.jvps += 1
            return self.original(*args, **kwargs)

        ad.jvp = jvp
        return self

    def __exit__(self, *exc):
        ad.jvp = self.original


def problem(gen):
    n, m = random_shape(gen, 2, low=2, high=7)
    A, B = gen.normal(size=(m, n)), gen.normal(size=(m, n))
    return (lambda x: ad.tanh(A @ x) * (B @ x)), gen.normal(size=n), n, m


@check("jacobian_forward: J (m, n), one jvp per column (hidden f, n != m)")
def forward(ns):
    jacobian_forward = need(ns, "jacobian_forward")
    f, x, n, m = problem(rng())
    want = ad.jacobian(f)(x).data
    with Counted(f) as counted:
        got = jacobian_forward(counted, x.copy())
    ones = np.tile((want @ np.ones(n))[:, None], (1, n))
    expect_array(got, want, f"jacobian_forward(f, x) for n = {n} inputs, m = {m} outputs",
                 COLUMNS, reference="ad.jacobian", shape_hint=SIDE,
                 likely=[(ones, ["Every column is the same: the tangent of ones gives J 1, the "
                                 "sum of all columns. Use one basis vector per column.",
                                 COLUMNS[1]])])
    if counted.jvps != n:
        raise Failed(f"Expected {n} jvps (one per input); yours made {counted.jvps}.",
                     ["Forward mode gets one whole column of J per jvp: n of them.",
                      COLUMNS[1]])


@check("jacobian_reverse: J (m, n), one backward pass per row, no jvp")
def reverse(ns):
    jacobian_reverse = need(ns, "jacobian_reverse")
    f, x, n, m = problem(rng())
    want = ad.jacobian(f)(x).data
    with Counted(f) as counted:
        got = jacobian_reverse(counted, x.copy())
    if counted.jvps:
        raise Failed(f"Expected backward passes only; yours made {counted.jvps} jvps.",
                     ["That builds J by forward mode, column by column: reverse mode gets a "
                      "row per backward pass instead.", ROWS[1]])
    expect_array(got, want, f"jacobian_reverse(f, x) for n = {n} inputs, m = {m} outputs",
                 ROWS, reference="ad.jacobian", shape_hint=SIDE)
    if counted.calls > m + 1:
        raise Failed(f"Expected at most {m + 1} evaluations of f (one per row, one to learn "
                     f"m); yours made {counted.calls}.",
                     ["Each backward pass gives a whole row: m of them are enough.", ROWS[1]])


@check("cheaper(n, m): the mode with fewer passes for the whole Jacobian (hidden sizes)")
def which(ns):
    cheaper = need(ns, "cheaper")
    gen = rng()
    small, large = int(gen.integers(1, 10)), int(gen.integers(100, 10**6))
    for n, m in ((small, large), (large, small), (large, 1)):
        want = "forward" if n < m else "reverse"
        got = cheaper(n, m)
        if got != want:
            raise Failed(f"Expected cheaper({n}, {m}) == {want!r}; got {got!r}.",
                         ["Count the passes: forward mode needs one per input (n), reverse "
                          "mode one per output (m).",
                          "Forward mode when there are fewer inputs than outputs, reverse mode "
                          "otherwise."])
