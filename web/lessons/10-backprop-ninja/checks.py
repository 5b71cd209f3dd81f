# Checks for lesson 10: each gradient of backward(p, c, X, Y), in the order the chain rule
# reaches it, against the engine's backward through the same forward (exact shape and dtype,
# then values), on sizes the learner did not choose; then the two fused backwards.
import numpy as np

import ad
from ad.nn import functional as F
from lessoncheck import Failed, check, expect_array, need, random_shape, rng

ORDER = ["logprobs", "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw",
         "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "W1", "b1",
         "emb", "C"]
HINTS = {
    "logprobs": ["The loss is minus the mean of one log-probability per row: only those entries "
                 "get a gradient.", "-1/N at [row, Y[row]], 0 elsewhere."],
    "logits": ["Each log-probability depends on every logit of its row, through the "
               "log-sum-exp: two terms, one of them shared by the whole row.",
               "log_softmax(z) = z - logsumexp(z), and logsumexp's derivative is softmax: "
               "dlogits is dlogprobs minus softmax(logits) times each row's sum of dlogprobs, "
               "that sum kept as (N, 1)."],
    "h": ["logits = h @ W2 + b2: which product of dlogits (N, V) and W2 (H, V) has h's shape?",
          "W2 enters transposed, on the right of dlogits: (N, V) @ (V, H) gives (N, H)."],
    "W2": ["logits = h @ W2 + b2: which product of h (N, H) and dlogits (N, V) has W2's shape?",
           "h enters transposed, on the left of dlogits: (H, N) @ (N, V) gives (H, V)."],
    "b2": ["b2 is broadcast over the N rows: every row sends its gradient back to it.",
           "db2 = dlogits summed over the rows, shape (V,)."],
    "hpreact": ["tanh' is 1 - tanh²: and you already have tanh, it is h.",
                "Multiply dh elementwise by tanh's derivative written with h itself, one minus "
                "h squared (no second tanh): the result is (N, H)."],
    "bngain": ["bngain (1, H) scales every row: the rows' gradients add up, and the axis stays.",
               "Multiply bnraw by dhpreact elementwise, then sum over axis 0 with "
               "`keepdims=True`: (1, H)."],
    "bnbias": ["bnbias (1, H) is added to every row: the rows' gradients add up, and the axis "
               "stays.", "Sum dhpreact over the rows, axis 0, with `keepdims=True`: (1, H)."],
    "bnraw": ["hpreact = bngain * bnraw + bnbias: elementwise, with bngain broadcast.",
              "Each element of bnraw is scaled by its column's gain: the same factor scales its "
              "gradient, broadcast over the rows."],
    "bnvar_inv": ["bnvar_inv (1, H) multiplies every row of bndiff: sum over the rows, keep the "
                  "axis.",
                  "bnraw is bndiff times bnvar_inv, so the factor that goes with bnvar_inv is "
                  "bndiff: multiply it by dbnraw elementwise, then sum over axis 0 with "
                  "`keepdims=True`."],
    "bnvar": ["`bnvar_inv = (bnvar + 1e-5) ** -0.5`: the power rule.",
              "The derivative of (v + eps)^(-1/2) is -1/2 (v + eps)^(-3/2): that, at bnvar, "
              "times dbnvar_inv, elementwise, (1, H)."],
    "bndiff2": ["bnvar sums bndiff2 over the rows and divides by N - 1 (Bessel's correction): "
                "each element gets the same share.",
                "Every element of bndiff2 gets its column's dbnvar divided by N - 1, broadcast "
                "to bndiff2's shape (N, H)."],
    "bndiff": ["bndiff is used twice, by bnraw and by bndiff2: its gradient is the sum of "
               "both uses.",
               "Add the two paths, each times its own upstream gradient: through bnraw the "
               "factor is bnvar_inv, through bndiff2 the derivative of a square, 2 bndiff."],
    "bnmeani": ["bndiff = hprebn - bnmeani, with bnmeani (1, H) broadcast over the rows: "
                "minus the sum over the rows, the axis kept.",
                "Sum dbndiff over axis 0 with `keepdims=True`, and change its sign: (1, H)."],
    "hprebn": ["hprebn is used twice: directly in bndiff, and through its mean bnmeani.",
               "The direct path gives dbndiff as it is; the mean's path gives dbnmeani, shared "
               "by the N rows, 1/N each (broadcast): add the two."],
    "embcat": ["hprebn = embcat @ W1 + b1: which product of dhprebn (N, H) and W1 (T*E, H) has "
               "embcat's shape?",
               "W1 enters transposed, on the right of dhprebn: (N, H) @ (H, T*E) gives "
               "(N, T*E)."],
    "W1": ["hprebn = embcat @ W1 + b1: which product of embcat and dhprebn has W1's shape?",
           "embcat enters transposed, on the left of dhprebn: (T*E, N) @ (N, H) gives "
           "(T*E, H)."],
    "b1": ["b1 is broadcast over the rows: sum the rows' gradients.",
           "db1 = dhprebn summed over axis 0, shape (H,)."],
    "emb": ["embcat is emb with its last two axes joined: its gradient is dembcat with them "
            "split again.", "Reshape dembcat back to emb's own shape, (N, T, E): nothing else "
            "changes."],
    "C": ["Each row of emb is a copy of one row of C: every copy sends its gradient back to "
          "that row, and a character used twice gets both.",
          "Start from zeros of C's shape and add demb's rows at the indices X with `np.add.at`, "
          "which adds once per occurrence: an indexed `+=` keeps only one of each repeated "
          "row."],
}
LIKELY = {  # (name, wrong value(reference values), ladder) of the lesson's known mistakes
    "bndiff2": lambda r, n: ([r["bndiff2"] * (n - 1) / n],
                             ["bnvar divides by N - 1 (Bessel's correction), so each element's "
                              "share is 1/(N - 1), not 1/N.", HINTS["bndiff2"][1]]),
    "bndiff": lambda r, n: ([r["bnvar_inv"] * r["bnraw"]],
                            ["bndiff is used twice, by bnraw and by bndiff2: you kept one use; "
                             "its gradient is the sum of both.", HINTS["bndiff"][1]]),
}


