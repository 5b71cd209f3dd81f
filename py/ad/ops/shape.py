"""Ops that move values without changing them: reshape, transpose, indexing, concatenate,
stack, broadcast_to, and matrix multiplication with numpy.matmul semantics.
"""
import numpy as np

from .. import ops  # NOTE: for ops.where, looked up at call time (ops imports this module)
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


# --- Linear algebra (issue 13): einsum, with tensordot, dot and outer written through it ------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_terms(subscripts, shapes):
    """Subscripts with every ellipsis spelled out in letters of its own: (input terms, output
    term, the letters still unused). Implicit mode gets numpy's output: the ellipsis, then the
    letters used once, sorted."""
    if not isinstance(subscripts, str):
        raise TypeError("einsum: pass the subscripts as a string, e.g. ad.einsum('ij,jk->ik', "
                        "a, b) (the interleaved operand/sublist form is not supported)")
    s = subscripts.replace(" ", "")
    ins, arrow, out = s.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    free = [c for c in _LETTERS if c not in s]
    ndots = [len(shape) - (len(t) - 3) if "..." in t else 0 for t, shape in zip(terms, shapes)]
    width = max(ndots, default=0)
    ellipsis, free = "".join(free[:width]), free[width:]
    expanded = [t.replace("...", ellipsis[width - n:]) for t, n in zip(terms, ndots)]
    if arrow:
        out = out.replace("...", ellipsis)
    else:
        letters = "".join(t.replace("...", "") for t in terms)
        out = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return expanded, out, free


def _einsum(subscripts, *operands):
    """einsum on arrays (numpy's) or on Tensors (the differentiable op)."""
    for a in operands:
        if isinstance(a, Tensor):
            return Einsum(subscripts)(*operands)
    return np.einsum(subscripts, *operands, optimize=len(operands) > 2)


class Einsum(Function):
    """numpy.einsum on the subscripts string: repeated letters (diagonals, traces), implicit
    output, broadcasting ellipses. The gradient of each operand is itself an einsum."""

    __slots__ = ("subscripts",)

    def __init__(self, subscripts):
        self.subscripts = subscripts

    def forward(self, *xs):
        return np.einsum(self.subscripts, *[x.data for x in xs], optimize=len(xs) > 2)

    def vjp(self, out, grad, *xs):
        datas = [x.data for x in xs]
        terms, out_term, free = _einsum_terms(self.subscripts, [d.shape for d in datas])
        sizes = {}
        for t, d in zip(terms, datas):
            for c, n in zip(t, d.shape):
                if n != 1 or c not in sizes:
                    sizes[c] = n
        return tuple(self._operand_grad(k, terms, out_term, free, sizes, grad, datas)
                     if xs[k].requires_grad else None for k in range(len(xs)))

    @staticmethod
    def _operand_grad(k, terms, out_term, free, sizes, grad, datas):
        fresh = iter(free)
        shape = datas[k].shape
        target, extra = [], []  # extra: identity matrices that put a repeated letter back
        for c, n in zip(terms[k], shape):
            if n == 1 and sizes[c] != 1:  # broadcast in the forward: summed back to size 1
                target.append(next(fresh))
            elif c in target:  # a repeated letter (a diagonal): spread onto the diagonal
                z = next(fresh)
                extra.append((c + z, np.eye(sizes[c], dtype=grad.dtype)))
                target.append(z)
            else:
                target.append(c)
        subs, operands = [], []
        for j, (t, d) in enumerate([(out_term, grad)] + [(terms[j], datas[j])
                                                         for j in range(len(datas)) if j != k]):
            # NOTE: a size-1 axis another operand broadcasts gets a letter of its own, summed
            # away (size 1), so no letter has two sizes in the gradient's einsum.
            subs.append("".join(next(fresh) if n == 1 and sizes[c] != 1 else c
                                for c, n in zip(t, d.shape)))
            operands.append(d)
        for t, e in extra:
            subs.append(t)
            operands.append(e)
        present = set("".join(subs))
        kept = "".join(c for c in target if c in present)
        g = _einsum(",".join(subs) + "->" + kept, *operands)
        missing = tuple(i for i, c in enumerate(target) if c not in present)
        if missing:  # letters of this operand alone: the gradient is constant along them
            g = xp.broadcast_to(xp.expand_dims(g, missing), shape)
        return g


