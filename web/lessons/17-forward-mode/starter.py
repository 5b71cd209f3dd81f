# Write the Jacobian by forward mode (one jvp per column) and by reverse mode (one backward
# pass per row), and say which is cheaper.
import time

import numpy as np

import ad


def jacobian_forward(f, x):
    """J (m, n) of f at x (n,): column j is J e_j, one jvp each."""
    m = len(f(ad.constant(x)).data)
    return np.zeros((m, len(x)))  # TODO


def jacobian_reverse(f, x):
    """J (m, n) of f at x (n,): row i is the gradient of f(x)[i], one backward pass each."""
    m = len(f(ad.constant(x)).data)
    return np.zeros((m, len(x)))  # TODO


def cheaper(n, m):
    """The mode with fewer passes for the whole Jacobian of f: R^n -> R^m."""
    return "forward"  # TODO


def curve(p):
    """Two parameters -> 400 points of a damped wave: n = 2, m = 400."""
    t = np.linspace(0, 10, 400)
    return ad.exp(-p[0] * t) * ad.sin(p[1] * t)


p = np.array([0.3, 2.0])
for name, jacobian in (("forward", jacobian_forward), ("reverse", jacobian_reverse)):
    started = time.perf_counter()
    J = jacobian(curve, p)
    print(f"{name}: J {J.shape} in {(time.perf_counter() - started) * 1e3:.0f} ms")
print("same:", np.allclose(jacobian_forward(curve, p), jacobian_reverse(curve, p)))
print("for n = 2, m = 400:", cheaper(2, 400), "  for a loss, n = 10**6, m = 1:",
      cheaper(10**6, 1))
