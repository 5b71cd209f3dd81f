# expect-hint: float32
# A gradient checker: central differences in float64, and the relative error.
import numpy as np

from ad import Function, Variable, tensor


def numerical_grad(f, x, h=1e-6):
    """d f / d x by central differences: an array of x's shape (f(x) is a number)."""
    x = np.asarray(x, dtype=np.float32)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):  # every element, whatever the shape
        original = x[i]
        x[i] = original + h
        up = f(x)
        x[i] = original - h
        down = f(x)
        x[i] = original  # put it back
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    """The largest |a - b| / max(|a|, |b|) over the elements; 0/0 counts as 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    return float(np.max(np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0.0)))


class SiLU(Function):
    """x * sigmoid(x), elementwise."""

    def forward(self, x):
        return Variable(x.data / (1 + np.exp(-x.data)))

    def backward(self, x, grad):
        s = 1 / (1 + np.exp(-x.data))
        x.grad += grad * s * (1 + x.data * (1 - s))  # sigma + x sigma (1 - sigma)


x = np.random.default_rng(0).normal(size=6)
t = tensor(x)
SiLU()(t).backward()  # upstream ones: the gradient of the sum
numeric = numerical_grad(lambda a: float(SiLU()(tensor(a)).data.sum()), x.copy())
print("analytic ", np.round(t.grad, 6))
print("numerical", np.round(numeric, 6))
print(f"relative error {relative_error(t.grad, numeric):.2e}  (about 1e-7 or less: right)")
