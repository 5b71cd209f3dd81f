"""Elementwise ops: arithmetic with broadcasting, unary maths, maximum/minimum/where/clip.

Each backward sits under its forward; binary ops sum gradients back with `unbroadcast`.
"""
import numpy as np

from ..core import Function, Tensor, unbroadcast


class _Binary(Function):
    """A broadcasting binary op; names itself and both shapes when they do not broadcast."""

    __slots__ = ()
    symbol = "?"

    def _forward_error(self, inputs, exc):
        if isinstance(exc, ValueError) and "broadcast" in str(exc):
            a, b = (t.data.shape for t in inputs[:2])
            return ValueError(
                f"{type(self).__name__} (`{self.symbol}`): shapes {a} and {b} do not broadcast "
                "together. Broadcasting aligns shapes from the right and each pair of sizes must "
                "be equal or 1. Hint: reshape one operand (e.g. .reshape(-1, 1)) or check the "
                "axis you meant")
        return None


class Add(_Binary):
    symbol = "+"

    def forward(self, x, y):
        return x.data + y.data

    def vjp(self, out, grad, x, y):  # grad: out's shape, the broadcast of x's and y's
        return unbroadcast(grad, x.data.shape), unbroadcast(grad, y.data.shape)


class Sub(_Binary):
    symbol = "-"

    def forward(self, x, y):
        return x.data - y.data

    def vjp(self, out, grad, x, y):
        return unbroadcast(grad, x.data.shape), unbroadcast(-grad, y.data.shape)


class Mul(_Binary):
    symbol = "*"

    def forward(self, x, y):
        return x.data * y.data

    def vjp(self, out, grad, x, y):
        return (unbroadcast(grad * y.data, x.data.shape) if x.requires_grad else None,
                unbroadcast(grad * x.data, y.data.shape) if y.requires_grad else None)


class Div(_Binary):
    symbol = "/"

    def forward(self, x, y):
        return x.data / y.data

    def vjp(self, out, grad, x, y):  # d(x/y)/dy = -x/y**2 = -out/y
        gx = grad / y.data
        return (unbroadcast(gx, x.data.shape) if x.requires_grad else None,
                unbroadcast(-gx * out.data, y.data.shape) if y.requires_grad else None)


class Pow(_Binary):
    symbol = "**"

    def forward(self, x, y):
        return x.data ** y.data

    def vjp(self, out, grad, x, y):
        gx = gy = None
        if x.requires_grad:
            # NOTE: in float (integer bases reject negative integer powers), and 0 where y == 0:
            # x**0 is constant, though 0 * 0**-1 would give NaN at x == 0.
            xf = x.data.astype(grad.dtype, copy=False)
            with np.errstate(divide="ignore", invalid="ignore"):
                dx = np.where(y.data == 0, 0.0, y.data * xf ** (y.data - 1))
            gx = unbroadcast(grad * dx, x.data.shape)
        if y.requires_grad:
            # NOTE: d(x**y)/dy = out * log(x): 0 where x == 0 (the limit for y > 0), NaN for
            # x < 0, where the real power has no derivative in y. NaN is reported, not hidden.
            with np.errstate(invalid="ignore", divide="ignore"):
                logx = np.log(np.where(x.data == 0, 1, x.data))
            gy = unbroadcast(grad * out.data * logx, y.data.shape)
        return gx, gy


class Neg(Function):
    def forward(self, x):
        return -x.data

    def vjp(self, out, grad, x):
        return (-grad,)


class Exp(Function):
    def forward(self, x):
        return np.exp(x.data)

    def vjp(self, out, grad, x):
        return (grad * out.data,)


class Log(Function):
    def forward(self, x):
        return np.log(x.data)

    def vjp(self, out, grad, x):
        return (grad / x.data,)


class Sqrt(Function):
    def forward(self, x):
        return np.sqrt(x.data)

    def vjp(self, out, grad, x):
        return (grad * 0.5 / out.data,)


