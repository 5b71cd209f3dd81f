"""Functional forms of layers and losses. The losses are fused ops: one node each, with the
numerically stable formula and its short gradient (softmax - onehot, sigmoid - target).
"""
import math as _math

import numpy as np

from .. import ops as _ops
from ..core import Function, Tensor, _grad_dtype, unbroadcast
from ..ops import xp
from ..ops.elementwise import Expm1 as _Expm1, ReLU, Sigmoid, Tanh
from ..ops.reduce import LogSoftmax, Softmax, _log_softmax

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
        n, c = logits.data.shape
        onehot = np.zeros((n, c), logits.data.dtype)
        onehot[np.arange(n), self.targets] = 1
        scale = grad / n if self.reduction == "mean" else grad
        return ((xp.softmax(logits.data, 1) - onehot) * scale,)  # (N, C)


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
        return c * (xp.sigmoid(x.data) - t.data), (-c * x.data) if t.requires_grad else None


_bce = BCEWithLogits()


def binary_cross_entropy_with_logits(logits, targets):
    """mean of the logistic loss of `logits` against 0/1 (or soft) `targets`, same shape."""
    _same_shape("binary_cross_entropy_with_logits", logits, targets)
    return _bce(logits, targets)


# --- More activations and losses (issue 13), composed of differentiable ops where that is as
# --- stable, so every one differentiates again -------------------------------------------------

_expm1 = _Expm1()


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x), requires_grad=False)


def _erf_array(x):
    # NOTE: numpy has no erf; math.erf per element is exact (scipy would be a heavy import in
    # the browser).
    out = np.frompyfunc(_math.erf, 1, 1)(x)
    return np.asarray(out, dtype=np.result_type(x, np.float32) if x.dtype.kind == "f"
                      else np.float64)


class Erf(Function):
    def forward(self, x):
        return _erf_array(x.data)

    def vjp(self, out, grad, x):  # 2/sqrt(pi) exp(-x**2)
        xd = x.data
        return (grad * 1.1283791670955126 * xp.exp(-(xd * xd)),)


_erf = Erf()


def erf(x):
    """The error function, elementwise (scipy.special.erf)."""
    return _erf(x)


class Softplus(Function):
    __slots__ = ("beta", "threshold")

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        z = x.data * self.beta
        # NOTE: max(z, 0) + log1p(exp(-|z|)) never overflows; above `threshold` it is z itself.
        soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / self.beta
        return np.where(z > self.threshold, x.data, soft).astype(soft.dtype, copy=False)

    def vjp(self, out, grad, x):  # sigmoid(beta x); 1 above the threshold
        xd = x.data
        z = xd * self.beta
        lin = xp.value(z) > self.threshold
        s = xp.sigmoid(z)
        return (grad * (xp.where(lin, 1, s) if lin.any() else s),)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, stable; linear where beta x > threshold (as PyTorch)."""
    return Softplus(beta, threshold)(input)


def log_sigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -Softplus(1.0, np.inf)(-_tensor(input))


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi the normal CDF, through erf); approximate='tanh' for
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))), as PyTorch."""
    x = _tensor(input)
    if approximate == "none":
        return x * (0.5 + 0.5 * _erf(x * 0.7071067811865476))
    if approximate == "tanh":
        return 0.5 * x * (1 + (0.7978845608028654 * (x + 0.044715 * x * x * x)).tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input):
    """x * sigmoid(x) (swish)."""
    x = _tensor(input)
    return x * x.sigmoid()


def elu(input, alpha=1.0):
    """x where x > 0, else alpha (exp(x) - 1)."""
    x = _tensor(input)
    pos = x.data > 0
    return _ops.where(pos, x, alpha * _expm1(_ops.where(pos, 0, x)))  # no exp of large x


