# The cost of a full Jacobian of f: R^n -> R^m, by forward and by reverse mode.
# Reverse mode (ad.jacobian) builds it a row at a time: one backward pass per OUTPUT.
# Forward mode (ad.jvp) builds it a column at a time: one jvp per INPUT.
# So the cheaper mode depends on the shape: many inputs and few outputs (a loss) favour
# reverse mode; few inputs and many outputs favour forward mode.
import time

import numpy as np

import ad
from playground import plot

rng = np.random.default_rng(0)


def make_f(n, m, hidden=16):
    W1, W2 = rng.normal(size=(hidden, n)) / np.sqrt(n), rng.normal(size=(m, hidden)) / 4
    return lambda x: W2 @ (W1 @ x).tanh()


def forward_jacobian(f, x):
    columns = [ad.jvp(f, (x,), (e,))[1].data for e in np.eye(x.size)]  # J e_j, one per input
    return np.stack(columns, axis=1)


def reverse_jacobian(f, x):
    return ad.jacobian(f)(x).data  # e_i^T J, one backward pass per output


def best_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3, result


print(f"{'inputs':>6} {'outputs':>7} | {'forward jvps':>12} {'ms':>7} | "
      f"{'reverse passes':>14} {'ms':>7} | same Jacobian")
ratios = {"outputs": plot(title="outputs grow (4 inputs): reverse ms / forward ms",
                          xlabel="outputs", ylabel="reverse / forward"),
          "inputs": plot(title="inputs grow (4 outputs): forward ms / reverse ms",
                         xlabel="inputs", ylabel="forward / reverse")}
agreed = True
for grow in ("outputs", "inputs"):
    for size in (1, 4, 16, 64):
        n, m = (4, size) if grow == "outputs" else (size, 4)
        f, x = make_f(n, m), rng.normal(size=n)
        t_fwd, J_fwd = best_time(lambda: forward_jacobian(f, x))
        t_rev, J_rev = best_time(lambda: reverse_jacobian(f, x))
        same = "yes" if np.allclose(J_fwd, J_rev, rtol=1e-10, atol=1e-12) else "NO"
        agreed &= same == "yes"
        print(f"{n:6d} {m:7d} | {n:12d} {t_fwd:7.2f} | {m:14d} {t_rev:7.2f} | {same}")
        ratio = t_rev / t_fwd if grow == "outputs" else t_fwd / t_rev
        ratios[grow].append(ratio, x=size)

# NOTE: ad.jvp is exact but not a separate engine: it transposes reverse mode (a recorded
# backward pass, then one more backward pass through it), so one jvp costs a few backward
# passes. The counts above are the point; the crossover sits where the counts differ by that
# factor, not at n = m.
print("forward and reverse mode gave the same Jacobians" if agreed else "the Jacobians DIFFER")
print("forward mode's cost grows with the inputs, reverse mode's with the outputs")
