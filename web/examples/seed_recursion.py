# Why the seed's backward is slow: y = y*y + y, d times.
#
# The seed's backward recurses: a node pushes its gradient into its inputs, then calls each
# input's backward, every time the recursion reaches it. Here y_k feeds y_(k+1) three times
# (twice through y*y, once through + y), so y_k is reached once per path from the output:
# 3^(d-k) times, and 3^d - 1 op backwards run in all. The answer is right (each visit pushes what
# arrived since the last one, then resets), but the cost is exponential in d. ad orders the graph
# once and runs each node's backward once, after all its consumers have added their parts.
from collections import Counter

import numpy as np

import ad
from ad import tensor
from playground import show_backward


# ---- the seed's 16 lines, as written (renamed, so they do not clash with ad's) ----
class SeedVariable:
    def __init__(self, data, terminal=False):
        self.data = np.array(data)
        self.grad = np.zeros_like(self.data)
        self.terminal = terminal
        self.backward = int


class SeedFunction:
    def __call__(self, *variables):
        result = self.forward(*variables)

        def backward(grad=1):
            self.backward(*variables, grad + result.grad)
            for variable in variables:
                variable.backward(0)
            result.grad *= result.terminal

        result.backward = backward
        return result


runs = Counter()  # how often each op's backward ran


class SeedMul(SeedFunction):
    def forward(self, x, y):
        return SeedVariable(x.data * y.data)

    def backward(self, x, y, grad):
        runs["Mul"] += 1
        x.grad += grad * y.data
        y.grad += grad * x.data


class SeedAdd(SeedFunction):
    def forward(self, x, y):
        return SeedVariable(x.data + y.data)

    def backward(self, x, y, grad):
        runs["Add"] += 1
        x.grad += grad
        y.grad += grad


def seed_backward(x0, d):
    """Run the seed's backward on the chain. Returns how often the recursion reached each y_k
    (x is y_0), how many op backwards ran, and dy_d/dx."""
    mul, add = SeedMul(), SeedAdd()
    x = SeedVariable(x0, terminal=True)
    ys, y = [x], x
    for _ in range(d):
        y = add(mul(y, y), y)
        ys.append(y)
    reached = Counter()
    for k, v in enumerate(ys):  # count each call of v.backward, then do what it did
        def counted(grad=1, k=k, inner=v.backward):
            reached[k] += 1
            return inner(grad)

        v.backward = counted
    runs.clear()
    y.backward()
    return reached, sum(runs.values()), float(x.grad)


def ad_chain(x, d):
    """[x, y1, ..., yd] with y_k = y_(k-1) * y_(k-1) + y_(k-1), recorded by ad."""
    ys = [x]
    for k in range(1, d + 1):
        y = ys[-1]
        y = y * y + y
        y.name = f"y{k}"
        ys.append(y)
    return ys


x0 = -0.3  # y stays in (-0.3, 0): no overflow however long the chain
d = 4
reached, _, seed_grad = seed_backward(x0, d)
ys = ad_chain(tensor(x0, name="x"), d)
r = ad.replay(ys[-1])
steps = Counter(step.node for step in r.steps)  # ad's walk: one step per op backward it ran
print(f"d = {d}: how often the backward walk reaches each y_k (x = y0)")
print(f"{'node':>5} | {'seed':>5} | ad")
for k in range(d, -1, -1):
    ad_visits = steps[r.id(ys[k])] if k else "- (a leaf: it only receives)"
    print(f"{ys[k].name:>5} | {reached[k]:>5} | {ad_visits}")
ad_grad = float(r.grad(ys[0]))
same = "the same answer" if np.isclose(seed_grad, ad_grad) else "DIFFERENT answers"
print(f"dy{d}/dx: seed {seed_grad:.6g}, ad {ad_grad:.6g}: {same}, at very different costs")

# Totals: how many op backwards run (the 2d op nodes: each y_k and the y*y inside it).
# The seed's is the closed form 3^d - 1, checked against the real recursion while that is cheap.
print()
print(f"{'d':>3} | {'op nodes':>8} | {'ad backward runs':>16} | {'seed backward runs':>18} | "
      "seed, counted")
agree = True
for d in range(1, 16):
    ad_runs = len(ad.replay(ad_chain(tensor(x0), d)[-1]).steps)
    seed_runs = 3**d - 1
    counted = "-"
    if d <= 8:
        runs_counted = seed_backward(x0, d)[1]
        agree &= runs_counted == seed_runs
        counted = f"{runs_counted:,}"
    print(f"{d:>3} | {2 * d:>8} | {ad_runs:>16} | {seed_runs:>18,} | {counted}")
print("the closed form 3^d - 1 matches the counted recursion" if agree
      else "the closed form DIFFERS from the counted recursion")

# Step through d = 3 (Next step, or the arrow keys): at each y_k the sum builds up from three
# parts, one from "+ y" and two from "y * y", before y_k's own backward runs once.
show_backward(ad_chain(tensor(1.0, name="x"), 3)[-1], title="y = y*y + y, three times")