def sizes(gen):
    """N, V, T, E, H: N, V, H and T*E all different, so a swapped operand cannot hide."""
    while True:
        n, v, h = random_shape(gen, 3, low=5, high=12)
        t, e = random_shape(gen, 2, low=2, high=4)
        if t * e not in (n, v, h):
            return n, v, t, e, h


def problem(gen):
    n, v, t, e, h = sizes(gen)
    p = {"C": gen.normal(size=(v, e)), "W1": gen.normal(size=(t * e, h)) / (t * e) ** 0.5,
         "b1": gen.normal(size=h) * 0.1, "bngain": 1 + gen.normal(size=(1, h)) * 0.1,
         "bnbias": gen.normal(size=(1, h)) * 0.1, "W2": gen.normal(size=(h, v)) * 0.3,
         "b2": gen.normal(size=v) * 0.1}
    X = gen.integers(0, v, size=(n, t))
    X[1, 0] = X[0, 0]  # a character used twice at least: its rows of dC add up
    return p, X, gen.integers(0, v, size=n)


def forward(p, X, Y):
    """The lesson's forward, the checks' own copy."""
    n = len(X)
    c = {"emb": p["C"][X]}
    c["embcat"] = c["emb"].reshape(n, -1)
    c["hprebn"] = c["embcat"] @ p["W1"] + p["b1"]
    c["bnmeani"] = c["hprebn"].sum(axis=0, keepdims=True) / n
    c["bndiff"] = c["hprebn"] - c["bnmeani"]
    c["bndiff2"] = c["bndiff"] ** 2
    c["bnvar"] = c["bndiff2"].sum(axis=0, keepdims=True) / (n - 1)
    c["bnvar_inv"] = (c["bnvar"] + 1e-5) ** -0.5
    c["bnraw"] = c["bndiff"] * c["bnvar_inv"]
    c["hpreact"] = p["bngain"] * c["bnraw"] + p["bnbias"]
    c["h"] = np.tanh(c["hpreact"])
    c["logits"] = c["h"] @ p["W2"] + p["b2"]
    z = c["logits"] - c["logits"].max(axis=1, keepdims=True)
    c["logprobs"] = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    c["loss"] = -c["logprobs"][np.arange(n), Y].mean()
    return c


def engine(p, X, Y):
    """The same forward with the engine's ops, every intermediate kept: its gradients."""
    n = len(X)
    t = {k: ad.tensor(v) for k, v in p.items()}
    r = {"emb": t["C"][X]}
    r["embcat"] = r["emb"].reshape(n, -1)
    r["hprebn"] = r["embcat"] @ t["W1"] + t["b1"]
    r["bnmeani"] = r["hprebn"].sum(axis=0, keepdims=True) / n
    r["bndiff"] = r["hprebn"] - r["bnmeani"]
    r["bndiff2"] = r["bndiff"] ** 2
    r["bnvar"] = r["bndiff2"].sum(axis=0, keepdims=True) / (n - 1)
    r["bnvar_inv"] = (r["bnvar"] + 1e-5) ** -0.5
    r["bnraw"] = r["bndiff"] * r["bnvar_inv"]
    r["hpreact"] = t["bngain"] * r["bnraw"] + t["bnbias"]
    r["h"] = r["hpreact"].tanh()
    r["logits"] = r["h"] @ t["W2"] + t["b2"]
    r["logprobs"] = F.log_softmax(r["logits"])
    loss = -r["logprobs"][np.arange(n), Y].mean()
    for value in r.values():
        value.terminal = True  # NOTE: a terminal node keeps its .grad after backward
    loss.backward()
    return {k: v.grad for k, v in (r | t).items()}


_run = {}


