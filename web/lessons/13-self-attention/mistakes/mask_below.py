# expect-hint: You hid the past
# Scaled dot-product attention with a causal mask: forward and backward.
import numpy as np

from ad import Function, Variable, tensor


def causal_mask(T):
    """True where key position s comes after query position t: (T, T)."""
    return np.tril(np.ones((T, T), dtype=bool), k=-1)


def softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))  # NOTE: the diagonal is never masked
    return e / e.sum(axis=-1, keepdims=True)


def probabilities(q, k):
    """P = softmax(mask(Q K^T / sqrt(d))), (..., T, T)."""
    T, d = q.shape[-2:]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)  # (..., T, d) @ (..., d, T)
    scores = np.where(causal_mask(T), -np.inf, scores)  # before the softmax
    return softmax(scores)


class Attention(Function):
    def forward(self, q, k, v):
        return Variable(probabilities(q.data, k.data) @ v.data)  # (..., T, T) @ (..., T, dv)

    def backward(self, q, k, v, grad):
        d = q.data.shape[-1]
        p = probabilities(q.data, k.data)  # (..., T, T)
        v.grad += p.swapaxes(-1, -2) @ grad  # (..., T, T) @ (..., T, dv)
        dp = grad @ v.data.swapaxes(-1, -2)  # (..., T, dv) @ (..., dv, T)
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))  # softmax's backward
        q.grad += ds @ k.data / np.sqrt(d)  # (..., T, T) @ (..., T, d)
        k.grad += ds.swapaxes(-1, -2) @ q.data / np.sqrt(d)


gen = np.random.default_rng(0)
T, d, dv = 4, 3, 2
q, k, v = (tensor(gen.normal(size=(T, n))) for n in (d, d, dv))
out = Attention()(q, k, v)
print("P (rows sum to 1, nothing above the diagonal):")
print(np.round(probabilities(q.data, k.data), 3))
out.backward(gen.normal(size=(T, dv)))
print("k.grad of the last key (seen by the last query only):", np.round(k.grad[-1], 4))
