"""Neural-network building blocks: Module (finds its parameters), Linear, Sequential and
activation modules. `ad.nn.functional` holds the functional forms and the losses.
"""
import numpy as np

from ..core import Tensor, tensor
from . import functional

__all__ = ["Module", "Linear", "Sequential", "Tanh", "ReLU", "Sigmoid", "functional"]


class Module:
    """Subclass it, set Tensors and Modules as attributes in __init__, define forward().

    parameters() finds every Tensor attribute that wants a gradient, through nested Modules
    and lists/tuples/dicts of them, in definition order, without recursion."""

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_parameters(self):
        return [(name, t) for name, t in _named_members(self)
                if isinstance(t, Tensor) and t.requires_grad]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Module):
    """y = x @ weight.T + bias, weight (out, in) initialised U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features, out_features, bias=True, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        k = 1.0 / np.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = tensor(rng.uniform(-k, k, (out_features, in_features)))
        self.bias = tensor(rng.uniform(-k, k, (out_features,))) if bias else None

    def forward(self, x):
        return functional.linear(x, self.weight, self.bias)

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features}, bias={self.bias is not None})"


class Sequential(Module):
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}," for layer in self.layers)
        return f"Sequential({inner}\n)"


class Tanh(Module):
    def forward(self, x):
        return functional.tanh(x)


class ReLU(Module):
    def forward(self, x):
        return functional.relu(x)


class Sigmoid(Module):
    def forward(self, x):
        return functional.sigmoid(x)


# --- Training mode, state and the layers of issue 13 -------------------------------------------

def _named_members(root):
    """(name, x) for root and every Module and Tensor inside it (through attributes, lists,
    tuples and dicts), each once, in definition order, without recursion. Names read as a path
    ("layers.0.weight"); a Module seen again is not walked again (so a cycle ends)."""
    seen, stack = set(), [("", root)]
    while stack:
        prefix, obj = stack.pop()
        if isinstance(obj, (Tensor, Module)):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield prefix, obj
            if isinstance(obj, Tensor):
                continue
            items = list(vars(obj).items())
        elif isinstance(obj, (list, tuple)):
            items = [(str(i), v) for i, v in enumerate(obj)]
        elif isinstance(obj, dict):
            items = [(str(k), v) for k, v in obj.items()]
        else:
            continue
        for name, value in reversed(items):  # reversed: the stack pops in order
            stack.append((f"{prefix}.{name}" if prefix else name, value))


def _named_tensors(root):
    """Every Tensor inside root: parameters and buffers such as running means."""
    return [(name, t) for name, t in _named_members(root) if isinstance(t, Tensor)]


def _train(self, mode=True):
    """Training mode (Dropout drops, BatchNorm uses batch statistics) for this module and
    every module inside it; returns self."""
    for _, m in _named_members(self):
        if isinstance(m, Module):
            m.training = bool(mode)
    return self


def _eval(self):
    """Evaluation mode: train(False)."""
    return self.train(False)


def _state_dict(self):
    """{name: a copy of the array} for every parameter and buffer (running statistics)."""
    return {name: np.array(t.data) for name, t in _named_tensors(self)}


def _load_state_dict(self, state, strict=True):
    """Copy arrays saved by state_dict() into this module's tensors (in place, so an optimizer
    holding them keeps working). strict: the names must match exactly."""
    own = dict(_named_tensors(self))
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if strict and (missing or unexpected):
        raise KeyError(f"load_state_dict: missing {missing}, unexpected {unexpected}. Hint: "
                       "build the same architecture before loading, or pass strict=False")
    for name, t in own.items():
        if name not in state:
            continue
        value = np.asarray(state[name])
        if value.shape != t.data.shape:
            raise ValueError(f"load_state_dict: {name} has shape {t.data.shape} but the saved "
                             f"array has shape {value.shape}")
        t.data = value.astype(t.data.dtype, copy=True)


def _save(self, path):
    """Write state_dict() to an .npz file (numpy.savez)."""
    np.savez(path, **self.state_dict())


def _load(self, path, strict=True):
    """Read an .npz file written by save() into this module; returns self."""
    with np.load(path) as saved:
        self.load_state_dict({k: saved[k] for k in saved.files}, strict)
    return self


Module.training = True  # a class default: subclasses need not call Module.__init__
Module.train, Module.eval = _train, _eval
Module.state_dict, Module.load_state_dict = _state_dict, _load_state_dict
Module.save, Module.load = _save, _load


def _uniform(rng, k, shape):
    rng = np.random.default_rng() if rng is None else rng
    return tensor(rng.uniform(-k, k, shape))


class Conv2d(Module):
    """2-D convolution over (N, C, H, W) (see functional.conv2d); weight (out, in / groups, kh,
    kw) initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in / groups * kh * kw, as
    PyTorch."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, rng=None):
        if not isinstance(groups, (int, np.integer)) or groups < 1 or (
                in_channels % groups or out_channels % groups):
            raise ValueError(f"Conv2d: groups ({groups!r}) must be a positive integer dividing "
                             f"in_channels ({in_channels}) and out_channels ({out_channels})")
        rng = np.random.default_rng() if rng is None else rng
        kh, kw = functional._pair(kernel_size, "kernel_size")
        k = 1.0 / np.sqrt(in_channels // groups * kh * kw)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        self.dilation, self.groups = dilation, groups
        self.weight = _uniform(rng, k, (out_channels, in_channels // groups, kh, kw))
        self.bias = _uniform(rng, k, (out_channels,)) if bias else None

    def forward(self, x):
        return functional.conv2d(x, self.weight, self.bias, self.stride, self.padding,
                                 self.dilation, self.groups)

    def __repr__(self):
        extra = "".join(f", {name}={value}" for name, value, default in (
            ("dilation", self.dilation, 1), ("groups", self.groups, 1)) if value != default)
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size="
                f"{self.kernel_size}, stride={self.stride}, padding={self.padding}{extra})")


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return functional.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def __repr__(self):
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride})"