def leaky_relu(input, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    x = _tensor(input)
    return _ops.where(x.data > 0, x, x * negative_slope)


def dropout(input, p=0.5, training=True, rng=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) while training;
    the identity otherwise. `rng`: a numpy Generator, for reproducible masks."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    x = _tensor(input)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    return x * (keep * (1.0 / (1 - p))).astype(_grad_dtype(x.dtype), copy=False)


def _reduce(loss, reduction, name):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def nll_loss(input, target, reduction="mean"):
    """The negative log-likelihood of (N, C) log-probabilities at N integer class indices
    (pair it with log_softmax)."""
    x = _tensor(input)
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if x.ndim != 2 or t.shape != x.shape[:1] or t.dtype.kind not in "iu":
        raise ValueError(f"nll_loss: input must be (N, C) log-probabilities and target N "
                         f"integer class indices; got shapes {x.shape} and {t.shape} "
                         f"(dtype {t.dtype})")
    if t.size and (t.min() < 0 or t.max() >= x.shape[1]):
        raise ValueError(f"nll_loss: targets must lie in [0, {x.shape[1]}), got "
                         f"{t.min()}..{t.max()}")
    return _reduce(-x[np.arange(len(t)), t], reduction, "nll_loss")


def l1_loss(input, target, reduction="mean"):
    """mean |input - target| (same shapes)."""
    _same_shape("l1_loss", input, target)
    return _reduce(abs(_tensor(input) - target), reduction, "l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target."""
    _same_shape("huber_loss", input, target)
    d = _tensor(input) - target
    a = abs(d)
    return _reduce(_ops.where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta)),
                   reduction, "huber_loss")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) of probabilities p; each log is clamped at -100, as
    PyTorch, so p = 0 or 1 gives a finite loss. Prefer binary_cross_entropy_with_logits."""
    _same_shape("binary_cross_entropy", input, target)
    p = _tensor(input)
    if ((p.data < 0) | (p.data > 1)).any():
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]. Hint: "
                         "pass logits to binary_cross_entropy_with_logits")
    with np.errstate(divide="ignore"):  # NOTE: log 0 = -inf, clamped to -100 below
        loss = -(target * p.log().clip(-100.0) + (1 - target) * (1 - p).log().clip(-100.0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the last len(normalized_shape) axes, then * weight
    + bias (both of normalized_shape)."""
    x = _tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the last axes of the "
                         f"input's shape {x.shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    y = d / ((d * d).mean(axis=axes, keepdims=True) + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


# --- Convolution and pooling on NCHW (im2col) -------------------------------------------------

def _pair(v, name):
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v!r}")
    return int(v[0]), int(v[1])


def _unfold_array(x, k, s, p, value, d=(1, 1)):
    """(N, C, H, W) -> (N, OH, OW, C, kh, kw): every window, padded with `value`; a window's
    taps are `d` apart (dilation), so it spans d * (k - 1) + 1 pixels."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    win = np.lib.stride_tricks.sliding_window_view(x, span, axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, OH, OW, kh, kw)
    return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5))


def _fold_array(cols, shape, k, s, p, d=(1, 1)):
    """The transpose of _unfold_array: each window's values added back where they came from."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    n, c, h, w = shape
    _, oh, ow = cols.shape[:3]
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    g = cols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kh, kw, OH, OW)
    for i in range(kh):
        for j in range(kw):  # tap (i, j) of every window: from (i * dh, j * dw), a stride apart
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, :, rows, columns] += g[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w]


class Unfold(Function):
    """im2col: (N, C, H, W) -> (N, OH, OW, C, kh, kw), the windows of a convolution."""

    __slots__ = ("k", "s", "p", "value", "d")

    def __init__(self, k, s, p, value=0.0, d=(1, 1)):
        self.k, self.s, self.p, self.value, self.d = k, s, p, value, d

    def forward(self, x):
        return _unfold_array(x.data, self.k, self.s, self.p, self.value, self.d)

    def vjp(self, out, grad, x):
        if isinstance(grad, Tensor):
            return (Fold(x.data.shape, self.k, self.s, self.p, self.d)(grad),)
        return (_fold_array(grad, x.data.shape, self.k, self.s, self.p, self.d),)


class Fold(Function):
    """col2im, the transpose of Unfold (its gradient, so a convolution differentiates again)."""

    __slots__ = ("shape", "k", "s", "p", "d")

    def __init__(self, shape, k, s, p, d=(1, 1)):
        self.shape, self.k, self.s, self.p, self.d = tuple(shape), k, s, p, d

    def forward(self, cols):
        return _fold_array(cols.data, self.shape, self.k, self.s, self.p, self.d)

    def vjp(self, out, grad, cols):
        return (_unfold(grad, self.k, self.s, self.p, self.d),)


