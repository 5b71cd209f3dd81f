"""Ops that move values without changing them: reshape, transpose, indexing, concatenate,
stack, broadcast_to, and matrix multiplication with numpy.matmul semantics.
"""
import numpy as np

from ..core import Function, Tensor, unbroadcast
from . import xp


class Reshape(Function):
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.data.reshape(self.shape)

    def vjp(self, out, grad, x):
        return (grad.reshape(x.data.shape),)


class Transpose(Function):
    __slots__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = axes  # None reverses the axes, as numpy's .T does

    def forward(self, x):
        return x.data.transpose(self.axes)

    def vjp(self, out, grad, x):
        if self.axes is None:
            return (grad.transpose(),)
        return (grad.transpose(tuple(np.argsort([a % x.data.ndim for a in self.axes]).tolist())),)


def _is_basic(index):
    """Slices, integers, None and ... select each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               and not isinstance(p, bool) for p in parts)


def _index_add(shape, index, values):
    g = np.zeros(shape, values.dtype)
    if _is_basic(index):
        g[index] = values
    else:
        np.add.at(g, index, values)  # repeated integer indices accumulate
    return g


class Index(Function):
    __slots__ = ("index",)

    def __init__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        self.index = index

    def forward(self, x):
        return x.data[self.index]

    def vjp(self, out, grad, x):
        return (xp.index_add(x.data.shape, self.index, grad),)


class IndexAdd(Function):
    """Zeros of `shape` with the input added at `index` (repeats accumulate): the transpose of
    indexing, so that the gradient of `x[index]` can be differentiated again."""

    __slots__ = ("index", "shape")

    def __init__(self, index, shape):
        self.index, self.shape = index, tuple(shape)

    def forward(self, values):
        return _index_add(self.shape, self.index, values.data)

    def vjp(self, out, grad, values):
        return (grad[self.index],)


class BroadcastTo(Function):
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return np.broadcast_to(x.data, self.shape)  # a read-only view: ops never write into it

    def vjp(self, out, grad, x):
        return (unbroadcast(grad, x.data.shape),)


def broadcast_to(x, shape):
    """`x` repeated along new leading axes and axes of size 1 to `shape` (numpy.broadcast_to)."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return BroadcastTo(shape)(x)


class Concatenate(Function):
    __slots__ = ("axis",)

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate([x.data for x in xs], axis=self.axis)

    def vjp(self, out, grad, *xs):  # cut grad where the inputs were joined
        cuts = np.cumsum([x.data.shape[self.axis] for x in xs[:-1]])
        return tuple(xp.split(grad, cuts, self.axis))


class Stack(Function):
    __slots__ = ("axis",)

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack([x.data for x in xs], axis=self.axis)

    def vjp(self, out, grad, *xs):  # (..., n, ...) -> n grads of each input's shape
        return xp.unstack(grad, self.axis)


class MatMul(Function):
    """x @ y with numpy.matmul semantics: 1-D operands, 2-D, and batched N-D."""

    def forward(self, x, y):
        return x.data @ y.data  # (..., N, K) @ (..., K, M) -> (..., N, M)

    def vjp(self, out, grad, x, y):
        a, b = x.data, y.data
        if b.ndim == 1:  # (K,) was treated as (K, 1); out lost that last axis
            b, grad = b[:, None], grad[..., None]
        if a.ndim == 1:  # (K,) was treated as (1, K); out lost that axis
            a, grad = a[None, :], grad[..., None, :]
        gx = gy = None
        if x.requires_grad:  # (..., N, M) @ (..., M, K) -> (..., N, K)
            gx = unbroadcast(grad @ b.swapaxes(-1, -2), a.shape).reshape(x.data.shape)
        if y.requires_grad:  # (..., K, N) @ (..., N, M) -> (..., K, M)
            gy = unbroadcast(a.swapaxes(-1, -2) @ grad, b.shape).reshape(y.data.shape)
        return gx, gy

    def _forward_error(self, inputs, exc):
        a, b = (t.data.shape for t in inputs)
        if not isinstance(exc, ValueError):
            return None
        if len(a) == 0 or len(b) == 0:
            return ValueError(f"MatMul (`@`): shapes {a} and {b}: @ needs at least one axis on "
                              "each side. Hint: use * to multiply by a scalar")
        k1, k2 = a[-1], (b[0] if len(b) == 1 else b[-2])
        if k1 != k2:
            return ValueError(
                f"MatMul (`@`): shapes {a} and {b} are not aligned: the last axis of the left "
                f"({k1}) must equal the {'only' if len(b) == 1 else 'second-to-last'} axis of "
                f"the right ({k2}). Hint: transpose an operand (.T) or check its shape")
        return ValueError(f"MatMul (`@`): the batch axes of shapes {a} and {b} do not "
                          "broadcast together. Hint: reshape one operand's leading axes")


_matmul = MatMul()
Tensor.__matmul__ = _matmul
Tensor.__rmatmul__ = lambda self, other: _matmul(other, self)
Tensor.matmul = _matmul


def _reshape(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape(shape)(self)


def _transpose(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list, np.ndarray)):
        axes = tuple(axes[0])
    return Transpose(axes or None)(self)


def _swapaxes(self, axis1, axis2):
    axes = list(range(self.data.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose(tuple(axes))(self)


Tensor.reshape = _reshape
Tensor.transpose = _transpose
Tensor.swapaxes = _swapaxes
Tensor.T = property(lambda self: Transpose(None)(self))
Tensor.__getitem__ = lambda self, index: Index(index)(self)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (numpy.concatenate)."""
    return Concatenate(axis)(*tensors)


def stack(tensors, axis=0):
    """Join tensors along a new axis (numpy.stack)."""
    return Stack(axis)(*tensors)
