# expect-hint: no Bessel's correction
# LayerNorm over the last axis, forward and fused backward.
import numpy as np

import ad
from ad import Function, Variable, tensor

EPS = 1e-5


def normalise(x):
    """x-hat and r = 1/sqrt(var + eps), over the last axis (rows of any leading shape)."""
    centred = x - x.mean(axis=-1, keepdims=True)  # (..., D)
    r = 1 / np.sqrt((centred ** 2).sum(axis=-1, keepdims=True)
                   / (x.shape[-1] - 1) + EPS)  # (..., 1), var over D
    return centred * r, r


class LayerNorm(Function):
    def forward(self, x, gain, bias):
        xhat, _ = normalise(x.data)
        return Variable(gain.data * xhat + bias.data)  # (..., D)

    def backward(self, x, gain, bias, grad):
        xhat, r = normalise(x.data)
        rows = tuple(range(grad.ndim - 1))  # every leading axis
        gain.grad += (grad * xhat).sum(axis=rows)  # (D,)
        bias.grad += grad.sum(axis=rows)  # (D,)
        dxhat = grad * gain.data  # (..., D)
        x.grad += r * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                       - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))


gen = np.random.default_rng(0)
x = tensor(gen.normal(size=(2, 3, 4)) * 3 + 1)  # (B, T, D)
gain, bias = tensor(np.ones(4)), tensor(np.zeros(4))
y = LayerNorm()(x, gain, bias)
print("each row's mean", (np.round(y.data.mean(axis=-1), 6) + 0.0).tolist())
print("each row's std ", np.round(y.data.std(axis=-1), 4).tolist())
want = ad.nn.functional.layer_norm(x.data, 4, gain.data, bias.data)
print("same as the engine's:", np.allclose(y.data, want.data))
