"""Elementwise ops: arithmetic with broadcasting, unary maths, maximum/minimum/where/clip.

Each backward sits under its forward; binary ops sum gradients back with `unbroadcast`. The
vjps are written for arrays and Tensors alike (see `ad.ops`), so they differentiate again.
"""
import numpy as np

from ..core import Function, Tensor, _grad_dtype, unbroadcast
from . import xp


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
        xd, yd = x.data, y.data
        # NOTE: 0 ** negative is inf: the products below may meet inf * 0; their NaN is the
        # answer (no derivative there), not a warning.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if x.requires_grad:  # d(x**y)/dx = y * x**(y-1)
                # NOTE: in float (integer bases reject negative integer powers), and 0 where
                # y == 0: x**0 is constant, though 0 * 0**-1 would give NaN at x == 0. The
                # base is replaced there too, so a second derivative meets no 0**-2 either.
                xf = xd.astype(grad.dtype, copy=False)
                y0 = xp.value(yd) == 0
                if y0.any():
                    dx = xp.where(y0, 0, yd * xp.where(y0, 1, xf) ** (yd - 1))
                else:
                    dx = yd * xf ** (yd - 1)
                gx = unbroadcast(grad * dx, xd.shape)
            if y.requires_grad:  # d(x**y)/dy = x**y * log(x)
                # NOTE: 0 where x == 0 (the limit for y > 0), NaN for x < 0, where the real
                # power has no derivative in y. NaN is reported, not hidden.
                logx = xp.log(xp.where(xp.value(xd) == 0, 1, xd))
                gy = unbroadcast(grad * out.data * logx, yd.shape)
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
        return (grad * np.sign(xp.value(x.data)),)


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
        wx = ((x.data > y.data) + 0.5 * (x.data == y.data)).astype(grad.dtype)
        return unbroadcast(grad * wx, x.data.shape), unbroadcast(grad * (1 - wx), y.data.shape)


class Minimum(_Binary):
    symbol = "minimum"

    def forward(self, x, y):
        return np.minimum(x.data, y.data)

    def vjp(self, out, grad, x, y):
        wx = ((x.data < y.data) + 0.5 * (x.data == y.data)).astype(grad.dtype)
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
        return (unbroadcast(xp.where(self.cond, grad, zero), a.data.shape),
                unbroadcast(xp.where(self.cond, zero, grad), b.data.shape))


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


class Sign(Function):
    def forward(self, x):
        return np.sign(x.data)

    def vjp(self, out, grad, x):  # piecewise constant: no gradient
        return (None,)


