"""The core of `ad`: Tensor (alias Variable), Function, the iterative backward walk, no_grad.

It keeps the seed's contract (`forward` returns a Variable, `backward(*inputs, grad)` adds into
each input's `.grad`) and makes it safe and fast. Everything else is built on these names.
"""
import inspect
from types import MethodType

import numpy as np

_grad_enabled = True  # flipped by no_grad(); read by Function.__call__
_collecting = None  # {id(input): index} while a user's backward runs; see Tensor.grad


class BackwardError(ValueError):
    """A Function's backward failed or wrote a gradient that does not fit its input."""


def _grad_dtype(dtype):
    # Integer or boolean data still gets float gradients (the seed's zeros_like truncated them).
    return dtype if dtype.kind in "fc" else np.float64


def unbroadcast(grad, shape):
    """Sum `grad` back to `shape`, undoing numpy broadcasting: the leading axes broadcasting
    added, then every axis where the input had size 1."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    assert grad.shape == shape, (grad.shape, shape)
    return grad


class no_grad:
    """`with ad.no_grad():` runs ops without recording a graph (inference, optimizer updates).
    Also usable as a decorator."""

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, False
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev

    def __call__(self, func):
        def wrapper(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
        return wrapper


def is_grad_enabled():
    return _grad_enabled


class Tensor:
    """An array `.data` with a gradient `.grad` (dL/d data, same shape, float).

    A leaf made by `tensor()` is terminal: its `.grad` accumulates over backward calls until
    zeroed. A result of a Function records that Function and its inputs; its `.grad` is
    cleared after backward unless it is terminal.
    """

    __slots__ = ("data", "_grad", "_own", "terminal", "requires_grad", "_fn", "_inputs",
                 "name", "__weakref__")
    __array_ufunc__ = None  # ndarray + Tensor and np.float64 * Tensor dispatch to Tensor
    __array_priority__ = 1000.0

    def __init__(self, data, terminal=False, requires_grad=True, name=None):
        if isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
            raise TypeError("Tensor() of a list of Tensors would cut them from the graph; "
                            "use ad.stack(...) or ad.concatenate(...)")
        self.data = np.array(data) if terminal else np.asarray(data)
        if self.data.dtype == object:
            raise TypeError(f"Tensor data must be numeric, got {type(data).__name__} of "
                            "objects; to combine Tensors use ad.stack(...) or ad.concatenate(...)")
        self._grad = self._own = None
        self.terminal = terminal
        self.requires_grad = bool(requires_grad)
        self._fn = None
        self._inputs = ()
        self.name = name

    # The gradient. The walk stores arrays it may share between nodes (never writing into
    # them); reading .grad gives an array this Tensor owns, so `x.grad += g` is safe.
    @property
    def grad(self):
        g = self._grad
        if _collecting is not None and id(self) in _collecting:
            if type(g) is not _GradBuffer:
                g = (np.zeros(self.data.shape, _grad_dtype(self.data.dtype)) if g is None
                     else np.array(g)).view(_GradBuffer)
                g._index = _collecting[id(self)]
                self._grad = g
            return g
        if g is None:
            g = np.zeros(self.data.shape, _grad_dtype(self.data.dtype))
        elif g is self._own:
            return g
        else:
            g = np.array(g)  # a private, writable copy
        self._grad = self._own = g
        return g

    @grad.setter
    def grad(self, value):
        if isinstance(value, Tensor):
            value = value.data
        if value is None:
            self._grad = self._own = None
            return
        if _collecting is not None and id(self) in _collecting:
            value = np.asanyarray(value)  # keeps a _GradBuffer; the walk checks its shape
        else:
            value = np.asarray(value)
            if value.shape != self.data.shape:
                raise ValueError(f"cannot set .grad of shape {value.shape} on a Tensor of "
                                 f"shape {self.data.shape}: a gradient has its data's shape")
        self._grad = self._own = value

    def zero_grad(self):
        """Zero this tensor's gradient; on a result, also every gradient in its graph."""
        for node in _graph_nodes(self):
            node._grad = node._own = None

    def backward(self, grad=None):
        """Backpropagate from this tensor, accumulating dL/dx into every leaf x.

        `grad` defaults to ones (as in the seed); each node is visited once, in reverse
        topological order, without recursion."""
        if not self.requires_grad:
            raise ValueError("backward() on a tensor that does not require a gradient: it was "
                             "computed from constants only or under no_grad(). Hint: make the "
                             "inputs you want gradients for with ad.tensor(...)")
        shape, dtype = self.data.shape, _grad_dtype(self.data.dtype)
        if grad is None:
            seed = np.ones(shape, dtype)
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if seed.shape != shape:
                try:
                    seed = np.broadcast_to(seed, shape)
                except ValueError:
                    raise ValueError(f"backward(grad): grad has shape {seed.shape} but the "
                                     f"tensor has shape {shape}; pass a grad of shape {shape} "
                                     "(or a scalar)") from None
            if seed.dtype.kind not in "fc":
                seed = seed.astype(dtype)
        order = _toposort(self)
        self._grad = seed if self._grad is None else self._grad + seed
        try:
            for node in order:
                g = node._grad
                if g is None:
                    continue
                inputs = node._inputs
                grads = node._fn.vjp(node, g, *inputs)
                for inp, gi in zip(inputs, grads):
                    if gi is None or not inp.requires_grad:
                        continue
                    if gi.shape != inp.data.shape:
                        _wrong_builtin_shape(node, grads)
                    old = inp._grad
                    inp._grad = gi if old is None else old + gi
                if not node.terminal:
                    node._grad = None
        except BaseException:
            for node in order:  # leave no half-accumulated intermediate behind
                if not node.terminal:
                    node._grad = None
            raise

    def detach(self):
        """The same data, cut from the graph: a constant."""
        return Tensor(self.data, requires_grad=False)

    # Plain-array views and conversions.
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)
    is_leaf = property(lambda self: self._fn is None)
    grad_fn = property(lambda self: self._fn)

    def numpy(self):
        return self.data

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype)
        return np.asarray(self.data, dtype=dtype)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", threshold=20)
        extra = ""
        if self._fn is not None:
            extra = f", grad_fn={type(self._fn).__name__}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"tensor({body}{extra})"

    # Comparisons give plain boolean arrays: they have no gradient.
    __hash__ = object.__hash__
    __eq__ = lambda self, other: self.data == _data(other)
    __ne__ = lambda self, other: self.data != _data(other)
    __lt__ = lambda self, other: self.data < _data(other)
    __le__ = lambda self, other: self.data <= _data(other)
    __gt__ = lambda self, other: self.data > _data(other)
    __ge__ = lambda self, other: self.data >= _data(other)


