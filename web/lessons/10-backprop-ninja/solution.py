# Backprop by hand through makemore's MLP with BatchNorm: every intermediate's gradient.
import numpy as np


def log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def init(gen, V=27, T=3, E=10, H=64):
    """The parameters: embeddings C, the first layer, BatchNorm's gain and bias, the second."""
    return {"C": gen.normal(size=(V, E)),
            "W1": gen.normal(size=(T * E, H)) * (5 / 3) / (T * E) ** 0.5,
            "b1": gen.normal(size=H) * 0.1,
            "bngain": 1 + gen.normal(size=(1, H)) * 0.1,
            "bnbias": gen.normal(size=(1, H)) * 0.1,
            "W2": gen.normal(size=(H, V)) * 0.1,
            "b2": gen.normal(size=V) * 0.1}


def forward(p, X, Y):
    """Every intermediate, by name (given: do not change it)."""
    n = len(X)
    c = {}
    c["emb"] = p["C"][X]  # (N, T, E)
    c["embcat"] = c["emb"].reshape(n, -1)  # (N, T*E)
    c["hprebn"] = c["embcat"] @ p["W1"] + p["b1"]  # (N, H)
    c["bnmeani"] = c["hprebn"].sum(axis=0, keepdims=True) / n  # (1, H)
    c["bndiff"] = c["hprebn"] - c["bnmeani"]  # (N, H)
    c["bndiff2"] = c["bndiff"] ** 2  # (N, H)
    c["bnvar"] = c["bndiff2"].sum(axis=0, keepdims=True) / (n - 1)  # (1, H), Bessel
    c["bnvar_inv"] = (c["bnvar"] + 1e-5) ** -0.5  # (1, H)
    c["bnraw"] = c["bndiff"] * c["bnvar_inv"]  # (N, H)
    c["hpreact"] = p["bngain"] * c["bnraw"] + p["bnbias"]  # (N, H)
    c["h"] = np.tanh(c["hpreact"])  # (N, H)
    c["logits"] = c["h"] @ p["W2"] + p["b2"]  # (N, V)
    c["logprobs"] = log_softmax(c["logits"])  # (N, V)
    c["loss"] = -c["logprobs"][np.arange(n), Y].mean()  # ()
    return c


def backward(p, c, X, Y):
    """d[name] = dloss/d(name) for every intermediate and parameter, of its value's shape."""
    n = len(X)
    d = {}
    d["logprobs"] = np.zeros_like(c["logprobs"])  # (N, V): only the picked entries count
    d["logprobs"][np.arange(n), Y] = -1 / n
    probs = np.exp(c["logprobs"])
    d["logits"] = d["logprobs"] - probs * d["logprobs"].sum(axis=1, keepdims=True)  # (N, V)
    d["h"] = d["logits"] @ p["W2"].T  # (N, V) @ (V, H)
    d["W2"] = c["h"].T @ d["logits"]  # (H, N) @ (N, V)
    d["b2"] = d["logits"].sum(axis=0)  # (V,)
    d["hpreact"] = (1 - c["h"] ** 2) * d["h"]  # (N, H)
    d["bngain"] = (c["bnraw"] * d["hpreact"]).sum(axis=0, keepdims=True)  # (1, H)
    d["bnbias"] = d["hpreact"].sum(axis=0, keepdims=True)  # (1, H)
    d["bnraw"] = p["bngain"] * d["hpreact"]  # (N, H)
    d["bnvar_inv"] = (c["bndiff"] * d["bnraw"]).sum(axis=0, keepdims=True)  # (1, H)
    d["bnvar"] = -0.5 * (c["bnvar"] + 1e-5) ** -1.5 * d["bnvar_inv"]  # (1, H)
    d["bndiff2"] = np.ones_like(c["bndiff2"]) / (n - 1) * d["bnvar"]  # (N, H), Bessel
    d["bndiff"] = c["bnvar_inv"] * d["bnraw"] + 2 * c["bndiff"] * d["bndiff2"]  # two uses
    d["bnmeani"] = -d["bndiff"].sum(axis=0, keepdims=True)  # (1, H)
    d["hprebn"] = d["bndiff"] + d["bnmeani"] / n  # (N, H): bnmeani is a mean of hprebn
    d["embcat"] = d["hprebn"] @ p["W1"].T  # (N, H) @ (H, T*E)
    d["W1"] = c["embcat"].T @ d["hprebn"]  # (T*E, N) @ (N, H)
    d["b1"] = d["hprebn"].sum(axis=0)  # (H,)
    d["emb"] = d["embcat"].reshape(c["emb"].shape)  # (N, T, E)
    d["C"] = np.zeros_like(p["C"])  # (V, E)
    np.add.at(d["C"], X, d["emb"])  # repeated characters add up
    return d


def cross_entropy_backward(logits, Y):
    """dloss/dlogits in one step: (softmax - onehot) / N, (N, V)."""
    n = len(Y)
    d = np.exp(log_softmax(logits))
    d[np.arange(n), Y] -= 1
    return d / n


def batchnorm_backward(dhpreact, hprebn, bngain):
    """dloss/dhprebn in one step, from dloss/dhpreact (N, H)."""
    n = len(hprebn)
    bndiff = hprebn - hprebn.mean(axis=0, keepdims=True)
    bnvar_inv = ((bndiff ** 2).sum(axis=0, keepdims=True) / (n - 1) + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    return bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(axis=0, keepdims=True)
                                     - n / (n - 1) * bnraw
                                     * (dhpreact * bnraw).sum(axis=0, keepdims=True))


gen = np.random.default_rng(0)
p = init(gen)
X, Y = gen.integers(0, 27, size=(32, 3)), gen.integers(0, 27, size=32)
c = forward(p, X, Y)
d = backward(p, c, X, Y)
print(f"loss {c['loss']:.4f}")
for name in ("logits", "bnmeani", "hprebn", "W1", "C"):
    value, grad = c.get(name, p.get(name)), d.get(name)
    shape = "missing" if grad is None else str(np.shape(grad))
    print(f"d{name:<8} {shape:<10} (its value: {value.shape})")
for what, fused, steps in (
        ("cross-entropy", cross_entropy_backward(c["logits"], Y), d.get("logits")),
        ("BatchNorm    ", batchnorm_backward(d.get("hpreact", 0 * c["h"]), c["hprebn"],
                                             p["bngain"]), d.get("hprebn"))):
    same = fused is not None and steps is not None and np.allclose(fused, steps)
    print(f"fused {what} == step by step: {same}")
