# Gradients of gradients: write Newton's method, a Hessian-vector product, and a Function
# that differentiates twice.
import numpy as np

import ad
from ad import Function, Variable


def newton(f, x0, steps):
    """Newton's iterates for a minimum of f: [x0, x1, ..., x_steps], floats."""
    xs = [float(x0)]
    return xs  # TODO: steps more, each x - f'(x) / f''(x)


def hvp(f, x, v):
    """H v, H the Hessian of scalar f at x: the gradient of grad f(x) . v (two passes)."""
    return ad.tensor(np.zeros(np.shape(x)))  # TODO


class Softplus(Function):
    """log(1 + e^x), elementwise."""

    def forward(self, x):
        return Variable(np.logaddexp(0, x.data))  # NOTE: stable for large |x|

    def backward(self, x, grad):
        x.grad += grad / (1 + np.exp(-x.data))  # TODO: .data is invisible to a second pass


def f(x):
    return ad.cosh(x - 1.5) + 0.3 * (x - 1.5) ** 2  # its minimum is at 1.5


for k, x in enumerate(newton(f, x0=-1.0, steps=6)):
    print(f"x{k} = {x:.15f}   error {abs(x - 1.5):.1e}")

x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 0.0])
print("H v   :", np.round(hvp(lambda x: (x ** 4).sum() + x[0] * x[1], x, v).data, 6))
try:
    second = ad.elementwise_grad(ad.elementwise_grad(lambda x: Softplus()(x)))(x)
except ad.BackwardError as e:
    print(str(e).splitlines()[0])
    second = ad.tensor(np.full(3, np.nan))
s = 1 / (1 + np.exp(-x))
print("softplus'' =", np.round(second.data, 6), " expected sigma (1 - sigma) =",
      np.round(s * (1 - s), 6))
