# Write a gradient checker, then use it to find the bug in SiLU.backward.
import numpy as np

from ad import Function, Variable, tensor


def numerical_grad(f, x, h=1e-6):
    """d f / d x by central differences: an array of x's shape (f(x) is a number)."""
    grad = np.zeros_like(x)
    return grad  # TODO: (f(x + h e_i) - f(x - h e_i)) / (2h) for every element i


def relative_error(a, b):
    """The largest |a - b| / max(|a|, |b|) over the elements; 0/0 counts as 0."""
    return 0.0  # TODO


class SiLU(Function):
    """x * sigmoid(x), elementwise."""

    def forward(self, x):
        return Variable(x.data / (1 + np.exp(-x.data)))

    def backward(self, x, grad):
        s = 1 / (1 + np.exp(-x.data))
        x.grad += grad * s * (1 + x.data * s)  # a bug: your checker finds it


x = np.random.default_rng(0).normal(size=6)
t = tensor(x)
SiLU()(t).backward()  # upstream ones: the gradient of the sum
numeric = numerical_grad(lambda a: float(SiLU()(tensor(a)).data.sum()), x.copy())
print("analytic ", np.round(t.grad, 6))
print("numerical", np.round(numeric, 6))
print(f"relative error {relative_error(t.grad, numeric):.2e}  (about 1e-7 or less: right)")
