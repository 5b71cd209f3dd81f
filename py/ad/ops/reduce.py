"""Reductions (sum, mean, max, min) and the numerically stable softmax / log_softmax.

A reduction's backward spreads the gradient back over the axes it reduced.
"""
import numpy as np

from ..core import Function, Tensor


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
    """Broadcast a reduction's gradient back to the input's shape (a read-only view)."""
    if not keepdims:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


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
        hit = x.data == _spread(out.data, x.data.shape, axes, self.keepdims)
        share = hit / hit.sum(axis=axes, keepdims=True)
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
        return (grad - np.exp(out.data) * grad.sum(axis=self.axis, keepdims=True),)


Tensor.sum = lambda self, axis=None, keepdims=False: Sum(axis, keepdims)(self)
Tensor.mean = lambda self, axis=None, keepdims=False: Mean(axis, keepdims)(self)
Tensor.max = lambda self, axis=None, keepdims=False: Max(axis, keepdims)(self)
Tensor.min = lambda self, axis=None, keepdims=False: Min(axis, keepdims)(self)
Tensor.softmax = lambda self, axis=-1: Softmax(axis)(self)
Tensor.log_softmax = lambda self, axis=-1: LogSoftmax(axis)(self)
