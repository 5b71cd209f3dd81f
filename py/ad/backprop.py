"""The backward pass: one loop for every order of derivative (HIPS autograd's backward_pass).

From a seed at the output, the loop takes the pending node made last, runs its vjp and adds what
it sends into each input's gradient. Every use of a node was made after the node itself, so when
the node is taken, all its uses have sent their share: its gradient is complete, each vjp runs
once, and only nodes a gradient reaches are visited, without recursion.

Its callers: `Tensor.backward` (first order: arrays, left in `.grad` of the leaves),
`backward(create_graph=True)`, `ad.grad` and `ad.jvp` (gradients recorded as a graph, so they
differentiate again) and `ad.replay` (every step recorded, no `.grad` changed).
"""
from heapq import heappop, heappush

import numpy as np

from . import core, custom
from .core import BackwardError, Function, Tensor, _grad_dtype, walk

__all__ = ["backprop", "backward", "seed"]


def backprop(root, seed, wrt=None, create_graph=False, step=None):
    """The gradients of `root` for the upstream gradient `seed`, as {tensor: gradient}: every
    leaf reached and every result that keeps its gradient (`terminal`); nothing is written on
    a tensor. Each other result's gradient is dropped once its vjp has run.

    `wrt`: only tensors on a path from one of these to root get gradients (ad.grad skips a
    model's parameters). `create_graph`: each vjp runs on Tensors and records the graph of its
    gradients (see `_recorded_vjp`), so they differentiate again. `step(node, grad, sent)` is
    called after each vjp with the node's gradient and what it sent its inputs (ad.replay)."""
    live = None if wrt is None else _depending_on(wrt, root)
    grads, kept = {root: seed}, {}
    pending = [(-root._seq, root)] if root._inputs else []  # a heap: the latest-made node first
    recording = core._grad_enabled
    core._grad_enabled = create_graph  # the vjps' maths is recorded only for create_graph
    try:
        while pending:
            node = heappop(pending)[1]
            g = grads.pop(node)  # complete: every use of node was made later, and ran first
            if node.terminal:
                kept[node] = g
            inputs = node._inputs
            if create_graph:
                sent = _recorded_vjp(node, g)
            elif len(inputs) == 2:  # NOTE: arguments spelled out: a third of the cost of *
                sent = node._fn.vjp(node, g, inputs[0], inputs[1])
            elif len(inputs) == 1:
                sent = node._fn.vjp(node, g, inputs[0])
            else:
                sent = node._fn.vjp(node, g, *inputs)
            for inp, gi in zip(inputs, sent):
                if gi is None or not inp.requires_grad or live is not None and inp not in live:
                    continue
                if gi.shape != inp.data.shape:
                    _wrong_vjp_shape(node, sent)
                old = grads.get(inp)
                if old is None:
                    grads[inp] = gi
                    if inp._inputs:  # an op's result: its vjp runs once all its uses sent theirs
                        heappush(pending, (-inp._seq, inp))
                else:
                    grads[inp] = old + gi
            if step is not None:
                step(node, g, sent)
    finally:
        core._grad_enabled = recording
    grads.update(kept)
    return grads


def backward(root, grad=None, create_graph=False):
    """`root.backward(grad, create_graph)`: dL/dx added into `.grad` of every leaf x and every
    result that retains its gradient. Nothing is written unless the whole pass succeeds."""
    start = seed(root, grad, keep_tensor=create_graph)
    if root._grad is not None:  # the seed's `grad + result.grad`
        start, root._grad = root._grad + start, None
    for t, g in backprop(root, start, create_graph=create_graph).items():
        if create_graph and not isinstance(g, Tensor):
            g = Tensor(g, requires_grad=False)
        old = t._grad
        # NOTE: an array may be shared by several tensors (Add sends one to both inputs):
        # `.grad` copies it before handing it out for writing.
        t._grad = g if old is None else old + g


def seed(root, grad, keep_tensor=False, call="backward(grad)"):
    """The gradient a walk starts from: ones (the seed's default), or `grad` broadcast to the
    root's shape. `keep_tensor`: a Tensor grad stays a Tensor (part of a recorded graph).
    `call` names the caller in the error (backward and ad.replay share this)."""
    shape, dtype = root.data.shape, _grad_dtype(root.data.dtype)
    if grad is None:
        start = np.ones(shape, dtype)
        if not shape:  # a 0-d root (a loss): numpy's scalar, whose maths is the faster
            start = start[()]
    elif keep_tensor and isinstance(grad, Tensor):
        if grad.data.shape != shape:
            seed(root, grad.data, call=call)  # the same shape check and message
            grad = grad * np.ones(shape, dtype)  # broadcast, and stay in the graph
        return grad
    else:
        start = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
        if start.shape != shape:
            try:
                start = np.broadcast_to(start, shape)
            except ValueError:
                raise ValueError(f"{call}: grad has shape {start.shape} but the "
                                 f"tensor has shape {shape}; pass a grad of shape {shape} "
                                 "(or a scalar)") from None
        if start.dtype.kind not in "fc":
            start = start.astype(dtype)
    return Tensor(start, requires_grad=False) if keep_tensor else start


def _depending_on(wrt, root):
    """The tensors of root's graph that depend on one of `wrt` (those included)."""
    live = set(wrt)
    for node in walk(root):  # inputs before the ops using them
        if node not in live:
            for inp in node._inputs:
                if inp in live:
                    live.add(node)
                    break
    return live


class _Lift:
    """What a vjp gets for a node under create_graph: `.data` is the node itself (a Tensor),
    so a vjp written as `grad * y.data` multiplies Tensors and records that product."""

    __slots__ = ("data", "requires_grad")

    def __init__(self, t):
        self.data, self.requires_grad = t, t.requires_grad


def _recorded_vjp(node, g):
    """node's vjp under create_graph, its maths recorded: a user's seed-style backward on
    stand-ins (ad.custom), a vjp on `_Lift`s. Where that maths cannot be recorded (numpy on a
    recorded Tensor), the vjp runs on arrays instead: right gradients that refuse to be
    differentiated again (custom.not_twice)."""
    if not isinstance(g, Tensor):
        g = Tensor(g, requires_grad=False)
    fn, inputs = node._fn, node._inputs
    core._graph_vjps += 1  # meanwhile numpy refuses a recorded Tensor (Tensor.__array__)
    try:
        if type(fn).vjp is Function.vjp:
            return custom.record_backward(fn, g, inputs)
        return fn.vjp(_Lift(node), g, *[_Lift(t) for t in inputs])
    except (custom._GraphCut, TypeError) as e:
        if not isinstance(e, custom._GraphCut) and "__array_ufunc__" not in str(e):
            raise  # not np.exp(Tensor): not ours
        why = e if isinstance(e, custom._GraphCut) else ("passed a Tensor that is part of the "
                                                         "recorded graph to a numpy ufunc")
    finally:
        core._graph_vjps -= 1
    with core.no_grad():
        sent = fn.vjp(node, g.data, *inputs)  # the first derivative, on arrays
    return custom.not_twice(custom.twice_message(fn, why), sent, (g, *inputs))


def _wrong_vjp_shape(node, sent):
    for i, (inp, gi) in enumerate(zip(node._inputs, sent)):
        if gi is not None and gi.shape != inp.data.shape:
            raise BackwardError(f"{type(node._fn).__name__}.vjp returned a gradient of shape "
                                f"{gi.shape} for input {i}, whose shape is {inp.data.shape}")
