"""The core of `ad`: Tensor (alias Variable), Function, the graph walk, no_grad, unbroadcast.

It keeps the seed's contract (`forward` returns a Variable, `backward(*inputs, grad)` adds into
each input's `.grad`) and makes it safe and fast. Calling a Function records the graph: each
result keeps its Function, its inputs and when it was made. The backward pass over that graph is
`ad.backprop` (one loop for every order of derivative); how a user's `backward` is run and
checked (the seed's protocol) is `ad.custom`.
"""
import itertools
import warnings
from types import MethodType

import numpy as np

_grad_enabled = True  # flipped by no_grad(); read by Function.__call__
_graph_vjps = 0  # > 0 while a create_graph walk runs vjps; read by Tensor.__array__
_next_seq = itertools.count(1).__next__  # numbers results as they are made; backprop's order


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
    if 1 in shape and grad.shape != shape:  # the input's size-1 axes that were broadcast
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        grad = grad.sum(axis=axes, keepdims=True)
    assert grad.shape == shape, (grad.shape, shape)
    return grad


class no_grad:
    """`with ad.no_grad():` runs ops without recording a graph (inference, optimizer updates).
    Also usable as a decorator."""

    _recording = False  # the grad mode inside the block

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, self._recording
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev

    def __call__(self, func):
        mode = type(self)  # a fresh block per call: calls may nest or recurse

        def wrapper(*args, **kwargs):
            with mode():
                return func(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
        return wrapper


class enable_grad(no_grad):
    """`with ad.enable_grad():` records the graph again inside a no_grad() block."""

    _recording = True


def is_grad_enabled():
    return _grad_enabled


class Tensor:
    """An array `.data` with a gradient `.grad` (dL/d data, same shape, float).

    A leaf made by `tensor()` is terminal: its `.grad` accumulates over backward calls until
    zeroed. A result of a Function records that Function and its inputs; backward uses its
    gradient and drops it (`.grad` reads None, with a warning that says how to see it), unless
    `retain_grad()` made it terminal too. A 0-d result holds what numpy gives for one, a numpy
    scalar (np.float64): numpy's scalar maths is several times faster than its 0-d arrays'.
    """

    __slots__ = ("data", "_grad", "_owned_grad", "terminal", "requires_grad", "_fn", "_inputs",
                 "_seq", "name", "__weakref__")
    __array_ufunc__ = None  # ndarray + Tensor and np.float64 * Tensor dispatch to Tensor
    __array_priority__ = 1000.0

    def __init__(self, data, terminal=False, requires_grad=True, name=None):
        array = data  # taken as it is when a plain ndarray need not be copied
        if terminal or type(data) is not np.ndarray:
            if isinstance(data, Tensor):
                data = data.data
            elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
                raise TypeError("Tensor() of a list of Tensors would cut them from the graph; "
                                "use ad.stack(...) or ad.concatenate(...)")
            array = np.array(data) if terminal else np.asarray(data)
            if array.dtype == object:
                raise TypeError(f"Tensor data must be numeric, got {type(data).__name__} of "
                                "objects; to combine Tensors use ad.stack(...) or "
                                "ad.concatenate(...)")
        self.data = array
        self._grad = self._owned_grad = None
        self.terminal = terminal
        self.requires_grad = bool(requires_grad)
        self._fn, self._inputs, self._seq = None, (), 0  # a leaf: no Function made it
        self.name = name

    # The gradient. The walk stores arrays it may share between nodes (never writing into
    # them); reading .grad gives an array this Tensor owns, so `x.grad += g` is safe.
    # NOTE: copied on first read, not in the walk: copying there made the MLP step 10% slower.
    # After backward(create_graph=True) the gradient is a Tensor with a graph of its own.
    @property
    def grad(self):
        g = self._grad
        if g is None:
            if self._fn is not None and not self.terminal:
                warnings.warn(_not_kept(self), stacklevel=2)
                return None
            # NOTE: a fresh zero, not stored: reading changes nothing (optimizers skip a
            # tensor with no gradient). `x.grad += g` stores through the setter.
            return np.zeros(self.data.shape, _grad_dtype(self.data.dtype))
        if g is self._owned_grad or isinstance(g, Tensor):
            return g
        g = self._grad = self._owned_grad = np.array(g)  # a private, writable copy
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not (isinstance(value, Tensor) and value.requires_grad):
                value = np.asarray(_data(value))  # a differentiable gradient stays a Tensor
            if value.shape != self.data.shape:
                raise ValueError(f"cannot set .grad of shape {value.shape} on a Tensor of "
                                 f"shape {self.data.shape}: a gradient has its data's shape")
        self._grad = self._owned_grad = value

    def grad_view(self):
        """The gradient as stored, without a copy, or None where there is none (`.grad` reads
        zeros for a leaf, None for a result); an ndarray (the data of a differentiable
        gradient) or, for 0-d, a numpy scalar. Read it, never write into it: other tensors may
        share the array (`.grad` is a writable copy). Optimizers read gradients this way."""
        g = self._grad
        return g.data if isinstance(g, Tensor) else g

    def retain_grad(self):
        """Keep this result's gradient after backward, as a leaf keeps its own (PyTorch's name;
        the seed calls such a node terminal): `h.retain_grad()` before `L.backward()`, then
        `h.grad` is dL/dh, accumulating over backward calls like a leaf's."""
        if not self.requires_grad:
            raise ValueError("retain_grad() on a tensor that does not require a gradient: it "
                             "was computed from constants only or under no_grad(), so no "
                             "gradient reaches it")
        self.terminal = True

    def zero_grad(self):
        """Zero this tensor's gradient; on a result, also every gradient in its graph."""
        for node in walk(self):
            node._grad = node._owned_grad = None

    def backward(self, grad=None, create_graph=False):
        """Backpropagate from this tensor, adding dL/dx into `.grad` of every leaf x (and of
        every result that retains its gradient).

        `grad` defaults to ones (as in the seed); each node is visited once, in reverse order
        of computation, without recursion. With `create_graph=True` (PyTorch's form) the
        gradients left in `.grad` are Tensors recorded as a graph, so they can be
        differentiated again (a gradient penalty, Hessian-vector products); a Tensor `grad`
        then stays part of that graph."""
        if not self.requires_grad:
            raise ValueError("backward() on a tensor that does not require a gradient: it was "
                             "computed from constants only or under no_grad(). Hint: make the "
                             "inputs you want gradients for with ad.tensor(...)")
        backprop.backward(self, grad, create_graph)

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
        if _graph_vjps and self.requires_grad:
            # NOTE: numpy would turn a gradient that is being recorded into a plain array and
            # cut the graph a second derivative needs: refuse (the walk names the op).
            raise custom._GraphCut("passed a Tensor that is part of the recorded graph to a "
                                   "numpy function")
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
        body = np.array2string(np.asarray(self.data), separator=", ", prefix="tensor(",
                               threshold=20)
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


def _not_kept(t):
    """Why `.grad` of a result reads None, and how to see its gradient."""
    what = f"{t.name!r}" if t.name else "this tensor"
    return (f".grad of {what} is None: it is an intermediate result (made by "
            f"{type(t._fn).__name__}), and backward keeps only the gradients of leaves (tensors "
            "made by ad.tensor). To keep this one, call .retain_grad() on it before backward(); "
            "to see every intermediate gradient without changing any .grad, use "
            "ad.replay(L).grad(h) (L the output, h this tensor), or show_backward(L) in the "
            "playground")


def tensor(data, requires_grad=True, name=None):
    """A terminal leaf (its .grad accumulates); `requires_grad=False` makes a constant."""
    return Tensor(data, terminal=True, requires_grad=requires_grad, name=name)


def constant(data, name=None):
    """Data that never gets a gradient (a batch of inputs, targets): costs no backward work."""
    return Tensor(data, terminal=True, requires_grad=False, name=name)


_new = object.__new__


def _result(data, fn, inputs):
    """A Function's result as a node of the graph: `Tensor(data)` with its Function, inputs and
    place in the order of recording, set directly (the per-op fast path: no checks needed)."""
    # NOTE: one statement per slot: `t.a, t.b = a, b` builds and unpacks a tuple (+70 ns an op).
    t = _new(Tensor)
    t.data = data
    t._grad = t._owned_grad = t.name = None
    t.terminal = False
    t.requires_grad = True
    t._fn = fn
    t._inputs = inputs
    t._seq = _next_seq()
    return t


def _constant_result(data):
    """A Function's result when nothing wants its gradient: a constant, recording nothing."""
    t = _new(Tensor)
    t.data = data
    t._grad = t._owned_grad = t.name = t._fn = None
    t.terminal = t.requires_grad = False
    t._inputs = ()
    t._seq = 0
    return t


_PYTHON_SCALARS = (int, float, complex, bool)


def _operands(args):
    """A Function's arguments as Tensors: an array operand becomes a constant; a Python number a
    constant of the dtype numpy would give it next to the Tensor operands (a weak scalar, NEP 50:
    float32 data times 2.0 stays float32); a graph stand-in, the Tensor it stands for."""
    args = [a._t if type(a) is custom._GraphStandIn else a for a in args]
    dtype = None  # of the Tensor and array operands
    for a in args:
        if isinstance(a, (Tensor, np.ndarray, np.generic)):
            d = a.data.dtype if isinstance(a, Tensor) else a.dtype
            dtype = d if dtype is None or dtype == d else np.promote_types(dtype, d)
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(a)
        elif dtype is not None and type(a) in _PYTHON_SCALARS:
            # NOTE: a real number next to float data takes the data's dtype; only int, bool or
            # complex cases need numpy's (slower) rule. A numpy scalar, as numpy would keep it.
            d = dtype if dtype.kind == "f" and type(a) is not complex else np.result_type(dtype, a)
            out.append(_constant_result(d.type(a)))
        else:
            out.append(Tensor(np.asarray(a), False, False))
    return tuple(out)


class Function:
    """A differentiable operation.

    Subclass it with `forward(self, *inputs) -> Variable` and `backward(self, *inputs, grad)`,
    which adds dL/d(input) into each `input.grad` (`x.grad += ...`). Calling an instance
    records the graph. An instance binds like a method, so `Tensor.__matmul__ = MatMul()`
    works; it keeps no per-call state, so one instance may be shared.

    To be differentiated twice (create_graph, ad.grad of ad.grad, ad.hessian, ad.jvp),
    backward must compute with Tensor operations on its inputs and grad (`x.grad += grad @
    y.T`); one that computes on `.data` gives first derivatives, and a BackwardError naming it
    when asked for a second (see `ad.custom`).

    Built-in ops override `vjp(out, grad, *inputs)` instead, returning one gradient per
    input (or None): no writes into `.grad`, no zero arrays. The contract (see `ad.ops`):
    `out` and each input have `.data` and `.requires_grad`. In a first-order walk they are
    the Tensors themselves and `grad` is an ndarray, so `.data` and `grad` are arrays. Under
    create_graph their `.data` is the Tensor itself and `grad` is a Tensor, so the same code,
    written with operators, shared methods and `ad.ops.xp`, records a graph.
    """

    __slots__ = ()

    def __get__(self, obj, objtype=None):
        return self if obj is None else MethodType(self, obj)

    def __call__(self, *args):
        # NOTE: `for ... break`, not all()/any(): generators made the 1000-op chain 26% slower.
        record = False  # in the graph: some input wants a gradient (and grad is enabled)
        for a in args:
            if not isinstance(a, Tensor):
                args = _operands(args)  # a scalar or array operand: a constant
                record = any(t.requires_grad for t in args)
                break
            if a.requires_grad:
                record = True
        try:  # NOTE: a call with one or two arguments spelled out is 3x cheaper than with *
            n = len(args)
            out = (self.forward(args[0]) if n == 1 else self.forward(args[0], args[1])
                   if n == 2 else self.forward(*args))
        except Exception as e:
            better = self._forward_error(args, e)
            if better is not None:
                raise better from e
            e.add_note(f"in {type(self).__name__}.forward with input shapes "
                       f"{', '.join(str(t.data.shape) for t in args)}")
            raise
        record = record and _grad_enabled
        if type(out) is np.ndarray or isinstance(out, np.generic):  # a built-in's: fast path
            return _result(out, self, args) if record else _constant_result(out)
        return self._user_result(out, args, record)

    def _user_result(self, out, inputs, record):
        """The Variable a user's forward returned, recorded as this call's result."""
        if not isinstance(out, Tensor):
            raise TypeError(f"{type(self).__name__}.forward returned {type(out).__name__}; it "
                            "must return a Variable, e.g. `return Variable(x.data @ y.data)`")
        if out._fn is not None or any(out is t for t in inputs):
            out = Tensor(out.data)  # forward returned an existing node: a fresh one
        out.requires_grad = record
        if record:
            out._fn, out._inputs, out._seq = self, inputs, _next_seq()
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
        """What the seed-style `backward` adds into each input's `.grad`, run on stand-ins so
        the inputs' own gradients are untouched and each write is checked (`ad.custom`)."""
        return custom.run_backward(self, grad, inputs)


def walk(output):
    """Every tensor `output` depends on, itself included, each once, inputs before the ops that
    use them and a first input before a second: position i is `ad.graph`'s and `ad.replay`'s
    id f"n{i}". Iterative (any depth), linear in the graph."""
    if not isinstance(output, Tensor):
        raise TypeError(f"walk() takes a Tensor, got {type(output).__name__}")
    order, seen = [], {id(output)}
    stack = [(output, iter(output._inputs))]  # (node, its inputs still to visit)
    while stack:
        node, inputs = stack[-1]
        for inp in inputs:
            if inp._inputs:  # an op's result: its inputs come first
                if id(inp) not in seen:
                    seen.add(id(inp))
                    stack.append((inp, iter(inp._inputs)))
                    break
            elif id(inp) not in seen:  # a leaf is done at once
                seen.add(id(inp))
                order.append(inp)
        else:  # every input is done: so is node
            stack.pop()
            order.append(node)
    return order


# Last: both build on the names above (custom's stand-ins are Tensors).
from . import backprop, custom  # noqa: E402