def run(ns):
    """The learner's backward on one hidden problem per Check (every check reads it)."""
    backward = need(ns, "backward")
    if id(backward) not in _run:
        p, X, Y = problem(rng())
        c = forward(p, X, Y)
        got = backward({k: v.copy() for k, v in p.items()}, {k: np.copy(v) for k, v in c.items()},
                       X.copy(), Y.copy())
        if not isinstance(got, dict):
            raise Failed(f"Expected backward to return a dict of gradients; it returned "
                         f"{type(got).__name__}.",
                         ["Each gradient goes into the dict `d` under its value's name.",
                          "Keep the starter's `return d`."])
        _run.clear()
        _run[id(backward)] = (got, engine(p, X, Y), p, X)
    return _run[id(backward)]


def right(got, want, name):
    g = got.get(name)
    return (g is not None and np.shape(g) == want[name].shape
            and np.allclose(np.asarray(g, dtype=float), want[name], rtol=1e-6, atol=1e-9))


def compare(ns, names):
    got, want, p, X = run(ns)
    n = len(X)
    for name in names:
        if right(got, want, name):
            continue
        before = ORDER[:ORDER.index(name)]
        upstream = next((b for b in before if not right(got, want, b)), None)
        hints = HINTS[name]
        if upstream is not None and got.get(name) is not None:
            hints = [f"d{name} is computed from gradients above it, and d{upstream} is not "
                     "right yet: fix the first failed check first.", *HINTS[name]]
        likely = []
        if name in LIKELY:
            values, steps = LIKELY[name](want, n)
            likely = [(v, steps) for v in values]
        expect_array(got.get(name), want[name], f"d{name}", hints, likely=likely)


@check("the loss end: dlogprobs, dlogits")
def loss_end(ns):
    compare(ns, ORDER[:2])


@check("the second layer: dh, dW2, db2")
def second_layer(ns):
    compare(ns, ORDER[2:5])


@check("tanh and BatchNorm's gain and bias: dhpreact, dbngain, dbnbias")
def tanh_and_affine(ns):
    compare(ns, ORDER[5:8])


@check("BatchNorm's statistics: dbnraw ... dbnmeani, dhprebn (Bessel's N - 1)")
def batchnorm(ns):
    compare(ns, ORDER[8:15])


@check("the first layer: dembcat, dW1, db1")
def first_layer(ns):
    compare(ns, ORDER[15:18])


@check("the embedding: demb, dC (repeated characters add up)")
def embedding(ns):
    compare(ns, ORDER[18:])


@check("cross_entropy_backward: dlogits in one step")
def fused_cross_entropy(ns):
    cross_entropy_backward = need(ns, "cross_entropy_backward")
    gen = rng()
    p, X, Y = problem(gen)
    c = forward(p, X, Y)
    want = engine(p, X, Y)["logits"]
    n = len(Y)
    expect_array(cross_entropy_backward(c["logits"].copy(), Y.copy()), want,
                 "cross_entropy_backward(logits, Y)",
                 ["The loss is a mean over the rows; softmax minus the one-hot target is the "
                  "gradient of one row's loss.",
                  "softmax(logits), with 1 taken off at each row's target [row, Y[row]], all "
                  "divided by N."],
                 likely=[(want * n, ["It is N times too large: the loss is a mean over the "
                                     "N rows.", "Divide by N."])])


@check("batchnorm_backward: dhprebn in one step")
def fused_batchnorm(ns):
    batchnorm_backward = need(ns, "batchnorm_backward")
    gen = rng()
    n, _, _, _, h = sizes(gen)
    hprebn, dhpreact = gen.normal(size=(n, h)) * 2 + 1, gen.normal(size=(n, h))
    gain = 1 + gen.normal(size=(1, h)) * 0.1
    x, g = ad.tensor(hprebn), ad.constant(gain)
    mean = x.sum(axis=0, keepdims=True) / n
    var = ((x - mean) ** 2).sum(axis=0, keepdims=True) / (n - 1)
    (g * (x - mean) * (var + 1e-5) ** -0.5).backward(dhpreact)
    biased = ((hprebn - hprebn.mean(0)) ** 2).mean(0, keepdims=True) + 1e-5
    xhat = (hprebn - hprebn.mean(0)) / np.sqrt(biased)
    no_bessel = gain / np.sqrt(biased) / n * (n * dhpreact - dhpreact.sum(0, keepdims=True)
                                              - xhat * (dhpreact * xhat).sum(0, keepdims=True))
    expect_array(batchnorm_backward(dhpreact.copy(), hprebn.copy(), gain.copy()), x.grad,
                 "batchnorm_backward(dhpreact, hprebn, bngain)",
                 ["Three terms: the direct path, the path through the mean, the path through "
                  "the variance; the sums are over the batch axis.",
                  "With g = dhpreact, xhat = bnraw, s = bnvar_inv and each sum over the batch "
                  "axis, kept as (1, H): gain s / N (N g - sum(g) - N/(N - 1) xhat "
                  "sum(g xhat))."],
                 likely=[(no_bessel, ["This is the backward of a variance divided by N: the "
                                      "forward divides by N - 1 (Bessel's correction).",
                                      "The variance divides the sum of squares by N - 1: "
                                      "recompute it so, and the last term gets a factor "
                                      "N / (N - 1)."])])