class AvgPool2d(MaxPool2d):
    def forward(self, x):
        return functional.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def __repr__(self):
        return f"AvgPool2d(kernel_size={self.kernel_size}, stride={self.stride})"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one (by default all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        nd = x.ndim
        s, e = self.start_dim % nd, self.end_dim % nd
        return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])

    def __repr__(self):
        return f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})"


class Embedding(Module):
    """A lookup table: integer indices of any shape -> their rows of weight
    (num_embeddings, embedding_dim), initialised N(0, 1); repeated indices accumulate."""

    def __init__(self, num_embeddings, embedding_dim, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = tensor(rng.standard_normal((num_embeddings, embedding_dim)))

    def forward(self, indices):
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise IndexError(f"Embedding: indices must lie in [0, {self.num_embeddings}), got "
                             f"{idx.min()}..{idx.max()}")
        return self.weight[idx]

    def __repr__(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                 else tuple(normalized_shape))
        self.normalized_shape, self.eps = shape, eps
        self.weight = tensor(np.ones(shape)) if elementwise_affine else None
        self.bias = tensor(np.zeros(shape)) if elementwise_affine else None

    def forward(self, x):
        return functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def __repr__(self):
        return f"LayerNorm({self.normalized_shape}, eps={self.eps})"


class BatchNorm1d(Module):
    """Normalise each feature of (N, C) or (N, C, L) by the batch's mean and variance while
    training (updating running averages with `momentum`), by the running ones in eval()."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = tensor(np.ones(num_features)) if affine else None
        self.bias = tensor(np.zeros(num_features)) if affine else None
        self.running_mean = tensor(np.zeros(num_features), requires_grad=False)
        self.running_var = tensor(np.ones(num_features), requires_grad=False)

    def forward(self, x):
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}): input must be (N, "
                             f"{self.num_features}) or (N, {self.num_features}, L), got "
                             f"shape {x.shape}")
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
        if self.training:
            n = x.size // self.num_features
            if n < 2:
                raise ValueError("BatchNorm1d: training needs more than one value per feature "
                                 "(a batch of at least 2). Hint: call model.eval() for one "
                                 "sample")
            mean = x.mean(axis=axes, keepdims=True)
            d = x - mean
            var = (d * d).mean(axis=axes, keepdims=True)
            m = self.momentum  # running statistics: plain arrays, no gradient
            self.running_mean.data = (1 - m) * self.running_mean.data + m * mean.data.reshape(-1)
            self.running_var.data = ((1 - m) * self.running_var.data
                                     + m * var.data.reshape(-1) * (n / (n - 1)))  # unbiased
            y = d / (var + self.eps).sqrt()
        else:
            y = ((x - self.running_mean.data.reshape(shape))
                 / np.sqrt(self.running_var.data.reshape(shape) + self.eps))
        if self.weight is not None:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def __repr__(self):
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum})"


class Dropout(Module):
    def __init__(self, p=0.5, rng=None):
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p, self.rng = p, rng

    def forward(self, x):
        return functional.dropout(x, self.p, self.training, self.rng)

    def __repr__(self):
        return f"Dropout(p={self.p})"


__all__ += ["AvgPool2d", "BatchNorm1d", "Conv2d", "Dropout", "Embedding", "Flatten", "LayerNorm",
            "MaxPool2d"]