class AsType(Function):
    """x.astype(dtype) to another float (or complex) type; the gradient is cast back."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.data.astype(self.dtype)

    def vjp(self, out, grad, x):
        return (grad.astype(_grad_dtype(x.data.dtype)),)


def _astype(self, dtype, copy=True):
    """numpy's astype: to a float type a differentiable cast; to an integer or boolean type a
    constant (rounding has no gradient)."""
    dtype = np.dtype(dtype)
    if dtype == self.data.dtype and not copy:
        return self
    if dtype.kind not in "fc":
        return Tensor(self.data.astype(dtype), requires_grad=False)
    return AsType(dtype)(self)


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
Tensor.sign = Sign()
Tensor.astype = _astype

maximum, minimum = Maximum(), Minimum()


def where(cond, a, b):
    """Elementwise `a if cond else b`, with gradients routed to the branch taken."""
    return Where(cond)(a, b)


# --- Unary maths (issue 13): each vjp in xp terms, so each differentiates again ---------------
# A constant factor is a Python float (LN2, not np.log(2)): a weak scalar keeps float32 float32.

LN2, LN10 = 0.6931471805599453, 2.302585092994046


class Sin(Function):
    def forward(self, x):
        return np.sin(x.data)

    def vjp(self, out, grad, x):
        return (grad * xp.cos(x.data),)


class Cos(Function):
    def forward(self, x):
        return np.cos(x.data)

    def vjp(self, out, grad, x):
        return (-grad * xp.sin(x.data),)


class Tan(Function):
    def forward(self, x):
        return np.tan(x.data)

    def vjp(self, out, grad, x):  # d tan = 1 + tan**2
        t = out.data
        return (grad * (1 + t * t),)


class Sinh(Function):
    def forward(self, x):
        return np.sinh(x.data)

    def vjp(self, out, grad, x):
        return (grad * xp.cosh(x.data),)


class Cosh(Function):
    def forward(self, x):
        return np.cosh(x.data)

    def vjp(self, out, grad, x):
        return (grad * xp.sinh(x.data),)


class Arcsin(Function):
    def forward(self, x):
        return np.arcsin(x.data)

    def vjp(self, out, grad, x):  # 1/sqrt(1 - x**2); infinite at |x| = 1, as the maths says
        xd = x.data
        with np.errstate(divide="ignore"):
            return (grad / xp.sqrt(1 - xd * xd),)


class Arccos(Function):
    def forward(self, x):
        return np.arccos(x.data)

    def vjp(self, out, grad, x):
        xd = x.data
        with np.errstate(divide="ignore"):
            return (-grad / xp.sqrt(1 - xd * xd),)


class Arctan(Function):
    def forward(self, x):
        return np.arctan(x.data)

    def vjp(self, out, grad, x):
        xd = x.data
        return (grad / (1 + xd * xd),)


class Arcsinh(Function):
    def forward(self, x):
        return np.arcsinh(x.data)

    def vjp(self, out, grad, x):
        xd = x.data
        return (grad / xp.sqrt(xd * xd + 1),)


class Arccosh(Function):
    def forward(self, x):
        return np.arccosh(x.data)

    def vjp(self, out, grad, x):  # defined for x >= 1, infinite at 1
        xd = x.data
        with np.errstate(divide="ignore"):
            return (grad / xp.sqrt(xd * xd - 1),)


class Arctanh(Function):
    def forward(self, x):
        return np.arctanh(x.data)

    def vjp(self, out, grad, x):
        xd = x.data
        with np.errstate(divide="ignore"):
            return (grad / (1 - xd * xd),)


class Log2(Function):
    def forward(self, x):
        return np.log2(x.data)

    def vjp(self, out, grad, x):
        return (grad / (x.data * LN2),)


class Log10(Function):
    def forward(self, x):
        return np.log10(x.data)

    def vjp(self, out, grad, x):
        return (grad / (x.data * LN10),)


class Log1p(Function):
    def forward(self, x):
        return np.log1p(x.data)

    def vjp(self, out, grad, x):
        return (grad / (1 + x.data),)


class Expm1(Function):
    def forward(self, x):
        return np.expm1(x.data)

    def vjp(self, out, grad, x):  # d expm1 = exp = expm1 + 1
        return (grad * (out.data + 1),)


class Exp2(Function):
    def forward(self, x):
        return np.exp2(x.data)

    def vjp(self, out, grad, x):
        return (grad * out.data * LN2,)


class Square(Function):
    def forward(self, x):
        return np.square(x.data)

    def vjp(self, out, grad, x):
        return (grad * 2 * x.data,)


class Reciprocal(Function):
    def forward(self, x):
        xd = x.data
        # NOTE: numpy's reciprocal of an integer array is integer division (1/2 -> 0); as
        # `1 / x`, integers give floats.
        return np.reciprocal(xd) if xd.dtype.kind in "fc" else 1 / xd

    def vjp(self, out, grad, x):  # -1/x**2 = -out**2
        r = out.data
        return (-grad * r * r,)


class _Constant(Function):
    """A piecewise-constant op (floor, ceil): its derivative is 0 wherever it exists."""

    def vjp(self, out, grad, x):
        return (None,)


class Floor(_Constant):
    def forward(self, x):
        return np.floor(x.data)


class Ceil(_Constant):
    def forward(self, x):
        return np.ceil(x.data)


class Mod(_Binary):
    """x % y with numpy's sign (that of y): x - floor(x / y) * y."""

    symbol = "%"

    def forward(self, x, y):
        return np.mod(x.data, y.data)

    def vjp(self, out, grad, x, y):  # d/dx = 1, d/dy = -floor(x / y) (a constant)
        gy = None
        if y.requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):  # NOTE: y == 0 gives NaN
                q = np.floor_divide(xp.value(x.data), xp.value(y.data))
            gy = unbroadcast(-grad * q.astype(grad.dtype, copy=False), y.data.shape)
        return unbroadcast(grad, x.data.shape) if x.requires_grad else None, gy


