"""Reductions (sum, mean, max, min) and the numerically stable softmax / log_softmax.

A reduction's backward spreads the gradient back over the axes it reduced.
"""
import numpy as np

from ..core import Function, Tensor
from . import xp


def _axes(axis, ndim):
    """`axis` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    axes = []
    for a in axis:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimension(s)")
        axes.append(int(a) % ndim)
    return tuple(sorted(axes))


def _spread(grad, shape, axes, keepdims):
    """Broadcast a reduction's gradient back to the input's shape (for an array, a read-only
    view)."""
    if not keepdims:
        grad = xp.expand_dims(grad, axes)
    return xp.broadcast_to(grad, shape)


class _Reduce(Function):
    __slots__ = ("axis", "keepdims")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims


class Sum(_Reduce):
    def forward(self, x):
        return x.data.sum(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, out, grad, x):
        return (_spread(grad, x.data.shape, _axes(self.axis, x.data.ndim), self.keepdims),)


class Mean(_Reduce):
    def forward(self, x):
        return x.data.mean(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, out, grad, x):
        axes = _axes(self.axis, x.data.ndim)
        n = 1
        for a in axes:
            n *= x.data.shape[a]
        return (_spread(grad / n, x.data.shape, axes, self.keepdims),)


class Max(_Reduce):
    def forward(self, x):
        return x.data.max(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, out, grad, x):  # ties share the gradient evenly
        axes = _axes(self.axis, x.data.ndim)
        xv, top = xp.value(x.data), xp.value(out.data)  # where the max is: no gradient
        hit = xv == _spread(top, xv.shape, axes, self.keepdims)
        share = (hit / hit.sum(axis=axes, keepdims=True)).astype(grad.dtype, copy=False)
        return (_spread(grad, x.data.shape, axes, self.keepdims) * share,)


class Min(Max):
    def forward(self, x):
        return x.data.min(axis=self.axis, keepdims=self.keepdims)


def _softmax(z, axis):
    # NOTE: subtracting the max keeps exp from overflowing; the result is unchanged.
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)  # the same shift as _softmax
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


class Softmax(Function):
    __slots__ = ("axis",)

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        return _softmax(x.data, self.axis)

    def vjp(self, out, grad, x):  # J^T g = s * (g - <g, s>) along the axis
        s = out.data
        return (s * (grad - (grad * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Softmax):
    def forward(self, x):
        return _log_softmax(x.data, self.axis)

    def vjp(self, out, grad, x):  # g - softmax * sum(g) along the axis
        return (grad - xp.exp(out.data) * grad.sum(axis=self.axis, keepdims=True),)


Tensor.sum = lambda self, axis=None, keepdims=False: Sum(axis, keepdims)(self)
Tensor.mean = lambda self, axis=None, keepdims=False: Mean(axis, keepdims)(self)
Tensor.max = lambda self, axis=None, keepdims=False: Max(axis, keepdims)(self)
Tensor.min = lambda self, axis=None, keepdims=False: Min(axis, keepdims)(self)
Tensor.softmax = lambda self, axis=-1: Softmax(axis)(self)
Tensor.log_softmax = lambda self, axis=-1: LogSoftmax(axis)(self)


# --- More reductions (issue 13) ----------------------------------------------------------------

def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Prod(_Reduce):
    def forward(self, x):
        return x.data.prod(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, out, grad, x):  # d prod / d x_i = the product of the others
        axes = _axes(self.axis, x.data.ndim)
        xd, g = x.data, _spread(grad, x.data.shape, axes, self.keepdims)
        if (xp.value(xd) != 0).all():
            return (g * _spread(out.data, xd.shape, axes, self.keepdims) / xd,)
        # NOTE: out / x is 0/0 where x has a zero: take the product of the others outright.
        # Move the reduced axes last as one axis of n, then mask each element out in turn
        # ((..., n, n) values; only when a zero occurs).
        rest = [a for a in range(xd.ndim) if a not in axes]
        moved = xd.transpose(rest + list(axes))
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))  # (..., n)
        n = flat.shape[-1]
        eye = np.eye(n, dtype=bool)
        others = xp.where(eye, 1, xp.expand_dims(flat, -2)).prod(axis=-1)  # (..., n)
        back = others.reshape(moved.shape).transpose(tuple(np.argsort(rest + list(axes))))
        return (g * back,)


class Var(_Reduce):
    __slots__ = ("ddof",)

    def __init__(self, axis=None, keepdims=False, ddof=0):
        super().__init__(axis, keepdims)
        self.ddof = ddof

    def forward(self, x):
        return x.data.var(axis=self.axis, keepdims=self.keepdims, ddof=self.ddof)

    def vjp(self, out, grad, x):  # 2 (x - mean) / (n - ddof)
        axes = _axes(self.axis, x.data.ndim)
        xd = x.data
        d = xd - xd.mean(axis=axes, keepdims=True)
        dof = _count(xd.shape, axes) - self.ddof
        scale = 2.0 / dof if dof > 0 else float("nan")  # numpy's var is inf/NaN there too
        return (_spread(grad * scale, xd.shape, axes, self.keepdims) * d,)


class Std(Var):
    def forward(self, x):
        return x.data.std(axis=self.axis, keepdims=self.keepdims, ddof=self.ddof)

    def vjp(self, out, grad, x):  # (x - mean) / ((n - ddof) std)
        axes = _axes(self.axis, x.data.ndim)
        xd, o = x.data, out.data
        d = xd - xd.mean(axis=axes, keepdims=True)
        dof = _count(xd.shape, axes) - self.ddof
        if dof <= 0:  # NOTE: no degrees of freedom: std is inf or NaN, and so its gradient
            return (_spread(grad * float("nan"), xd.shape, axes, self.keepdims) * d,)
        # NOTE: where the spread is 0 (a group of one, equal values) std has no derivative
        # (0/0): 0 there, as PyTorch 2.13 gives; exact for a group of one, where std is constant.
        zero = xp.value(o) == 0
        if zero.any():
            g = xp.where(zero, 0, grad / (xp.where(zero, 1, o) * dof))
        else:
            g = grad / (o * dof)
        return (_spread(g, xd.shape, axes, self.keepdims) * d,)


class LogSumExp(_Reduce):
    def forward(self, x):
        xd = x.data
        # NOTE: shifted by the max so exp cannot overflow; a max of +-inf shifts by 0.
        m = xd.max(axis=self.axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):  # log 0 = -inf for all -inf entries
            s = np.log(np.exp(xd - m).sum(axis=self.axis, keepdims=True)) + m
        return s if self.keepdims else s.reshape(np.sum(xd, axis=self.axis).shape)

    def vjp(self, out, grad, x):  # softmax(x) along the axes
        axes = _axes(self.axis, x.data.ndim)
        shape = x.data.shape
        return (_spread(grad, shape, axes, self.keepdims)
                * xp.exp(x.data - _spread(out.data, shape, axes, self.keepdims)),)


class Norm(_Reduce):
    """The 2-norm over `axis` (every element when None): sqrt(sum(x**2))."""

    def forward(self, x):
        xd = x.data
        return np.sqrt((xd * xd).sum(axis=self.axis, keepdims=self.keepdims))

    def vjp(self, out, grad, x):  # x / norm; 0 (a subgradient) where the norm is 0
        axes = _axes(self.axis, x.data.ndim)
        shape = x.data.shape
        o = out.data
        zero = xp.value(o) == 0
        safe = xp.where(zero, 1, o) if zero.any() else o
        return (_spread(grad / safe, shape, axes, self.keepdims) * x.data,)


class CumSum(Function):
    __slots__ = ("axis",)

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x.data, axis=self.axis)

    def vjp(self, out, grad, x):  # a reversed cumulative sum of grad
        if self.axis is None:  # numpy flattens first
            g = grad[::-1].cumsum()[::-1]
            return (g.reshape(x.data.shape),)
        rev = (slice(None),) * (self.axis % x.data.ndim) + (slice(None, None, -1),)
        return (grad[rev].cumsum(self.axis)[rev],)


def _check_ddof(ddof, name):
    if not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"{name}: ddof must be a non-negative integer, got {ddof!r}")
    return int(ddof)


# NOTE: ddof and keepdims are keyword-only: numpy's second positional argument is dtype (for
# argmax, out), so a positional call would silently mean something else.
def _var(self, axis=None, *, ddof=0, keepdims=False):
    """numpy's var: the mean squared deviation, divided by n - ddof."""
    return Var(axis, keepdims, _check_ddof(ddof, "var"))(self)


