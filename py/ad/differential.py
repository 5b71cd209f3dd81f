"""The functional API: grad, value_and_grad, elementwise_grad, jacobian, hessian (names and
argument order as in HIPS autograd) and jvp (as in JAX). They compose: ad.grad(ad.grad(f)).

Each takes a function of arrays or Tensors and returns a function that returns Tensors. When
the result can matter to an enclosing differentiation (an argument or a value the function
closes over wants a gradient, and gradients are being recorded) the result is recorded as a
graph, so it can be differentiated again; otherwise it is computed at first-order speed and
returned as a constant.
"""
import numpy as np

from . import core, custom
from .backprop import backprop, seed as _seed
from .core import Function, Tensor, _grad_dtype, walk

__all__ = ["elementwise_grad", "grad", "hessian", "hessian_vector_product", "jacobian", "jvp",
           "value_and_grad"]


class _Argument(Function):
    """The identity, marking where an argument enters: gradients are taken with respect to
    this node, and flow on to the Tensor it was given, if an outer differentiation wants."""

    def forward(self, x):
        return x.data

    def vjp(self, out, grad, x):
        return (grad,)


_argument = _Argument()


def _enter(x):
    """A differentiable stand-in for argument `x` (an array, a number or a Tensor)."""
    if type(x) is custom._GraphStandIn:
        x = x._t
    if isinstance(x, Tensor):
        if not x.requires_grad:
            return Tensor(x.data, requires_grad=True)
        entered = _argument(x)
        entered.terminal = True  # the walk keeps its gradient: the one asked for
        return entered
    return Tensor(np.asarray(x), requires_grad=True)


def _call(fun, args, kwargs, argnums, name):
    """Run fun with fresh differentiable arguments at `argnums`, recording a graph whatever the
    caller's grad mode; return (output Tensor, entered nodes, whether to record the gradient)."""
    args = list(args)
    for k in argnums:
        if not -len(args) <= k < len(args):
            raise ValueError(f"{name}: argnum {k} is out of range for a call with "
                             f"{len(args)} positional argument(s)")
    outer = core.is_grad_enabled()
    with core.enable_grad():
        entered = []
        for k in argnums:
            args[k] = _enter(args[k])
            entered.append(args[k])
        out = fun(*args, **kwargs)
    if type(out) is custom._GraphStandIn:
        out = out._t
    if not isinstance(out, Tensor):
        out = Tensor(np.asarray(out), requires_grad=False)
    fresh = {id(t) for t in entered if t._fn is None}
    # Record the gradient as a graph when something outside wants a gradient: an argument
    # that is itself a Tensor in a graph, or a Tensor fun closes over (model parameters).
    nested = outer and any(t.requires_grad and not t._inputs and id(t) not in fresh
                           for t in walk(out))
    return out, entered, nested


def _result(g, like, nested):
    """A gradient as a Tensor of `like`'s shape: zeros if none reached it."""
    if g is None:
        return Tensor(np.zeros(like.data.shape, _grad_dtype(like.data.dtype)), requires_grad=False)
    if isinstance(g, Tensor):
        return g if nested else Tensor(np.array(g.data), requires_grad=False)
    return Tensor(np.array(g), requires_grad=False)  # a private, writable copy


def _gradients(out, seed, entered, nested):
    if not out.requires_grad:
        return [_result(None, x, nested) for x in entered]
    if nested:
        seed = Tensor(seed, requires_grad=False)
    grads = backprop(out, seed, wrt=entered, create_graph=nested)
    return [_result(grads.get(x), x, nested) for x in entered]


def value_and_grad(fun, argnum=0):
    """A function returning `(fun(*args), d fun / d args[argnum])`, both Tensors, for a
    scalar-valued `fun`. The gradient has the argument's shape."""
    def value_and_grad_fun(*args, **kwargs):
        out, (x,), nested = _call(fun, args, kwargs, (argnum,), "grad")
        if out.data.size != 1:
            raise TypeError(f"grad applies to scalar-valued functions, but "
                            f"{_name(fun)} returned shape {out.data.shape}. Hint: use "
                            "ad.jacobian, ad.elementwise_grad, or reduce the output (.sum())")
        (g,) = _gradients(out, _seed(out, None), [x], nested)
        return (out if nested else out.detach()), g

    value_and_grad_fun.__name__ = f"value_and_grad_{_name(fun)}"
    return value_and_grad_fun