class Logaddexp(_Binary):
    symbol = "logaddexp"

    def forward(self, x, y):
        return np.logaddexp(x.data, y.data)

    def vjp(self, out, grad, x, y):  # d/dx = exp(x - out), a softmax weight: never overflows
        o = out.data
        return (unbroadcast(grad * xp.exp(x.data - o), x.data.shape) if x.requires_grad else None,
                unbroadcast(grad * xp.exp(y.data - o), y.data.shape) if y.requires_grad else None)


class Arctan2(_Binary):
    """arctan2(y, x): the angle of the point (x, y); its gradient at the origin is 0."""

    symbol = "arctan2"

    def forward(self, y, x):
        return np.arctan2(y.data, x.data)

    def vjp(self, out, grad, y, x):  # d/dy = x / r**2, d/dx = -y / r**2
        yd, xd = y.data, x.data
        r2 = xd * xd + yd * yd
        # NOTE: no derivative at the origin (0/0): 0 there, as PyTorch 2.13 gives.
        zero = xp.value(r2) == 0
        g = xp.where(zero, 0, grad / xp.where(zero, 1, r2)) if zero.any() else grad / r2
        return (unbroadcast(g * xd, yd.shape) if y.requires_grad else None,
                unbroadcast(-g * yd, xd.shape) if x.requires_grad else None)


class Hypot(_Binary):
    symbol = "hypot"

    def forward(self, x, y):
        return np.hypot(x.data, y.data)

    def vjp(self, out, grad, x, y):  # d/dx = x / out
        with np.errstate(divide="ignore", invalid="ignore"):  # NOTE: no derivative at the origin
            g = grad / out.data
            return (unbroadcast(g * x.data, x.data.shape) if x.requires_grad else None,
                    unbroadcast(g * y.data, y.data.shape) if y.requires_grad else None)


_UNARY = {"sin": Sin, "cos": Cos, "tan": Tan, "sinh": Sinh, "cosh": Cosh, "arcsin": Arcsin,
          "arccos": Arccos, "arctan": Arctan, "arcsinh": Arcsinh, "arccosh": Arccosh,
          "arctanh": Arctanh, "log2": Log2, "log10": Log10, "log1p": Log1p, "expm1": Expm1,
          "exp2": Exp2, "square": Square, "reciprocal": Reciprocal, "floor": Floor,
          "ceil": Ceil}
for _name, _cls in _UNARY.items():
    setattr(Tensor, _name, _cls())
Tensor.__floor__, Tensor.__ceil__ = Tensor.floor, Tensor.ceil

_mod = Mod()
Tensor.__mod__ = _mod
Tensor.__rmod__ = lambda self, other: _mod(other, self)
logaddexp, arctan2, hypot, mod = Logaddexp(), Arctan2(), Hypot(), _mod


def _unary_function(name):
    def f(x):
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x), requires_grad=False)
        return getattr(x, name)()

    f.__name__ = name
    f.__doc__ = f"Elementwise numpy.{name} of a Tensor, array or number."
    return f


(sin, cos, tan, sinh, cosh, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, log2, log10,
 log1p, expm1, exp2, square, reciprocal, floor, ceil, exp, log, sqrt, tanh, absolute, sign) = (
    _unary_function(n) for n in (*_UNARY, "exp", "log", "sqrt", "tanh", "abs", "sign"))
absolute.__name__ = "absolute"  # NOTE: not `abs` here: that would hide the builtin in this module