def _std(self, axis=None, *, ddof=0, keepdims=False):
    """numpy's std: sqrt(var); its gradient where the spread is 0 is 0, as in PyTorch."""
    return Std(axis, keepdims, _check_ddof(ddof, "std"))(self)


def _argfunc(name):
    def arg(self, axis=None, *, keepdims=False):
        return getattr(np, name)(self.data, axis=axis, keepdims=keepdims)

    arg.__doc__ = (f"numpy's {name}: integer positions, a plain array (positions have no "
                   "gradient).")
    return arg


Tensor.prod = lambda self, axis=None, *, keepdims=False: Prod(axis, keepdims)(self)
Tensor.var = _var
Tensor.std = _std
Tensor.cumsum = lambda self, axis=None: CumSum(axis)(self)
Tensor.argmax = _argfunc("argmax")
Tensor.argmin = _argfunc("argmin")


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x), requires_grad=False)


def prod(a, axis=None, *, keepdims=False):
    return _tensor(a).prod(axis, keepdims=keepdims)


def var(a, axis=None, *, ddof=0, keepdims=False):
    return _var(_tensor(a), axis, ddof=ddof, keepdims=keepdims)


def std(a, axis=None, *, ddof=0, keepdims=False):
    return _std(_tensor(a), axis, ddof=ddof, keepdims=keepdims)


def cumsum(a, axis=None):
    return _tensor(a).cumsum(axis)


def argmax(a, axis=None, *, keepdims=False):
    return np.argmax(a.data if isinstance(a, Tensor) else a, axis=axis, keepdims=keepdims)


def argmin(a, axis=None, *, keepdims=False):
    return np.argmin(a.data if isinstance(a, Tensor) else a, axis=axis, keepdims=keepdims)


def logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))) over `axis`, without overflow (scipy.special.logsumexp)."""
    return LogSumExp(axis, keepdims)(a)


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm for the 2-norm: of a vector over `axis` (an int), of all elements
    (`axis` None, as numpy's Frobenius norm), or over a tuple of axes (Frobenius)."""
    if ord not in (None, 2, "fro"):
        raise ValueError(f"norm: only the 2-norm (ord=None, 2 for vectors, 'fro') is "
                         f"supported, got ord={ord!r}. Hint: write others out, e.g. "
                         "abs(x).sum(axis) for ord=1")
    ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
    if ord == 2 and (ndim == 2 and axis is None or isinstance(axis, tuple) and len(axis) == 2):
        raise ValueError("norm: ord=2 of a matrix is its largest singular value, which is not "
                         "supported; ord=None (or 'fro') gives the Frobenius norm")
    return Norm(axis, keepdims)(x)