def grad(fun, argnum=0):
    """The gradient of scalar-valued `fun` with respect to positional argument `argnum`: a
    function taking fun's arguments (arrays, numbers or Tensors) and returning a Tensor of
    that argument's shape. Composes: `ad.grad(ad.grad(f))` is the second derivative.

        ad.grad(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))   # tensor([3., 12.])
    """
    vg = value_and_grad(fun, argnum)

    def grad_fun(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    grad_fun.__name__ = f"grad_{_name(fun)}"
    return grad_fun


def elementwise_grad(fun, argnum=0):
    """The gradient of `fun(*args).sum()`: for a function applied elementwise, the derivative
    at each element, `ad.elementwise_grad(ad.elementwise_grad(f))` the second."""
    def elementwise_grad_fun(*args, **kwargs):
        out, (x,), nested = _call(fun, args, kwargs, (argnum,), "elementwise_grad")
        return _gradients(out, _seed(out, None), [x], nested)[0]

    elementwise_grad_fun.__name__ = f"elementwise_grad_{_name(fun)}"
    return elementwise_grad_fun


def jacobian(fun, argnum=0):
    """The Jacobian of `fun` with respect to argument `argnum`, by reverse mode (one backward
    pass per output element): a Tensor of shape `out.shape + x.shape`."""
    def jacobian_fun(*args, **kwargs):
        out, (x,), nested = _call(fun, args, kwargs, (argnum,), "jacobian")
        dtype = _grad_dtype(out.data.dtype)
        rows = []
        for i in range(out.data.size):
            seed = np.zeros(out.data.size, dtype)
            seed[i] = 1
            rows.append(_gradients(out, seed.reshape(out.data.shape), [x], nested)[0])
        shape = out.data.shape + x.data.shape
        if not rows:
            return Tensor(np.zeros(shape, _grad_dtype(x.data.dtype)), requires_grad=False)
        if nested:
            from .ops import stack
            return stack(rows).reshape(shape)
        return Tensor(np.stack([r.data for r in rows]).reshape(shape), requires_grad=False)

    jacobian_fun.__name__ = f"jacobian_{_name(fun)}"
    return jacobian_fun


def hessian(fun, argnum=0):
    """The Hessian of scalar-valued `fun` with respect to argument `argnum`: a Tensor of shape
    `x.shape + x.shape` (the Jacobian of its gradient). For a Hessian-vector product without
    the whole matrix, nest: `ad.grad(lambda x: (ad.grad(f)(x) * v).sum())(x)`."""
    h = jacobian(grad(fun, argnum), argnum)
    h.__name__ = f"hessian_{_name(fun)}"
    return h


def hessian_vector_product(fun, argnum=0):
    """A function `(*args, vector) -> H @ vector`, H the Hessian of scalar-valued `fun` with
    respect to argument `argnum` (HIPS autograd's name): two reverse passes, no matrix. `vector`
    has the argument's shape, and so has the result."""
    g = grad(fun, argnum)

    def hvp_fun(*args):
        *args, vector = args

        def inner(*a):
            return (g(*a) * vector).sum()  # <grad f, v>: its gradient is H v
        return grad(inner, argnum)(*args)

    hvp_fun.__name__ = f"hessian_vector_product_{_name(fun)}"
    return hvp_fun


def jvp(fun, primals, tangents):
    """Forward mode, as JAX names it: `(fun(*primals), J @ tangents)`, the Jacobian of fun at
    `primals` applied to `tangents` (one per primal, of its shape), exact, for any output shape.

    It transposes reverse mode: u -> J^T u is linear in u and recorded as a graph, and one more
    backward pass through that graph gives J t. One jvp costs about three backward passes and
    needs no rule beyond each op's vjp; a full Jacobian by jvp costs one per input element, by
    reverse mode one per output element."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); pass "
                         "one tangent per primal, of the same shape")
    out, entered, nested = _call(fun, primals, {}, range(len(primals)), "jvp")
    ts = []
    for i, (x, t) in enumerate(zip(entered, tangents)):
        if type(t) is custom._GraphStandIn:
            t = t._t
        shape = np.shape(t.data if isinstance(t, Tensor) else t)
        if shape != x.data.shape:
            raise ValueError(f"jvp: tangent {i} has shape {shape} but its primal has shape "
                             f"{x.data.shape}; a tangent has its primal's shape")
        nested = nested or (isinstance(t, Tensor) and t.requires_grad and core.is_grad_enabled())
        ts.append(t)
    zeros = Tensor(np.zeros(out.data.shape, _grad_dtype(out.data.dtype)), requires_grad=False)
    if not out.requires_grad:
        return out, zeros
    # u is a dummy cotangent: J^T u is linear in it, so its value does not matter.
    u = Tensor(np.zeros(out.data.shape, _grad_dtype(out.data.dtype)), requires_grad=True)
    grads = backprop(out, u, wrt=entered, create_graph=True)
    total = None
    with core.enable_grad():
        for x, t in zip(entered, ts):
            g = grads.get(x)
            if isinstance(g, Tensor) and g.requires_grad:
                term = (g * t).sum()  # <J_i^T u, t_i>
                total = term if total is None else total + term
    if total is None:  # J^T u does not depend on u: J is zero
        return (out if nested else out.detach()), zeros
    back = backprop(total, _seed(total, None, keep_tensor=nested), wrt=[u], create_graph=nested)
    return (out if nested else out.detach()), _result(back.get(u), u, nested)


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)