Variable = Tensor  # the seed's name; one class, so a Variable from forward() is a full Tensor


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def tensor(data, requires_grad=True, name=None):
    """A terminal leaf (its .grad accumulates); `requires_grad=False` makes a constant."""
    return Tensor(data, terminal=True, requires_grad=requires_grad, name=name)


def constant(data, name=None):
    """Data that never gets a gradient (a batch of inputs, targets): costs no backward work."""
    return Tensor(data, terminal=True, requires_grad=False, name=name)


_new = object.__new__


def _result(data, fn, inputs, requires_grad):
    """A Function's output (the fast path for built-ins that return arrays)."""
    t = _new(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t._grad = t._own = t.name = None
    t.terminal = False
    t.requires_grad = requires_grad
    if requires_grad:
        t._fn, t._inputs = fn, inputs
    else:
        t._fn, t._inputs = None, ()
    return t


class Function:
    """A differentiable operation.

    Subclass it with `forward(self, *inputs) -> Variable` and `backward(self, *inputs, grad)`,
    which adds dL/d(input) into each `input.grad` (`x.grad += ...`). Calling an instance
    records the graph. An instance binds like a method, so `Tensor.__matmul__ = MatMul()`
    works; it keeps no per-call state, so one instance may be shared.

    Built-in ops override `vjp(out, grad, *inputs)` instead, returning one gradient per
    input (or None): no writes into `.grad`, no zero arrays.
    """

    __slots__ = ()

    def __get__(self, obj, objtype=None):
        return self if obj is None else MethodType(self, obj)

    def __call__(self, *args):
        inputs = args
        for a in args:
            if not isinstance(a, Tensor):
                inputs = tuple([a if isinstance(a, Tensor) else _result(a, None, (), False)
                                for a in args])  # a scalar or array operand: a constant
                break
        try:
            out = self.forward(*inputs)
        except Exception as e:
            better = self._forward_error(inputs, e)
            if better is not None:
                raise better from e
            e.add_note(f"in {type(self).__name__}.forward with input shapes "
                       f"{', '.join(str(t.data.shape) for t in inputs)}")
            raise
        rg = False
        if _grad_enabled:
            for t in inputs:
                if t.requires_grad:
                    rg = True
                    break
        if not isinstance(out, Tensor):
            if not isinstance(out, (np.ndarray, np.generic)):
                raise TypeError(f"{type(self).__name__}.forward returned "
                                f"{type(out).__name__}; it must return a Variable, e.g. "
                                "`return Variable(x.data @ y.data)`")
            return _result(out, self, inputs, rg)
        if out._fn is not None or any(out is t for t in inputs):
            out = Tensor(out.data)  # forward returned an existing node: give it a fresh one
        out.requires_grad = rg
        if rg:
            out._fn, out._inputs = self, inputs
        return out

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define "
                                  "forward(self, *inputs) -> Variable")

    def backward(self, *inputs_and_grad):
        raise NotImplementedError(f"{type(self).__name__} must define "
                                  "backward(self, *inputs, grad), adding into each input's .grad")

    def _forward_error(self, inputs, exc):
        """A clearer exception for a failed forward, or None to re-raise exc with a note."""
        return None

    def vjp(self, out, grad, *inputs):
        """Run the seed-style backward and return what it added to each input's .grad.

        Each input's gradient is set aside first, so the user's `x.grad += g` starts from a
        fresh zero buffer that checks the shape written; the walk then accumulates it."""
        global _collecting, _grad_enabled
        index = {}
        for i, t in enumerate(inputs):
            index.setdefault(id(t), i)
        saved = [(t, t._grad, t._own) for t in inputs]
        for t in inputs:
            t._grad = t._own = None
        upstream = np.asarray(grad).view()
        upstream.flags.writeable = False  # it may be shared with other nodes
        prev, _collecting = _collecting, index
        enabled, _grad_enabled = _grad_enabled, False  # Tensor maths in backward records nothing
        try:
            self.backward(*inputs, upstream)
            grads = []
            for i, t in enumerate(inputs):
                g = t._grad
                if g is None or index[id(t)] != i:
                    grads.append(None)
                    continue
                g = np.asarray(g)  # drop the _GradBuffer subclass
                if g.shape != t.data.shape:
                    try:
                        g = np.broadcast_to(g, t.data.shape)
                    except ValueError:
                        raise _WrongShape(i, g.shape) from None
                grads.append(g)
        except _WrongShape as e:
            raise BackwardError(self._describe_wrong_shape(inputs, e.index, e.shape)) from None
        except Exception as e:
            shapes = ", ".join(f"#{i} {t.data.shape}" for i, t in enumerate(inputs))
            raise BackwardError(
                f"{type(self).__name__}.backward raised {type(e).__name__}: {e}\n"
                f"  inputs: {shapes}; upstream grad: {np.shape(grad)}\n"
                f"  hint: backward(self, *inputs, grad) should add an array of each input's "
                f"shape into input.grad and must not modify grad in place") from e
        finally:
            _collecting, _grad_enabled = prev, enabled
            for t, g, own in saved:
                t._grad, t._own = g, own
        return grads

    def _describe_wrong_shape(self, inputs, i, shape):
        name = f"input {i}"
        try:
            params = [p for p in inspect.signature(self.backward).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if i < len(params) - 1:
                name += f" ({params[i].name})"
        except (TypeError, ValueError):
            pass
        want = inputs[i].data.shape
        return (f"{type(self).__name__}.backward wrote a gradient of shape {shape} into "
                f"{name}, whose shape is {want}: a gradient must have its input's shape.\n"
                f"  hint: check the order of the operands and the transposes in "
                f"{type(self).__name__}.backward (for z = x @ y: x.grad += grad @ y.data.T, "
                f"y.grad += x.data.T @ grad)")


class _WrongShape(Exception):
    def __init__(self, index, shape):
        super().__init__(index, shape)
        self.index, self.shape = index, shape


class _GradBuffer(np.ndarray):
    """What `x.grad` is inside a user's backward: a fresh array whose `+=`/`-=` refuse a
    value that cannot fit the input's shape (numpy's own error names neither)."""

    def __array_finalize__(self, obj):
        self._index = getattr(obj, "_index", -1)

    def __repr__(self):
        return repr(self.view(np.ndarray))

    def _check(self, other):
        shape = np.shape(other.data if isinstance(other, Tensor) else other)
        if shape != self.shape:
            try:
                fits = np.broadcast_shapes(shape, self.shape) == self.shape
            except ValueError:
                fits = False
            if not fits:
                raise _WrongShape(self._index, shape)

    def __iadd__(self, other):
        self._check(other)
        return super().__iadd__(_data(other))

    def __isub__(self, other):
        self._check(other)
        return super().__isub__(_data(other))


def _wrong_builtin_shape(node, grads):
    for i, (inp, gi) in enumerate(zip(node._inputs, grads)):
        if gi is not None and gi.shape != inp.data.shape:
            raise BackwardError(f"{type(node._fn).__name__}.vjp returned a gradient of shape "
                                f"{gi.shape} for input {i}, whose shape is {inp.data.shape}")


def _toposort(root):
    """The recorded nodes that lead to `root`, root first (reverse post-order, explicit stack)."""
    order, seen = [], set()
    stack = [(root, False)]
    pop, push = stack.pop, stack.append
    while stack:
        node, done = pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen or node._fn is None:
            continue
        seen.add(id(node))
        push((node, True))
        for inp in node._inputs:
            if inp._fn is not None and id(inp) not in seen:
                push((inp, False))
    order.reverse()
    return order


def _graph_nodes(root):
    """Every tensor reachable from `root` (itself included, leaves too), iteratively."""
    seen, out, stack = {id(root)}, [root], [root]
    while stack:
        for inp in stack.pop()._inputs:
            if id(inp) not in seen:
                seen.add(id(inp))
                out.append(inp)
                stack.append(inp)
    return out
