# Train a tiny GPT on names: the bigram baseline, the data, the masked loss, Adam, sampling.
import time

import numpy as np

import ad
from ad import Function, Variable, nn
from coursedata import checking, names
from playground import plot

# ---- your pieces from lessons 11 to 14 ----


class Embedding(Function):
    def __init__(self, idx):
        self.idx = np.asarray(idx)

    def forward(self, weight):
        return Variable(weight.data[self.idx])

    def backward(self, weight, grad):
        np.add.at(weight.grad, self.idx, grad)


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
        h = LayerNorm()(x, self.ln1_gain, self.ln1_bias)  # (B, T, C)
        q, k, v = (split_heads(h @ W, self.H) for W in (self.Wq, self.Wk, self.Wv))
        x = x + merge_heads(Attention()(q, k, v)) @ self.Wo  # residual
        h = LayerNorm()(x, self.ln2_gain, self.ln2_bias)
        return x + (h @ self.W1 + self.b1).relu() @ self.W2 + self.b2  # residual


# ---- this lesson ----

CHARS = ".abcdefghijklmnopqrstuvwxyz"  # "." starts and ends every name
STOI = {c: i for i, c in enumerate(CHARS)}
V = len(CHARS)


def encode(words, T):
    """Rows for words of at most T - 1 letters: X = "." + word, Y = word + "." (the next
    character at each position), zero-padded to T; M marks the real targets. (N, T) each."""
    X, Y = np.zeros((len(words), T), int), np.zeros((len(words), T), int)
    M = np.zeros((len(words), T), bool)
    return X, Y, M  # TODO: fill a row per word


def bigram_loss(train_words, test_words):
    """The baseline: next-character counts on train_words (plus one everywhere), and their mean
    negative log-likelihood per character on test_words (each word's end included)."""
    return 0.0  # TODO


class GPT(nn.Module):
    def __init__(self, T=12, C=24, H=4, layers=1, seed=0):
        gen = np.random.default_rng(seed)
        self.T = T
        self.tok = ad.tensor(gen.normal(scale=0.1, size=(V, C)))  # (V, C)
        self.pos = ad.tensor(gen.normal(scale=0.1, size=(T, C)))  # (T, C)
        self.blocks = [Block(C, H, gen) for _ in range(layers)]
        self.ln_gain, self.ln_bias = ad.tensor(np.ones(C)), ad.tensor(np.zeros(C))
        self.head = ad.tensor(gen.normal(scale=C ** -0.5, size=(C, V)))
        self.head_bias = ad.tensor(np.zeros(V))

    def forward(self, idx):
        """idx (B, t), t <= T -> logits (B, t, V)."""
        x = Embedding(idx)(self.tok) + self.pos[:idx.shape[1]]  # (B, t, C)
        for block in self.blocks:
            x = block(x)
        return LayerNorm()(x, self.ln_gain, self.ln_bias) @ self.head + self.head_bias

    def loss(self, X, Y, M):
        """The mean cross-entropy over the real targets only (M): padding does not count."""
        logits = self(X).reshape(-1, V)  # (N*T, V)
        return ad.nn.functional.cross_entropy(logits, Y.reshape(-1))  # TODO: only where M


def train(model, X, Y, M, steps, batch=32, lr=5e-3, seed=0, seconds=None, curve=None):
    """Adam on random batches of rows; the loss of every step (stops early after `seconds`)."""
    gen = np.random.default_rng(seed)
    opt = ad.optim.Adam(model.parameters(), lr=lr)
    losses, started = [], time.perf_counter()
    for _ in range(steps):
        rows = gen.integers(0, len(X), batch)
        loss = model.loss(X[rows], Y[rows], M[rows])
        # TODO: zero the gradients, backward, a step of Adam
        losses.append(float(loss.data))
        if curve is not None:
            curve.append(losses[-1])
        if seconds is not None and time.perf_counter() - started > seconds:
            break
    return losses


def sample(model, gen, max_letters=20):
    """One new name: start from ".", feed at most the last T characters, draw the next one
    from the softmax of the last position's logits, stop at "."."""
    return ""  # TODO


words = names()
np.random.default_rng(0).shuffle(words)
split = int(0.9 * len(words))
train_words, val_words = words[:split], words[split:]
baseline = bigram_loss(train_words, val_words)
print(f"{len(words)} names; the bigram baseline on held-out names: {baseline:.3f}")
if not checking():  # Check tests the pieces on small cases of its own; Run trains
    model = GPT()
    X, Y, M = encode(train_words, model.T)
    started = time.perf_counter()
    losses = train(model, X, Y, M, steps=2500, seconds=50, curve=plot(title="training loss"))
    with ad.no_grad():
        held_out = float(model.loss(*encode(val_words, model.T)).data)
    print(f"{len(losses)} steps in {time.perf_counter() - started:.1f} s; held-out loss "
          f"{held_out:.3f} (bigram {baseline:.3f})")
    gen = np.random.default_rng()
    print("new names:", ", ".join(sample(model, gen) for _ in range(20)))