def einsum(subscripts, *operands):
    """numpy.einsum (the subscripts-string form), differentiable in every operand."""
    _einsum_terms(subscripts, [np.shape(a.data if isinstance(a, Tensor) else a)
                               for a in operands])  # a clear error for a miscount
    return Einsum(subscripts)(*operands)


def _ndim(a):
    return np.ndim(a.data if isinstance(a, Tensor) else a)


def tensordot(a, b, axes=2):
    """numpy.tensordot: sum the products over `axes` (an int N: a's last N axes with b's
    first N; or a pair of axis lists)."""
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes {axes_a} and {axes_b} must pair up one to one")
    sa, sb = list(_LETTERS[:na]), list(_LETTERS[na:na + nb])
    for i, j in zip(axes_a, axes_b):
        sb[j % nb] = sa[i % na]
    summed = set(sa[i % na] for i in axes_a)
    out = "".join(c for c in sa if c not in summed) + "".join(c for c in sb if c not in summed)
    return einsum(f"{''.join(sa)},{''.join(sb)}->{out}", a, b)


def dot(a, b):
    """numpy.dot: a product with a scalar, the inner product of vectors, matrix products, and
    for N-D a sum over a's last axis and b's second-to-last."""
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return _as_tensor(a) * b
    return tensordot(a, b, ([na - 1], [max(nb - 2, 0)]))


def outer(a, b):
    """numpy.outer: every product a[i] * b[j] of the flattened inputs."""
    return einsum("i,j->ij", _as_tensor(a).reshape(-1), _as_tensor(b).reshape(-1))


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x), requires_grad=False)


Tensor.dot = dot


# --- Shape ops (issue 13), built on Reshape, Index and BroadcastTo, so they differentiate again

def _shape_like(shape, fn, *args):
    """The shape numpy's `fn` gives an array of `shape` (numpy checks the arguments)."""
    return fn(np.broadcast_to(np.zeros((), bool), shape), *args).shape


def _squeeze(self, axis=None):
    return Reshape(_shape_like(self.data.shape, np.squeeze, axis))(self)


def expand_dims(a, axis):
    """numpy.expand_dims: new axes of size 1 at `axis` (an int or a tuple)."""
    a = _as_tensor(a)
    return Reshape(_shape_like(a.data.shape, np.expand_dims, axis))(a)


def _normalize_axes(axis, ndim, name):
    axes = range(ndim) if axis is None else ((axis,) if isinstance(axis, (int, np.integer))
                                             else axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"{name}: axis {ax} is out of range for {ndim} dimension(s)")
        out.append(int(ax) % ndim)
    return out


def flip(m, axis=None):
    """numpy.flip: the elements in reverse order along `axis` (every axis when None)."""
    m = _as_tensor(m)
    index = [slice(None)] * m.ndim
    for ax in _normalize_axes(axis, m.ndim, "flip"):
        index[ax] = slice(None, None, -1)
    return m[tuple(index)]


def roll(a, shift, axis=None):
    """numpy.roll: elements shifted along `axis`, wrapping around (flattened when None)."""
    a = _as_tensor(a)
    if axis is None:
        return roll(a.reshape(-1), shift, 0).reshape(a.shape)
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    total = {}
    for s, ax in zip(shifts.ravel(), axes.ravel()):  # numpy adds shifts along one axis
        ax = _normalize_axes(int(ax), a.ndim, "roll")[0]
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = a.shape[ax]
        if n and s % n:
            a = a[(slice(None),) * ax + ((np.arange(n) - s) % n,)]
    return a


def _repeat(self, repeats, axis=None):
    if axis is None:
        return _repeat(self.reshape(-1), repeats, 0)
    ax = _normalize_axes(axis, self.ndim, "repeat")[0]
    index = np.repeat(np.arange(self.shape[ax]), repeats)  # numpy checks repeats
    return self[(slice(None),) * ax + (index,)]


def repeat(a, repeats, axis=None):
    """numpy.repeat: each element repeated `repeats` times along `axis` (flattened when None)."""
    return _repeat(_as_tensor(a), repeats, axis)


def tile(A, reps):
    """numpy.tile: `A` repeated `reps` times along each axis."""
    A = _as_tensor(A)
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    ndim = max(A.ndim, len(reps))
    shape = (1,) * (ndim - A.ndim) + A.shape
    reps = (1,) * (ndim - len(reps)) + reps
    # (r0, n0, r1, n1, ...) as a broadcast of (1, n0, 1, n1, ...), then merged pairwise
    spread = A.reshape(sum(((1, n) for n in shape), ()))
    spread = BroadcastTo(sum(((r, n) for r, n in zip(reps, shape)), ()))(spread)
    return spread.reshape(tuple(r * n for r, n in zip(reps, shape)))


