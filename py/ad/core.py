"""The core of `ad`: Tensor (alias Variable), Function, the iterative backward walk, no_grad.

It keeps the seed's contract (`forward` returns a Variable, `backward(*inputs, grad)` adds into
each input's `.grad`) and makes it safe and fast. Everything else is built on these names.

Two walks share `_walk` and `Function.vjp`: `Tensor.backward()` (first order: gradients are
ndarrays stored on the nodes, the fast path) and `_backprop()` (gradients kept in a dict, none
written on the nodes; with `create_graph` they are Tensors recorded as a graph, so they can be
differentiated again). `ad.grad`, `ad.jvp` and `backward(create_graph=True)` use the second.
"""
import inspect
from types import MethodType

import numpy as np

_grad_enabled = True  # flipped by no_grad(); read by Function.__call__
_graph_vjps = 0  # > 0 while a create_graph walk runs vjps; read by Tensor.__array__


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
    zeroed. A result of a Function records that Function and its inputs; its `.grad` is
    cleared after backward unless it is terminal.
    """

    __slots__ = ("data", "_grad", "_owned_grad", "terminal", "requires_grad", "_fn", "_inputs",
                 "name", "__weakref__")
    __array_ufunc__ = None  # ndarray + Tensor and np.float64 * Tensor dispatch to Tensor
    __array_priority__ = 1000.0

    def __init__(self, data, terminal=False, requires_grad=True, name=None, _fn=None, _inputs=()):
        array = data  # taken as it is when a plain ndarray need not be copied (an op's result)
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
        self._fn, self._inputs = _fn, _inputs  # the Function that made it, and its inputs
        self.name = name

    # The gradient. The walk stores arrays it may share between nodes (never writing into
    # them); reading .grad gives an array this Tensor owns, so `x.grad += g` is safe.
    # NOTE: copied on first read, not in the walk: copying there made the MLP step 10% slower.
    # After backward(create_graph=True) the gradient is a Tensor with a graph of its own.
    @property
    def grad(self):
        g = self._grad
        if g is None:
            g = np.zeros(self.data.shape, _grad_dtype(self.data.dtype))
        elif g is self._owned_grad or isinstance(g, Tensor):
            return g
        else:
            g = np.array(g)  # a private, writable copy
        self._grad = self._owned_grad = g
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
        """The gradient as stored, without a copy, or None where `.grad` would read as zeros;
        always an ndarray (the data of a differentiable gradient). Read it, never write into
        it: other tensors may share the array (`.grad` is a writable copy). Optimizers read
        gradients this way."""
        g = self._grad
        return g.data if isinstance(g, Tensor) else g

    def zero_grad(self):
        """Zero this tensor's gradient; on a result, also every gradient in its graph."""
        for node in _walk(self):
            node._grad = node._owned_grad = None

    def backward(self, grad=None, create_graph=False):
        """Backpropagate from this tensor, accumulating dL/dx into every leaf x.

        `grad` defaults to ones (as in the seed); each node is visited once, in reverse
        topological order, without recursion. With `create_graph=True` (PyTorch's form) the
        gradients left in `.grad` are Tensors recorded as a graph, so they can be
        differentiated again (a gradient penalty, Hessian-vector products); a Tensor `grad`
        then stays part of that graph."""
        if not self.requires_grad:
            raise ValueError("backward() on a tensor that does not require a gradient: it was "
                             "computed from constants only or under no_grad(). Hint: make the "
                             "inputs you want gradients for with ad.tensor(...)")
        if create_graph:
            return self._backward_graph(grad)
        seed = _seed(self, grad)
        self._grad = seed if self._grad is None else self._grad + seed
        if self._fn is None:
            return  # a leaf: nothing to walk
        nodes = _walk(self, leaves=False)
        nodes.reverse()  # outputs first
        try:
            for node in nodes:
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
            for node in nodes:  # leave no half-accumulated intermediate behind
                if not node.terminal:
                    node._grad = None
            raise

    def _backward_graph(self, grad):
        """backward(create_graph=True): every terminal node's .grad gets a Tensor gradient."""
        seed = _seed(self, grad, keep_tensor=True)
        if self._grad is not None:  # the seed's `grad + result.grad`, as in the first-order walk
            seed = self._grad + seed
            self._grad = None
        order, grads = _backprop(self, seed, create_graph=True)
        for node in order:
            g = grads.get(id(node))
            if g is None or not node.terminal or not node.requires_grad:
                continue
            if not isinstance(g, Tensor):
                g = Tensor(g, requires_grad=False)
            old = node._grad
            node._grad = node._owned_grad = g if old is None else old + g

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
            raise _GraphCut("passed a Tensor that is part of the recorded graph to a numpy "
                            "function")
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


