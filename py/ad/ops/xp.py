"""The array namespace vjps are written in, so one rule serves both kinds of backward.

A first-order backward hands a vjp ndarrays: each function here is then numpy's own, at numpy's
speed. A create_graph backward hands it Tensors: each function is then the differentiable ad op,
so the vjp records a graph that can be differentiated again (HIPS autograd's idea: write each
derivative once, in functions both kinds of value support). Operators and the methods arrays
and Tensors share (`.sum(axis, keepdims=True)`, `.reshape`, `.transpose`, `.swapaxes`,
`.astype`, `.T`, indexing) need nothing from here.
"""
import numpy as np

from .. import ops  # NOTE: ops imports this module first; its ops are looked up at call time
from ..core import Tensor


def value(x):
    """The plain array of `x`, for what carries no gradient: masks, signs, argmax positions."""
    return x.data if isinstance(x, Tensor) else x


def exp(x):
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x):
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sqrt(x):
    return x.sqrt() if isinstance(x, Tensor) else np.sqrt(x)


def sin(x):
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x):
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def sinh(x):
    return x.sinh() if isinstance(x, Tensor) else np.sinh(x)


def cosh(x):
    return x.cosh() if isinstance(x, Tensor) else np.cosh(x)


def sigmoid(x):
    return x.sigmoid() if isinstance(x, Tensor) else ops.elementwise._sigmoid(x)


def softmax(x, axis):
    return x.softmax(axis) if isinstance(x, Tensor) else ops.reduce._softmax(x, axis)


def where(cond, a, b):
    """`a` where `cond` (a boolean array) holds, else `b`."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return ops.where(cond, a, b)
    return np.where(cond, a, b)


def broadcast_to(x, shape):
    return ops.broadcast_to(x, shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


def expand_dims(x, axis):
    if isinstance(x, Tensor):
        return x.reshape(_expanded_shape(x.data.shape, axis))
    return np.expand_dims(x, axis)


def _expanded_shape(shape, axis):
    return np.expand_dims(np.broadcast_to(np.zeros((), bool), shape), axis).shape


def split(x, cuts, axis):
    """`x` cut before each index in `cuts` along `axis` (numpy.split with indices)."""
    if not isinstance(x, Tensor):
        return np.split(x, cuts, axis=axis)
    lead = (slice(None),) * (axis % x.ndim)
    bounds = [0, *(int(c) for c in cuts), x.shape[axis]]
    return [x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:])]


def unstack(x, axis):
    """The slices of `x` along `axis`, each without that axis."""
    if not isinstance(x, Tensor):
        return tuple(np.moveaxis(x, axis, 0))
    lead = (slice(None),) * (axis % x.ndim)
    return tuple(x[lead + (i,)] for i in range(x.shape[axis]))


def index_add(shape, index, values):
    """Zeros of `shape` with `values` added at `index`, repeated indices accumulating: the
    transpose of `x[index]` (numpy's np.add.at)."""
    if isinstance(values, Tensor):
        return ops.IndexAdd(index, shape)(values)
    return ops.shape._index_add(shape, index, values)