def _triangle(m, k, fn, name):
    m = _as_tensor(m)
    if m.ndim < 2:
        raise ValueError(f"{name}: needs a matrix (or a stack of them), got shape {m.shape}")
    keep = fn(np.ones(m.shape[-2:], bool), k)
    return ops.where(keep, m, 0)


def triu(m, k=0):
    """numpy.triu: zeros below the k-th diagonal of the last two axes."""
    return _triangle(m, k, np.triu, "triu")


def tril(m, k=0):
    """numpy.tril: zeros above the k-th diagonal of the last two axes."""
    return _triangle(m, k, np.tril, "tril")


def _diagonal(self, offset=0, axis1=0, axis2=1):
    a1, a2 = _normalize_axes((axis1, axis2), self.ndim, "diagonal")
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    rest = [ax for ax in range(self.ndim) if ax not in (a1, a2)]
    moved = self.transpose(rest + [a1, a2])  # (..., n1, n2), the diagonal last as numpy's
    n1, n2 = self.shape[a1], self.shape[a2]
    r0, c0 = max(-offset, 0), max(offset, 0)
    k = max(0, min(n1 - r0, n2 - c0))
    return moved[..., np.arange(k) + r0, np.arange(k) + c0]


def diagonal(a, offset=0, axis1=0, axis2=1):
    """numpy.diagonal: the (offset) diagonal of axes axis1, axis2, as the last axis."""
    return _diagonal(_as_tensor(a), offset, axis1, axis2)


def _trace(self, offset=0, axis1=0, axis2=1):
    return _diagonal(self, offset, axis1, axis2).sum(-1)


def trace(a, offset=0, axis1=0, axis2=1):
    """numpy.trace: the sum along a diagonal."""
    return _trace(_as_tensor(a), offset, axis1, axis2)


def append(arr, values, axis=None):
    """numpy.append: `values` after `arr` (both flattened when axis is None)."""
    arr, values = _as_tensor(arr), _as_tensor(values)
    if axis is None:
        return concatenate([arr.reshape(-1), values.reshape(-1)])
    return concatenate([arr, values], axis)


class Pad(Function):
    """numpy.pad in constant mode: the gradient is grad cut back to the original region."""

    __slots__ = ("widths", "value")

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        return np.pad(x.data, self.widths, mode="constant", constant_values=self.value)

    def vjp(self, out, grad, x):
        inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.widths, x.data.shape))
        return (grad[inner],)


def pad(array, pad_width, mode="constant", constant_values=0):
    """numpy.pad, constant mode: `pad_width` as numpy takes it (an int, (before, after), or one
    pair per axis); the padding is a constant (it has no gradient)."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    array = _as_tensor(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (array.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be >= 0, got {pad_width!r}")
    if np.ndim(constant_values) != 0:
        raise ValueError("pad: constant_values must be one number")
    return Pad(tuple(tuple(int(v) for v in w) for w in widths), constant_values)(array)


def sort(a, axis=-1):
    """numpy.sort: a sorted copy along `axis` (flattened when None); the gradient follows
    each element to where it went."""
    a = _as_tensor(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    ax = _normalize_axes(axis, a.ndim, "sort")[0]
    order = np.argsort(a.data, axis=ax, kind="stable")
    index = list(np.ix_(*[np.arange(n) for n in a.shape]))
    index[ax] = order
    return a[tuple(index)]


def split(ary, indices_or_sections, axis=0):
    """numpy.split: a list of pieces of `ary` along `axis`, equal (an int) or cut before each
    index of a list."""
    ary = _as_tensor(ary)
    ax = _normalize_axes(axis, ary.ndim, "split")[0]
    n = ary.shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(f"split: {n} elements along axis {axis} do not split into "
                             f"{indices_or_sections} equal pieces. Hint: pass the cut indices "
                             "as a list")
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = [0, *cuts, n]
    lead = (slice(None),) * ax
    return [ary[lead + (slice(lo, hi),)] for lo, hi in zip(bounds, bounds[1:])]


Tensor.squeeze = _squeeze
Tensor.flatten = Tensor.ravel = lambda self: Reshape((-1,))(self)
Tensor.repeat = _repeat
Tensor.diagonal = _diagonal
Tensor.trace = _trace