def _unfold(x, k, s, p, d):
    if isinstance(x, Tensor):
        return Unfold(k, s, p, 0.0, d)(x)
    return _unfold_array(x, k, s, p, 0.0, d)


def _check_nchw(x, name, channels=None, groups=1):
    if x.ndim != 4:
        raise ValueError(f"{name}: input must be 4-D (N, C, H, W), got shape {x.shape}. Hint: "
                         "add the batch axis with x.reshape(1, *x.shape)")
    if channels is not None and x.shape[1] != channels:
        per = f" ({channels // groups} per group x groups={groups})" if groups > 1 else ""
        raise ValueError(f"{name}: input has {x.shape[1]} channels (shape {x.shape}) but the "
                         f"weight expects {channels}{per}")


def _out_size(n, k, s, p, name, d=1):
    span = d * (k - 1) + 1
    o = (n + 2 * p - span) // s + 1
    if o < 1:
        spans = f" (dilation {d}: it spans {span})" if d > 1 else ""
        raise ValueError(f"{name}: a window of {k}{spans} does not fit a size of {n} with "
                         f"padding {p}")
    return o


def _positive(v, name):
    v = _pair(v, name)
    if min(v) < 1:
        raise ValueError(f"conv2d: {name} must be at least 1, got {v}")
    return v


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (PyTorch's conv2d): input (N, C, H, W), weight (O, C / groups,
    kh, kw), bias (O,) -> (N, O, OH, OW). `dilation` spaces the kernel's taps that far apart;
    `groups` splits the channels into that many convolutions side by side (groups = C:
    depthwise), each seeing C / groups input and making O / groups output channels."""
    x, w = _tensor(input), _tensor(weight)
    if w.ndim != 4:
        raise ValueError(f"conv2d: weight must be (out_channels, in_channels / groups, kh, kw), "
                         f"got shape {w.shape}")
    if not isinstance(groups, (int, np.integer)) or groups < 1 or w.shape[0] % groups:
        raise ValueError(f"conv2d: groups must be a positive integer that divides the "
                         f"out_channels of the weight ({w.shape[0]}), got {groups!r}")
    _check_nchw(x, "conv2d", w.shape[1] * groups, groups)
    o, cg, kh, kw = w.shape
    s, p = _positive(stride, "stride"), _pair(padding, "padding")
    d = _positive(dilation, "dilation")
    oh = _out_size(x.shape[2], kh, s[0], p[0], "conv2d", d[0])
    ow = _out_size(x.shape[3], kw, s[1], p[1], "conv2d", d[1])
    n, k = x.shape[0], cg * kh * kw
    cols = Unfold((kh, kw), s, p, 0.0, d)(x)  # (N, OH, OW, C, kh, kw)
    if groups == 1:
        y = linear(cols.reshape(n * oh * ow, k), w.reshape(o, k), bias)  # one matrix product
    else:  # one product per group, as a batch: (G, N*OH*OW, K) @ (G, K, O/G)
        cols = cols.reshape(n * oh * ow, groups, k).transpose(1, 0, 2)
        y = cols @ w.reshape(groups, o // groups, k).transpose(0, 2, 1)
        y = y.transpose(1, 0, 2).reshape(n * oh * ow, o)  # group g: channels g*O/G onwards
        if bias is not None:
            y = y + bias
    return y.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)


def _pool(input, kernel_size, stride, padding, name, value):
    x = _tensor(input)
    _check_nchw(x, name)
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    p = _pair(padding, "padding")
    if p[0] * 2 > k[0] or p[1] * 2 > k[1]:
        raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    oh = _out_size(x.shape[2], k[0], s[0], p[0], name)
    ow = _out_size(x.shape[3], k[1], s[1], p[1], name)
    n, c = x.shape[:2]
    return Unfold(k, s, p, value)(x).reshape(n, oh, ow, c, k[0] * k[1])


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """The max of each window (stride defaults to kernel_size; padding counts as -inf)."""
    win = _pool(input, kernel_size, stride, padding, "max_pool2d", -np.inf)
    return win.max(axis=-1).transpose(0, 3, 1, 2)


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """The mean of each window (stride defaults to kernel_size; padding counts as zeros)."""
    win = _pool(input, kernel_size, stride, padding, "avg_pool2d", 0.0)
    return win.mean(axis=-1).transpose(0, 3, 1, 2)
