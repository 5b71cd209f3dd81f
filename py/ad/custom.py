"""The seed's protocol for user Functions: `backward(*inputs, grad)` adds into each `input.grad`.

A user's backward never runs on the inputs themselves but on stand-ins, so the engine can check
what it wrote (the shape, a value returned instead of added), name the Function and the input
in the error, and leave every gradient as it was when backward fails:
- first order (`run_backward`): `_StandIn`, the input's data with a `.grad` of its own that
  starts at zero and refuses a write of the wrong shape (`_GradBuffer`);
- create_graph (`record_backward`): `_GraphStandIn`, which acts as the input's Tensor, so Tensor
  maths records the gradient's graph. Maths on plain arrays (`.data`, numpy functions) gives the
  right numbers but no graph: such a gradient is kept with its value and a node that raises when
  it is differentiated again (`not_twice`). A first derivative always works; a second never
  comes out silently wrong.
"""
import inspect

import numpy as np

from .core import BackwardError, Function, Tensor, _data, _grad_dtype, no_grad

__all__ = ["not_twice", "record_backward", "run_backward", "twice_message"]

TWICE_HINT = ("hint: write backward with Tensor operations on its inputs and grad, e.g. "
              "`x.grad += grad @ y.T` instead of `grad @ y.data.T`, `x.exp()` instead of "
              "`np.exp(x.data)`, `x.shape` instead of `x.data.shape`; a mask such as `x > 0` may "
              "stay an array")


def run_backward(fn, grad, inputs):
    """What `fn.backward` adds into each input's `.grad` (None where it adds nothing), for an
    upstream array `grad`, run on stand-ins under no_grad."""
    upstream = np.asarray(grad).view()
    upstream.flags.writeable = False  # it may be shared with other nodes
    stand_ins = [_StandIn(t, i) for i, t in enumerate(inputs)]
    try:
        with no_grad():  # Tensor maths in backward records nothing
            returned = fn.backward(*stand_ins, upstream)
        _check_returned(fn, returned, len(inputs))
        return [s._received() for s in stand_ins]
    except BackwardError:
        raise
    except _WrongShape as e:
        raise BackwardError(_wrong_shape(fn, inputs, np.shape(grad), e.index, e.shape)) from None
    except Exception as e:
        shapes = ", ".join(f"#{i} {t.data.shape}" for i, t in enumerate(inputs))
        raise BackwardError(
            f"{type(fn).__name__}.backward raised {type(e).__name__}: {e}\n"
            f"  inputs: {shapes}; upstream grad: {np.shape(grad)}\n"
            f"  hint: backward(self, *inputs, grad) should add an array of each input's "
            f"shape into input.grad and must not modify grad in place") from e


def record_backward(fn, grad, inputs):
    """`fn.backward` under create_graph, for an upstream Tensor `grad`: the Tensor it adds into
    each input's `.grad`, recorded as a graph; if it computed on plain arrays, the same values
    behind a node that refuses a second derivative (`not_twice`)."""
    cuts = []  # how the backward left the graph, if it did: "reads .data of input 1", ...
    stand_ins = [_GraphStandIn(t, i, cuts) for i, t in enumerate(inputs)]
    try:
        returned = fn.backward(*stand_ins, _GraphStandIn(grad, -1, cuts))
        _check_returned(fn, returned, len(inputs))
        sent = [s._received() for s in stand_ins]
    except (BackwardError, _GraphCut):
        raise  # _GraphCut: numpy met a recorded Tensor; the walk computes this on arrays
    except _WrongShape as e:
        raise BackwardError(_wrong_shape(fn, inputs, grad.shape, e.index, e.shape)) from None
    except Exception as e:
        shapes = ", ".join(f"#{i} {t.data.shape}" for i, t in enumerate(inputs))
        raise BackwardError(
            f"{type(fn).__name__}.backward raised {type(e).__name__} under "
            f"create_graph: {e}\n  inputs: {shapes}; upstream grad: {grad.shape}") from e
    return not_twice(twice_message(fn, cuts[0]), sent, (grad, *inputs)) if cuts else sent


def twice_message(fn, why):
    """The error for differentiating again a gradient `fn` computed on arrays (`why`: how)."""
    name = type(fn).__name__
    if type(fn).vjp is Function.vjp:  # a user's backward
        return (f"{name}.backward cannot be differentiated again (create_graph=True, ad.grad "
                f"of a gradient, ad.hessian, ad.jvp): it {why}, and maths on plain arrays is "
                f"invisible to the graph a second derivative needs.\n  {TWICE_HINT}")
    return (f"{name}.vjp cannot be differentiated again: it {why} while create_graph recorded "
            "its gradient. Hint: write the vjp with operators, methods arrays and Tensors share "
            "(.sum, .reshape, .transpose), and ad.ops.xp for numpy functions")


def not_twice(message, sent, depends):
    """Gradients `sent` (Tensors, arrays or None) as Tensors of the same values that depend on
    `depends` through a node whose vjp raises BackwardError(message): right as a first
    derivative, refused as a second."""
    return [None if g is None else _NotTwice(message, np.asarray(_data(g)))(*depends)
            for g in sent]


