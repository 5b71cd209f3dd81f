"""Functional forms of layers and losses. The losses are fused ops: one node each, with the
numerically stable formula and its short gradient (softmax - onehot, sigmoid - target).
"""
import numpy as np

from ..core import Function, Tensor, unbroadcast
from ..ops.elementwise import ReLU, Sigmoid, Tanh, _sigmoid
from ..ops.reduce import LogSoftmax, Softmax, _log_softmax, _softmax

_relu_fn, _tanh_fn, _sigmoid_fn = ReLU(), Tanh(), Sigmoid()


def relu(x):
    return _relu_fn(x)


def tanh(x):
    return _tanh_fn(x)


def sigmoid(x):
    return _sigmoid_fn(x)


def softmax(x, axis=-1):
    return Softmax(axis)(x)


def log_softmax(x, axis=-1):
    return LogSoftmax(axis)(x)


class Linear(Function):
    """x @ weight.T + bias, as one node (weight: (out, in), as in PyTorch)."""

    def forward(self, x, w, b=None):
        y = x.data @ w.data.T  # (..., in) @ (in, out) -> (..., out)
        if b is not None:
            try:
                y += b.data  # (..., out) + (out,), in place: y is ours
            except TypeError:  # integer y cannot hold a float bias
                y = y + b.data
        return y

    def vjp(self, out, grad, x, w, b=None):
        grad_2d, x_2d = grad, x.data
        if x_2d.ndim != 2:  # fold all leading axes into one: (N, out), (N, in)
            grad_2d, x_2d = grad.reshape(-1, grad.shape[-1]), x_2d.reshape(-1, x_2d.shape[-1])
        gx = (grad @ w.data) if x.requires_grad else None  # (..., out) @ (out, in)
        gw = (grad_2d.T @ x_2d) if w.requires_grad else None  # (out, N) @ (N, in)
        if b is None:
            return gx, gw
        return gx, gw, unbroadcast(grad, b.data.shape)  # (..., out) -> (out,)


_linear = Linear()


def linear(x, weight, bias=None):
    return _linear(x, weight) if bias is None else _linear(x, weight, bias)


def _same_shape(name, a, b):
    a, b = np.shape(a.data if isinstance(a, Tensor) else a), np.shape(
        b.data if isinstance(b, Tensor) else b)
    if a != b:
        raise ValueError(f"{name}: input shape {a} and target shape {b} differ; broadcasting "
                         "them would compare every pair of elements. Hint: reshape the target "
                         f"to {a}")


class MSELoss(Function):
    def forward(self, p, t):
        d = p.data - t.data
        return np.mean(d * d)

    def vjp(self, out, grad, p, t):
        d = (2.0 / max(p.data.size, 1)) * grad * (p.data - t.data)
        return d, (-d if t.requires_grad else None)


_mse = MSELoss()


def mse_loss(input, target):
    """mean((input - target)**2); both must have the same shape."""
    _same_shape("mse_loss", input, target)
    return _mse(input, target)


class CrossEntropy(Function):
    """mean over rows of -log softmax(logits)[target]; targets are class indices."""

    __slots__ = ("targets", "reduction")

    def __init__(self, targets, reduction="mean"):
        self.targets, self.reduction = targets, reduction

    def forward(self, logits):
        logp = _log_softmax(logits.data, 1)  # (N, C)
        nll = -logp[np.arange(len(logp)), self.targets]  # (N,)
        return nll.mean() if self.reduction == "mean" else nll.sum()

    def vjp(self, out, grad, logits):  # softmax - onehot, recomputed (no per-call cache)
        p = _softmax(logits.data, 1)  # (N, C)
        p[np.arange(len(p)), self.targets] -= 1
        scale = grad / len(p) if self.reduction == "mean" else grad
        return (p * scale,)


def cross_entropy(logits, targets, reduction="mean"):
    """Softmax cross-entropy of (N, C) logits against N integer class indices (stable, fused)."""
    shape = np.shape(logits.data if isinstance(logits, Tensor) else logits)
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if len(shape) != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {shape}. "
                         "Hint: reshape to (-1, C)")
    if t.shape != shape[:1] or t.dtype.kind not in "iu":
        raise ValueError(f"cross_entropy: targets must be {shape[0]} integer class indices "
                         f"(shape ({shape[0]},)), got dtype {t.dtype} and shape {t.shape}. "
                         "Hint: pass class indices, not one-hot rows (labels.argmax(1))")
    if t.size and (t.min() < 0 or t.max() >= shape[1]):
        raise ValueError(f"cross_entropy: targets must lie in [0, {shape[1]}), got "
                         f"{t.min()}..{t.max()}")
    if reduction not in ("mean", "sum"):
        raise ValueError("cross_entropy: reduction must be 'mean' or 'sum'")
    return CrossEntropy(t, reduction)(logits)


class BCEWithLogits(Function):
    def forward(self, x, t):
        # NOTE: max(x, 0) - x*t + log1p(exp(-|x|)) never overflows exp.
        x_, t_ = x.data, t.data
        return np.mean(np.maximum(x_, 0) - x_ * t_ + np.log1p(np.exp(-np.abs(x_))))

    def vjp(self, out, grad, x, t):
        c = grad / max(x.data.size, 1)
        return c * (_sigmoid(x.data) - t.data), (-c * x.data) if t.requires_grad else None


_bce = BCEWithLogits()


def binary_cross_entropy_with_logits(logits, targets):
    """mean of the logistic loss of `logits` against 0/1 (or soft) `targets`, same shape."""
    _same_shape("binary_cross_entropy_with_logits", logits, targets)
    return _bce(logits, targets)
