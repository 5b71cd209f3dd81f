# expect-hint: post-norm
# A transformer block from your own Functions: LayerNorm (lesson 12), Attention (lesson 13),
# multi-head attention and an MLP, each with a residual connection.
import numpy as np

import ad
from ad import Function, Variable, nn

# ---- your Functions from lessons 12 and 13 ----


def normalise(x, eps=1e-5):
    centred = x - x.mean(axis=-1, keepdims=True)
    r = 1 / np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + eps)
    return centred * r, r


class LayerNorm(Function):
    def forward(self, x, gain, bias):
        return Variable(gain.data * normalise(x.data)[0] + bias.data)

    def backward(self, x, gain, bias, grad):
        xhat, r = normalise(x.data)
        rows = tuple(range(grad.ndim - 1))
        gain.grad += (grad * xhat).sum(axis=rows)
        bias.grad += grad.sum(axis=rows)
        dxhat = grad * gain.data
        x.grad += r * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                       - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))


def probabilities(q, k):
    T, d = q.shape[-2:]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)
    scores = np.where(np.triu(np.ones((T, T), dtype=bool), k=1), -np.inf, scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Attention(Function):
    def forward(self, q, k, v):
        return Variable(probabilities(q.data, k.data) @ v.data)

    def backward(self, q, k, v, grad):
        d = q.data.shape[-1]
        p = probabilities(q.data, k.data)
        v.grad += p.swapaxes(-1, -2) @ grad
        dp = grad @ v.data.swapaxes(-1, -2)
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
        q.grad += ds @ k.data / np.sqrt(d)
        k.grad += ds.swapaxes(-1, -2) @ q.data / np.sqrt(d)


# ---- this lesson ----


def split_heads(x, H):
    """(B, T, C) -> (B, H, T, C/H): head h gets columns h*C/H ... (h+1)*C/H - 1."""
    B, T, C = x.shape
    return x.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(B, H, T, C/H) -> (B, T, C): the inverse of split_heads."""
    B, H, T, hd = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * hd)


class Block(nn.Module):
    """Pre-norm: x + attention(LN1(x)), then + MLP(LN2(x)); x is (B, T, C)."""

    def __init__(self, C, H, gen):
        self.H = H
        s = C ** -0.5
        self.ln1_gain, self.ln1_bias = ad.tensor(np.ones(C)), ad.tensor(np.zeros(C))
        self.Wq, self.Wk, self.Wv = (ad.tensor(gen.normal(scale=s, size=(C, C))) for _ in "qkv")
        self.Wo = ad.tensor(gen.normal(scale=0.5 * s, size=(C, C)))
        self.ln2_gain, self.ln2_bias = ad.tensor(np.ones(C)), ad.tensor(np.zeros(C))
        self.W1 = ad.tensor(gen.normal(scale=s, size=(C, 4 * C)))
        self.b1 = ad.tensor(np.zeros(4 * C))
        self.W2 = ad.tensor(gen.normal(scale=0.5 * (4 * C) ** -0.5, size=(4 * C, C)))
        self.b2 = ad.tensor(np.zeros(C))

    def forward(self, x):
        q, k, v = (split_heads(x @ W, self.H) for W in (self.Wq, self.Wk, self.Wv))
        x = LayerNorm()(x + merge_heads(Attention()(q, k, v)) @ self.Wo, self.ln1_gain,
                        self.ln1_bias)
        y = x + (x @ self.W1 + self.b1).relu() @ self.W2 + self.b2
        return LayerNorm()(y, self.ln2_gain, self.ln2_bias)


gen = np.random.default_rng(0)
block = Block(C=8, H=2, gen=gen)
x = ad.tensor(gen.normal(size=(3, 5, 8)))  # (B, T, C)
y = block(x)
print("y", y.shape, "from x", x.shape)
y.backward(gen.normal(size=y.shape))
for name, p in block.named_parameters():
    print(f"{name:<9} grad {str(p.grad.shape):<8} |grad| {np.abs(p.grad).mean():.4f}")