class Abs(Function):
    def forward(self, x):
        return np.abs(x.data)

    def vjp(self, out, grad, x):  # the subgradient 0 at x == 0
        return (grad * np.sign(x.data),)


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x.data)

    def vjp(self, out, grad, x):
        t = out.data
        return (grad * (1 - t * t),)


def _sigmoid(x):
    # NOTE: 1/(1+exp(-x)) overflows exp for x << 0; the tanh form is stable everywhere.
    return 0.5 * (np.tanh(0.5 * x) + 1)


class Sigmoid(Function):
    def forward(self, x):
        return _sigmoid(x.data)

    def vjp(self, out, grad, x):
        s = out.data
        return (grad * s * (1 - s),)


class ReLU(Function):
    def forward(self, x):
        return np.maximum(x.data, 0)

    def vjp(self, out, grad, x):
        return (grad * (x.data > 0),)


class Maximum(_Binary):
    symbol = "maximum"

    def forward(self, x, y):
        return np.maximum(x.data, y.data)

    def vjp(self, out, grad, x, y):  # ties split the gradient evenly
        wx = (x.data > y.data) + 0.5 * (x.data == y.data)
        return unbroadcast(grad * wx, x.data.shape), unbroadcast(grad * (1 - wx), y.data.shape)


class Minimum(_Binary):
    symbol = "minimum"

    def forward(self, x, y):
        return np.minimum(x.data, y.data)

    def vjp(self, out, grad, x, y):
        wx = (x.data < y.data) + 0.5 * (x.data == y.data)
        return unbroadcast(grad * wx, x.data.shape), unbroadcast(grad * (1 - wx), y.data.shape)


class Where(_Binary):
    """where(cond, a, b): cond is plain boolean data (no gradient)."""

    __slots__ = ("cond",)
    symbol = "where"

    def __init__(self, cond):
        self.cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond, dtype=bool)

    def forward(self, a, b):
        return np.where(self.cond, a.data, b.data)

    def vjp(self, out, grad, a, b):
        zero = np.zeros((), grad.dtype)
        return (unbroadcast(np.where(self.cond, grad, zero), a.data.shape),
                unbroadcast(np.where(self.cond, zero, grad), b.data.shape))


class Clip(Function):
    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x.data, self.lo, self.hi)

    def vjp(self, out, grad, x):  # the gradient passes where x is inside [lo, hi]
        inside = np.ones(x.data.shape, bool)
        if self.lo is not None:
            inside &= x.data >= self.lo
        if self.hi is not None:
            inside &= x.data <= self.hi
        return (grad * inside,)


_add, _sub, _mul, _div, _pow = Add(), Sub(), Mul(), Div(), Pow()

# Operators attached by assignment, as in the seed. Add and Mul commute, so the reflected
# forms (`2 + x`) can reuse them; the others swap their operands.
Tensor.__add__ = Tensor.__radd__ = _add
Tensor.__mul__ = Tensor.__rmul__ = _mul
Tensor.__sub__ = _sub
Tensor.__truediv__ = _div
Tensor.__pow__ = _pow
Tensor.__rsub__ = lambda self, other: _sub(other, self)
Tensor.__rtruediv__ = lambda self, other: _div(other, self)
Tensor.__rpow__ = lambda self, other: _pow(other, self)
Tensor.__neg__ = Neg()
Tensor.__pos__ = lambda self: self
Tensor.exp = Exp()
Tensor.log = Log()
Tensor.sqrt = Sqrt()
Tensor.abs = Tensor.__abs__ = Abs()
Tensor.tanh = Tanh()
Tensor.sigmoid = Sigmoid()
Tensor.relu = ReLU()
Tensor.clip = lambda self, lo=None, hi=None: Clip(lo, hi)(self)

maximum, minimum = Maximum(), Minimum()


def where(cond, a, b):
    """Elementwise `a if cond else b`, with gradients routed to the branch taken."""
    return Where(cond)(a, b)