class _NotTwice(Function):
    """A gradient whose graph could not be recorded: forward gives its value; differentiating
    through it raises, naming the Function that computed it on arrays."""

    __slots__ = ("message", "value")

    def __init__(self, message, value):
        self.message, self.value = message, value

    def forward(self, *depends):
        return self.value

    def vjp(self, out, grad, *depends):
        raise BackwardError(self.message)


class _GraphCut(TypeError):
    """Array maths met a Tensor of a graph being recorded (create_graph): the graph would be
    cut and a second derivative silently wrong."""


def _check_returned(fn, returned, n):
    """A backward that returns its gradients (PyTorch's convention) would add nothing: say so."""
    if returned is None:
        return
    names = _input_names(fn)[:n]
    grads = [f"{p}.grad" for p in names] or ["each input's .grad"]
    into = grads[0] if len(grads) == 1 else ", ".join(grads[:-1]) + " and " + grads[-1]
    raise BackwardError(
        f"{type(fn).__name__}.backward returned a value; add it into {into} instead.\n"
        f"  hint: ad ignores what backward returns (returning gradients is PyTorch's "
        f"convention): add each input's share, e.g. `{names[0] if names else 'x'}.grad += "
        f"grad * ...`, and return nothing")


def _input_names(fn):
    """The names of `fn.backward`'s input parameters (its signature without grad), or []."""
    try:
        params = [p.name for p in inspect.signature(fn.backward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []
    return params[:-1]


def _wrong_shape(fn, inputs, grad_shape, i, shape):
    """The message for a gradient of the wrong shape. NOTE: it reasons from the shapes and
    never writes the fix out: learners meet it in lessons, where the line is theirs to find."""
    names = _input_names(fn)
    label = names[i] if i < len(names) else f"input {i}"
    name = f"input {i} ({names[i]})" if i < len(names) else f"input {i}"
    want = inputs[i].data.shape
    others = ", ".join(f"{names[j] if j < len(names) else f'input {j}'} {t.data.shape}"
                       for j, t in enumerate(inputs) if j != i)
    return (f"{type(fn).__name__}.backward wrote a gradient of shape {shape} into "
            f"{name}, whose shape is {want}: a gradient must have its input's shape.\n"
            f"  hint: {label}.grad must have {label}'s shape {want}; which product of grad "
            f"{tuple(grad_shape)}" + (f" and {others}" if others else "") + " gives that? "
            f"Check the order of the operands and the transposes in "
            f"{type(fn).__name__}.backward")


class _WrongShape(Exception):
    def __init__(self, index, shape):
        super().__init__(index, shape)
        self.index, self.shape = index, shape


# --- First order -------------------------------------------------------------------------------

class _StandIn(Tensor):
    """What a user's backward gets for input number `index`: that input's data, name and
    requires_grad, and a gradient of its own that starts at zero when first read."""

    __slots__ = ("_index",)

    def __init__(self, t, index):
        super().__init__(np.asarray(t.data), False, t.requires_grad, t.name)
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


# --- create_graph ------------------------------------------------------------------------------

def _noting(what, method):
    """A method of the stand-in's Tensor that also notes the graph is left (`what` it did)."""
    def noted(self, *args):
        self._note(what)
        return getattr(self._t, method)(*args)
    return noted


class _GraphStandIn:
    """What a user's backward gets under create_graph for an input (index >= 0) or for grad
    (index -1). It acts as that Tensor: operators, methods and ad functions on it record the
    graph, and its `.grad` is a Tensor. Its plain values (`.data`, numpy functions on it,
    .numpy(), .item(), float()) are given too, but noted in `cuts`: maths on arrays drops a
    term of the second derivative, so record_backward marks what this backward sent."""

    __slots__ = ("_t", "_index", "_grad", "_cuts")
    __array_priority__ = 1000.0  # ndarray * stand-in goes to the stand-in's reflected operator

    def __init__(self, t, index, cuts):
        self._t, self._index, self._grad, self._cuts = t, index, None, cuts

    def _describe(self):
        return "grad" if self._index < 0 else f"input {self._index}"

    def _note(self, what):
        if self._t.requires_grad:  # a constant's value carries no derivative to drop
            self._cuts.append(what.format(self._describe()))

    @property
    def data(self):
        self._note("reads .data of {}")
        return self._t.data

    def __array__(self, dtype=None, copy=None):
        self._note("passes {} to a numpy function")
        return np.array(self._t.data, dtype=dtype) if copy else np.asarray(self._t.data, dtype)

    numpy = _noting("calls .numpy() of {}", "numpy")
    item = _noting("calls .item() of {}", "item")
    tolist = _noting("calls .tolist() of {}", "tolist")
    detach = _noting("calls .detach() of {}", "detach")
    __float__ = _noting("calls float() of {}", "__float__")
    __int__ = _noting("calls int() of {}", "__int__")

    def __bool__(self):  # control flow on a value: each branch's derivative is still right
        return bool(self._t.data)

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
