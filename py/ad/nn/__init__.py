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
        out, seen = [], set()
        stack = [("", self)]
        while stack:
            prefix, obj = stack.pop()
            if isinstance(obj, Tensor):
                if obj.requires_grad and id(obj) not in seen:
                    seen.add(id(obj))
                    out.append((prefix, obj))
                continue
            if isinstance(obj, Module):
                items = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                items = [(str(i), v) for i, v in enumerate(obj)]
            elif isinstance(obj, dict):
                items = [(str(k), v) for k, v in obj.items()]
            else:
                continue
            for name, value in reversed(items):  # reversed: the stack pops in order
                stack.append((f"{prefix}.{name}" if prefix else name, value))
        return out

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