def _seed(root, grad, keep_tensor=False, call="backward(grad)"):
    """The gradient a walk starts from: ones (the seed's default), or `grad` broadcast to the
    root's shape. `keep_tensor`: a Tensor grad stays a Tensor (part of a recorded graph).
    `call` names the caller in the error (backward and ad.replay share this)."""
    shape, dtype = root.data.shape, _grad_dtype(root.data.dtype)
    if grad is None:
        seed = np.ones(shape, dtype)
    elif keep_tensor and isinstance(grad, Tensor):
        if grad.data.shape != shape:
            _seed(root, grad.data, call=call)  # the same shape check and message
            grad = grad * np.ones(shape, dtype)  # broadcast, and stay in the graph
        return grad
    else:
        seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
        if seed.shape != shape:
            try:
                seed = np.broadcast_to(seed, shape)
            except ValueError:
                raise ValueError(f"{call}: grad has shape {seed.shape} but the "
                                 f"tensor has shape {shape}; pass a grad of shape {shape} "
                                 "(or a scalar)") from None
        if seed.dtype.kind not in "fc":
            seed = seed.astype(dtype)
    return Tensor(seed, requires_grad=False) if keep_tensor else seed


def tensor(data, requires_grad=True, name=None):
    """A terminal leaf (its .grad accumulates); `requires_grad=False` makes a constant."""
    return Tensor(data, terminal=True, requires_grad=requires_grad, name=name)


def constant(data, name=None):
    """Data that never gets a gradient (a batch of inputs, targets): costs no backward work."""
    return Tensor(data, terminal=True, requires_grad=False, name=name)


_PYTHON_SCALARS = (int, float, complex, bool)


def _operands(args):
    """A Function's arguments as Tensors: an array operand becomes a constant; a Python number a
    constant of the dtype numpy would give it next to the Tensor operands (a weak scalar, NEP 50:
    float32 data times 2.0 stays float32); a graph stand-in, the Tensor it stands for."""
    args = [a._t if type(a) is _GraphStandIn else a for a in args]
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
            # complex cases need numpy's (slower) rule.
            d = dtype if dtype.kind == "f" and type(a) is not complex else np.result_type(dtype, a)
            out.append(Tensor(np.asarray(a, d), False, False))
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
    y.T`): under create_graph they are stand-ins that record the graph and refuse `.data`.

    Built-in ops override `vjp(out, grad, *inputs)` instead, returning one gradient per
    input (or None): no writes into `.grad`, no zero arrays. The contract (see `ad.ops`):
    `out` and each input have `.data` and `.requires_grad`. In a first-order walk they are
    the Tensors themselves and `grad` is an ndarray, so `.data` and `grad` are arrays. Under
    create_graph they are `_Lift`s whose `.data` is the Tensor itself and `grad` is a Tensor,
    so the same code, written with operators, shared methods and `ad.ops.xp`, records a graph.
    """

    __slots__ = ()

    def __get__(self, obj, objtype=None):
        return self if obj is None else MethodType(self, obj)

    def __call__(self, *args):
        # NOTE: `for ... break`, not all()/any(): generators made the 1000-op chain 26% slower.
        inputs = args
        for a in args:
            if not isinstance(a, Tensor):
                inputs = _operands(args)  # a scalar or array operand: a constant
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
        record = False  # in the graph: grad is enabled and some input wants a gradient
        if _grad_enabled:
            for t in inputs:
                if t.requires_grad:
                    record = True
                    break
        if type(out) is not np.ndarray:  # a built-in's plain array skips these checks
            if isinstance(out, Tensor):
                if out._fn is not None or any(out is t for t in inputs):
                    out = Tensor(out.data)  # forward returned an existing node: a fresh one
                out.requires_grad = record
                if record:
                    out._fn, out._inputs = self, inputs
                return out
            if not isinstance(out, np.generic):
                raise TypeError(f"{type(self).__name__}.forward returned "
                                f"{type(out).__name__}; it must return a Variable, e.g. "
                                "`return Variable(x.data @ y.data)`")
            out = np.asarray(out)  # a numpy scalar (np.mean's result): a 0-d array
        if record:  # positional arguments: this is the per-op fast path
            return Tensor(out, False, True, None, self, inputs)
        return Tensor(out, False, False)

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
        """Run the seed-style backward on stand-ins for the inputs; return what each received.

        A stand-in carries its input's data and a fresh zero gradient that checks the shape
        written, so `x.grad += g` neither sees nor changes the input's own gradient."""
        if type(out) is _Lift:  # a create_graph walk
            return self._graph_vjp(grad, [lift.data for lift in inputs])
        upstream = np.asarray(grad).view()
        upstream.flags.writeable = False  # it may be shared with other nodes
        stand_ins = [_StandIn(t, i) for i, t in enumerate(inputs)]
        try:
            with no_grad():  # Tensor maths in backward records nothing
                self.backward(*stand_ins, upstream)
            return [s._received() for s in stand_ins]
        except _WrongShape as e:
            raise BackwardError(self._describe_wrong_shape(inputs, e.index, e.shape)) from None
        except Exception as e:
            shapes = ", ".join(f"#{i} {t.data.shape}" for i, t in enumerate(inputs))
            raise BackwardError(
                f"{type(self).__name__}.backward raised {type(e).__name__}: {e}\n"
                f"  inputs: {shapes}; upstream grad: {np.shape(grad)}\n"
                f"  hint: backward(self, *inputs, grad) should add an array of each input's "
                f"shape into input.grad and must not modify grad in place") from e

    def _graph_vjp(self, grad, inputs):
        """backward under create_graph: on stand-ins that act as the inputs and grad, so Tensor
        maths records a graph, and that refuse their data, so array maths cannot cut it."""
        stand_ins = [_GraphStandIn(t, i) for i, t in enumerate(inputs)]
        try:
            self.backward(*stand_ins, _GraphStandIn(grad, -1))
            return [s._received() for s in stand_ins]
        except _WrongShape as e:
            raise BackwardError(self._describe_wrong_shape(inputs, e.index, e.shape)) from None
        except Exception as e:
            if isinstance(e, TypeError) and "__array_ufunc__" in str(e):  # np.exp(stand-in)
                e = _GraphCut("passes an input or grad to a numpy function")
            if isinstance(e, _GraphCut):
                raise BackwardError(
                    f"{type(self).__name__}.backward cannot be differentiated again "
                    f"(create_graph=True, ad.grad of a gradient, ad.hessian, ad.jvp): it {e}, "
                    f"and maths on plain arrays is invisible to the graph a second derivative "
                    f"needs.\n  hint: write backward with Tensor operations on its inputs and "
                    f"grad, e.g. `x.grad += grad @ y.T` instead of `grad @ y.data.T`, `x.exp()` "
                    f"instead of `np.exp(x.data)`, `x.shape` instead of `x.data.shape`; a mask "
                    f"such as `x > 0` may stay an array") from None
            shapes = ", ".join(f"#{i} {t.data.shape}" for i, t in enumerate(inputs))
            raise BackwardError(
                f"{type(self).__name__}.backward raised {type(e).__name__} under "
                f"create_graph: {e}\n  inputs: {shapes}; upstream grad: {grad.shape}") from e

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


class _StandIn(Tensor):
    """What a user's backward gets for input number `index`: that input's data, name and
    requires_grad, and a gradient of its own that starts at zero when first read."""

    __slots__ = ("_index",)

    def __init__(self, t, index):
        super().__init__(t.data, False, t.requires_grad, t.name)
        self._index = index

    @property
    def grad(self):
        if self._grad is None:
            self._grad = np.zeros(self.data.shape, _grad_dtype(self.data.dtype)).view(_GradBuffer)
            self._grad._index = self._index
        return self._grad

    @grad.setter
    def grad(self, value):  # any shape: _received() checks it and names this input
        self._grad = None if value is None else np.asanyarray(_data(value))

    def _received(self):
        """The gradient the backward gave this input (None if it never touched .grad)."""
        g = self._grad
        if g is None:
            return None
        g = np.asarray(g)  # drop the _GradBuffer subclass
        if g.shape != self.data.shape:
            try:
                g = np.broadcast_to(g, self.data.shape)
            except ValueError:
                raise _WrongShape(self._index, g.shape) from None
        return g


class _WrongShape(Exception):
    def __init__(self, index, shape):
        super().__init__(index, shape)
        self.index, self.shape = index, shape


class _GradBuffer(np.ndarray):
    """A stand-in's `.grad`: an array whose `+=`/`-=` refuse a value that cannot fit the
    input's shape (numpy's own error names neither)."""

    def __array_finalize__(self, obj):
        self._index = getattr(obj, "_index", -1)

    def __repr__(self):
        return repr(self.view(np.ndarray))

    def _check(self, other):
        shape = np.shape(_data(other))
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


def _walk(root, leaves=True):
    """Every tensor `root` depends on, itself included, each once, inputs before the ops that
    use them and a first input before a second (`leaves=False`: only root and the tensors an
    op made). A depth-first walk with an explicit stack of (node, inputs still to visit)."""
    order, seen = [], {id(root)}
    stack = [(root, iter(root._inputs))]
    while stack:
        node, inputs = stack[-1]
        for inp in inputs:
            if inp._inputs:  # an op's result: its inputs come first
                if id(inp) not in seen:
                    seen.add(id(inp))
                    stack.append((inp, iter(inp._inputs)))
                    break
            elif leaves and id(inp) not in seen:  # a leaf is done at once
                seen.add(id(inp))
                order.append(inp)
        else:  # every input is done: so is node
            stack.pop()
            order.append(node)
    return order


class _GraphCut(TypeError):
    """Array maths met a Tensor of a graph being recorded (create_graph): the graph would be
    cut and a second derivative silently wrong."""


class _Lift:
    """What a vjp gets for a node under create_graph: `.data` is the node itself (a Tensor),
    so a vjp written as `grad * y.data` multiplies Tensors and records that product."""

    __slots__ = ("data", "requires_grad")

    def __init__(self, t):
        self.data, self.requires_grad = t, t.requires_grad


def _backprop(root, seed, wrt=None, create_graph=False):
    """The gradients of `root` (seeded with `seed`), as ({id(node): gradient}, in a dict,
    none written on a node's .grad) with the walk's order: `(order, grads)`.

    `wrt`: the tensors whose gradients are wanted; only nodes on a path from one of them to
    root are visited. `create_graph`: the gradients are Tensors recorded as a graph (every
    vjp runs on Tensors, see `_Lift`), so they can be differentiated again."""
    global _grad_enabled, _graph_vjps
    order = _walk(root)
    live = None
    if wrt is not None:  # a node matters when it depends on a wrt tensor
        live = {id(t) for t in wrt}
        for node in order:  # inputs before the ops using them
            if id(node) not in live:
                for inp in node._inputs:
                    if id(inp) in live:
                        live.add(id(node))
                        break
    grads = {id(root): seed}
    prev = _grad_enabled, _graph_vjps
    if create_graph:
        _grad_enabled, _graph_vjps = True, _graph_vjps + 1
    try:
        for node in reversed(order):
            inputs = node._inputs
            if not inputs:
                continue
            g = grads.get(id(node))
            if g is None or (live is not None and id(node) not in live):
                continue
            if create_graph:
                if not isinstance(g, Tensor):
                    g = Tensor(g, requires_grad=False)
                try:
                    got = node._fn.vjp(_Lift(node), g, *[_Lift(t) for t in inputs])
                except (_GraphCut, TypeError) as e:
                    if not isinstance(e, _GraphCut):
                        if "__array_ufunc__" not in str(e):  # not np.exp(Tensor): not ours
                            raise
                        e = "passed a Tensor that is part of the recorded graph to a numpy ufunc"
                    raise BackwardError(
                        f"{type(node._fn).__name__}.vjp cannot be differentiated again: it {e} "
                        "while create_graph recorded its gradient. Hint: write the vjp with "
                        "operators, methods arrays and Tensors share (.sum, .reshape, "
                        ".transpose), and ad.ops.xp for numpy functions") from None
            else:
                got = node._fn.vjp(node, g, *inputs)
            for inp, gi in zip(inputs, got):
                if gi is None or not inp.requires_grad or (live is not None and
                                                          id(inp) not in live):
                    continue
                if gi.shape != inp.data.shape:
                    _wrong_builtin_shape(node, got)
                key = id(inp)
                old = grads.get(key)
                grads[key] = gi if old is None else old + gi
    finally:
        _grad_enabled, _graph_vjps = prev
    return order, grads


def _refuses(what):
    def refuse(self, *args, **kwargs):
        raise _GraphCut(f"{what} of {self._describe()}")
    return refuse


class _GraphStandIn:
    """What a user's backward gets under create_graph for an input (index >= 0) or for grad
    (index -1). It acts as that Tensor: operators, methods and ad functions on it record the
    graph. It refuses its data (`.data`, numpy functions, .numpy(), .item()): maths on
    arrays would silently drop a term of the second derivative. Its `.grad` is a Tensor."""

    __slots__ = ("_t", "_index", "_grad")
    __array_ufunc__ = None  # ndarray * stand-in goes to the stand-in's reflected operator
    __array_priority__ = 1000.0

    def __init__(self, t, index):
        self._t, self._index, self._grad = t, index, None

    def _describe(self):
        return "grad" if self._index < 0 else f"input {self._index}"

    @property
    def data(self):
        if self._t.requires_grad:
            raise _GraphCut(f"reads .data of {self._describe()}")
        return self._t.data  # a constant: its value carries no derivative to drop

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)  # refused unless a constant, as .data

    numpy = _refuses("calls .numpy()")
    item = _refuses("calls .item()")
    tolist = _refuses("calls .tolist()")
    __float__ = _refuses("calls float()")
    __bool__ = _refuses("tests the truth")
    detach = _refuses("calls .detach()")

    def __getattr__(self, name):  # methods and properties: those of the Tensor
        return getattr(self._t, name)

    def __repr__(self):
        return f"<create_graph stand-in for {self._describe()}: {self._t!r}>"

    def __len__(self):
        return len(self._t)

    def __getitem__(self, index):
        return self._t[index]

    @property
    def grad(self):
        if self._grad is None:  # a zero constant: the first `+=` replaces it
            t = self._t
            return Tensor(np.zeros(t.data.shape, _grad_dtype(t.data.dtype)), requires_grad=False)
        return self._grad

    @grad.setter
    def grad(self, value):
        if type(value) is _GraphStandIn:
            value = value._t
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(np.asarray(value), requires_grad=False)
        self._grad = value

    def _received(self):
        """The gradient the backward gave this input (None if it never set .grad)."""
        g = self._grad
        if g is None:
            return None
        shape = self._t.data.shape
        if g.shape != shape:
            try:
                fits = np.broadcast_shapes(g.shape, shape) == shape
            except ValueError:
                fits = False
            if not fits:
                raise _WrongShape(self._index, g.shape)
            g = g * np.ones(shape, g.dtype)  # broadcast, and stay in the graph
        return g


def _forward(name):
    return lambda self, *args: getattr(self._t, name)(*args)


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
              "__neg__", "__pos__", "__abs__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__",
              "__ge__"):
    setattr(_GraphStandIn, _name, _forward(_name))
_GraphStandIn.__hash__ = object.__hash__
