# Checks for lesson 15, each on small cases of its own (never the full data, never the long
# training): encode on hidden words, bigram_loss against the counts, GPT.loss against the masked
# mean, a few training steps of a small GPT, and sample with a stand-in model whose
# distribution is known.
import numpy as np

import ad
from ad import nn
from lessoncheck import Failed, check, expect_array, need, rng

CHARS = ".abcdefghijklmnopqrstuvwxyz"
ZERO = ["A leaf's .grad adds up over backward calls: did you zero the gradients before each "
        "backward? Without that every step follows the sum of all gradients so far.",
        "In each step, in this order: the optimizer's `zero_grad`, the backward pass from the "
        "loss, the optimizer's `step`."]


def words(gen, n, longest):
    """n hidden names of 1 to `longest` letters (repeats allowed, as in real data)."""
    return ["".join(gen.choice(list(CHARS[1:8]), size=int(gen.integers(1, longest + 1))))
            for _ in range(n)]


def encoded(ws, T):
    X, Y, M = (np.zeros((len(ws), T), int), np.zeros((len(ws), T), int),
               np.zeros((len(ws), T), bool))
    for r, w in enumerate(ws):
        ids = [0] + [CHARS.index(c) for c in w] + [0]
        X[r, :len(ids) - 1], Y[r, :len(ids) - 1], M[r, :len(ids) - 1] = ids[:-1], ids[1:], True
    return X, Y, M


def pairs(ws):
    return [(a, b) for w in ws for a, b in zip([0] + [CHARS.index(c) for c in w],
                                                [CHARS.index(c) for c in w] + [0])]


def bigram(train, test, smoothing=1.0, ends=True):
    counts = np.full((27, 27), smoothing)
    for a, b in (pairs(train) if ends else [p for p in pairs(train) if 0 not in p]):
        counts[a, b] += 1
    with np.errstate(divide="ignore"):
        logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    test_pairs = pairs(test) if ends else [p for p in pairs(test) if 0 not in p]
    return float(np.mean([-logp[a, b] for a, b in test_pairs]))


@check("encode: X = '.' + name, Y = name + '.' (the next character), M the real targets")
def encode_rows(ns):
    encode = need(ns, "encode")
    gen = rng()
    T = int(gen.integers(6, 9))
    ws = words(gen, 5, T - 1)
    ws[0] = "".join(gen.choice(list(CHARS[1:8]), size=T - 1))  # a name as long as fits
    got = encode(list(ws), T)
    if not (isinstance(got, tuple) and len(got) == 3):
        raise Failed("Expected encode(words, T) to return (X, Y, M).",
                     ["Three arrays of shape (N, T): inputs, targets, the mask.",
                      "Keep the starter's `return X, Y, M`."])
    X, Y, M = encoded(ws, T)
    shift = ["At each position the target is the character after the input's: Y is X moved "
             "one place to the left, ending with '.'.",
             "Put '.' (id 0) on both sides of the name's ids: X gets all of them but the last, "
             "Y all but the first, each from column 0 on."]
    expect_array(np.asarray(got[0]), X, "X", ["Each row starts with '.' (0), then the name's "
                                              "ids, then 0s.", shift[1]],
                 reference="the rows of '.' + name", shape_hint=["(N, T): one row per word.",
                                                                 shift[1]],
                 dtype_hint=["Ids are integers (they index the embedding table).",
                             "np.zeros((N, T), int)."])
    expect_array(np.asarray(got[1]), Y, "Y", shift, reference="the rows of name + '.'",
                 likely=[(X, ["Your targets are the inputs themselves: the model would learn to "
                              "copy. The target at each position is the next character.",
                              shift[1]])],
                 dtype_hint=["Ids are integers.", "np.zeros((N, T), int)."])
    expect_array(np.asarray(got[2]), M, "M",
                 ["A row has one real target per letter, plus one for the '.' that ends the "
                  "name: len(word) + 1 of them, the rest is padding.",
                  "In the boolean M, mark the first len(word) + 1 positions of the word's row "
                  "True."],
                 reference="the real targets",
                 dtype_hint=["M says yes or no: a boolean array.", "np.zeros((N, T), bool)."])


@check("bigram_loss: counts plus one, on hidden names, ends included")
def bigram_baseline(ns):
    bigram_loss = need(ns, "bigram_loss")
    gen = rng()
    train, test = words(gen, 30, 5), words(gen, 12, 5)
    test[0] = "h" + test[0]  # "h" never follows "." in train: smoothing matters
    train = [w for w in train if not w.startswith("h")] or ["a"]
    want = bigram(train, test)
    got = float(bigram_loss(list(train), list(test)))
    if np.isclose(got, want, rtol=1e-6):
        return
    said = f"Expected bigram_loss = {want:.6g} on hidden names; got {got:.6g}."
    if not np.isfinite(got):
        raise Failed(said, ["A pair the training names never show gets probability 0, and "
                            "-log 0 is infinite: add one to every count before normalising "
                            "(smoothing).",
                            "Start every count at one, a (V, V) array of ones, then add the "
                            "pairs."])
    for value, steps in (
            (bigram(train, test, ends=False),
             ["The first letter follows '.' and '.' follows the last: those pairs count too, "
              "in the counts and in the loss.",
              "Count the pairs of [0] + ids + [0] for each word."]),
            (bigram(train, train),
             ["That is the loss on the training names: a baseline is measured on the held-out "
              "ones, as the GPT is.", "Count on train_words, average over test_words."]),
            (bigram(test, test),
             ["You counted the held-out names: count on train_words only.",
              "Count on train_words, average over test_words."])):
        if np.isclose(got, value, rtol=1e-6):
            raise Failed(said, steps)
    raise Failed(said, ["Counts plus one, each row normalised to probabilities, then the mean "
                        "of -log P(next | previous) over every character of the test names.",
                        "Divide each row of counts by its own sum to get P(next | previous), "
                        "then average -log P[a, b] over the test names' pairs."])


def small_model(ns, gen, T):
    GPT = need(ns, "GPT", nn.Module)
    return GPT(T=T, C=8, H=2, layers=1, seed=int(gen.integers(1 << 30)))


@check("GPT.loss: the mean cross-entropy over the real targets only")
def masked_loss(ns):
    gen = rng()
    T = int(gen.integers(5, 8))
    model = small_model(ns, gen, T)
    X, Y, M = encoded(words(gen, 6, T - 1), T)
    got = model.loss(X, Y, M)
    if not isinstance(got, ad.Tensor):
        raise Failed(f"Expected GPT.loss to return a Tensor; got {type(got).__name__}.",
                     ["The loss must stay in the graph, so that backward reaches the weights.",
                      "Return the result of ad.nn.functional.cross_entropy."])
    with ad.no_grad():
        logits = model(X).data.reshape(-1, 27)
    z = logits - logits.max(axis=1, keepdims=True)
    nll = np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), Y.reshape(-1)]
    keep = M.reshape(-1)
    expect_array(np.asarray(got.data, dtype=float), nll[keep].mean(), "GPT.loss(X, Y, M)",
                 ["Only the positions M marks are real targets: average over those.",
                  "Flatten M the way the logits' rows are flattened and find where it is True "
                  "(`np.flatnonzero` gives those indices); take the cross-entropy of those rows "
                  "of the logits against those targets only."],
                 reference="the masked mean",
                 likely=[(nll.mean(), ["The padding counts in your mean: after a name's end "
                                       "every target is '.', which is easy to predict and "
                                       "makes the loss look better than it is.",
                                       "Keep only the positions M marks: the indices where "
                                       "the flattened M is True (`np.flatnonzero`)."])])


_trained = {}


def trained(ns):
    """A small GPT trained once per Check by the learner's train, backward calls watched."""
    train = need(ns, "train")
    if id(train) not in _trained:
        gen = rng()
        model = small_model(ns, gen, 6)
        X, Y, M = encoded(words(gen, 40, 4), 6)
        original, seen = ad.Tensor.backward, [0, 0]  # backward calls with stale grads, all

        def watched(self, *args, **kwargs):
            seen[1] += 1
            if any(p.grad_view() is not None and np.any(p.grad_view() != 0)
                   for p in model.parameters()):
                seen[0] += 1
            return original(self, *args, **kwargs)

        ad.Tensor.backward = watched
        try:
            losses = train(model, X, Y, M, steps=80, batch=16, lr=1e-2, seed=0)
        finally:
            ad.Tensor.backward = original
        _trained.clear()
        _trained[id(train)] = ([float(v) for v in losses or []], seen)
    return _trained[id(train)]


@check("train: a small GPT's loss falls in 80 steps, the gradients zeroed before each backward")
def training(ns):
    losses, (stale, calls) = trained(ns)
    if calls == 0:
        raise Failed("Expected a backward pass at each step; there was none.",
                     ["Adam steps along the gradients: they have to be computed first.",
                      ZERO[1]])
    if stale > calls // 2:
        raise Failed(f"Expected every backward to start from zero gradients; {stale} of {calls} "
                     "found earlier steps' gradients still there.", ZERO)
    if len(losses) < 20:
        raise Failed("Expected one loss per step.", ["train appends each step's loss.",
                                                     "Keep `losses.append(float(loss.data))`."])
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    if not last < 0.85 * first:
        raise Failed(f"Expected the loss to fall; the first ten steps average {first:.3f}, the "
                     f"last ten {last:.3f}.",
                     ["The weights do not move: after backward, the optimizer has to take its "
                      "step.",
                      "After the backward pass, call the optimizer's `step`: it moves the "
                      "weights along the gradients."])


class Stand_in:
    """A model whose next-character distribution is known: 'a' 0.5, 'b' 0.3, '.' 0.2 at the
    last position, 'z' at every earlier one; it refuses a context longer than T."""

    def __init__(self, T):
        self.T, self.contexts = T, []
        last = np.full(27, -30.0)
        last[[1, 2, 0]] = np.log([0.5, 0.3, 0.2])
        self.last, self.earlier = last, np.where(np.arange(27) == 26, 0.0, -30.0)

    def __call__(self, idx):
        idx = np.asarray(idx.data if isinstance(idx, ad.Tensor) else idx)
        if idx.ndim != 2 or idx.shape[0] != 1:
            raise Failed(f"Expected sample to call the model on a batch of one context, (1, t); "
                         f"it passed shape {idx.shape}.",
                         ["The model reads (B, t) ids: one context is a batch of one.",
                          "Make the list of context ids an array with one row: shape (1, t)."])
        if idx.shape[1] > self.T:
            raise Failed(f"Expected contexts of at most T = {self.T} characters; sample passed "
                         f"{idx.shape[1]}.",
                         ["The model has T position embeddings: it can only read the last T "
                          "characters of a long name. Crop the context.",
                          "Keep only the last model.T ids of the name so far: a slice with a "
                          "negative start."])
        self.contexts.append(idx[0].tolist())
        logits = np.tile(self.earlier, (idx.shape[1], 1))
        logits[-1] = self.last
        return ad.constant(logits[None])


@check("sample: draws from the last position's softmax, at most T characters, stops at '.'")
def sampling(ns):
    sample = need(ns, "sample")
    gen = rng()
    model = Stand_in(T=3)
    made = [sample(model, np.random.default_rng(int(gen.integers(1 << 30)))) for _ in range(150)]
    if not all(isinstance(m, str) for m in made):
        raise Failed("Expected sample to return a name (a str).",
                     ["Join the sampled characters, without the '.' marks.",
                      "Map each id after the leading '.' to its character in CHARS and join "
                      "them into one str."])
    letters = "".join(made)
    if not model.contexts:
        raise Failed("Expected sample to ask the model for the next character; it never "
                     "called it.",
                     ["Each character comes from the model's prediction, given the ones so "
                      "far.",
                      "Call the model on the last T ids so far, as a batch of one, and read "
                      "the logits at its last position."])
    if model.contexts[0] != [0]:
        raise Failed("Expected the first context to be '.' alone.",
                     ["A name starts after '.': that is all the model sees first.",
                      "ids = [0] to start."])
    if "z" in letters:
        raise Failed("Expected the next character from the last position's logits; yours come "
                     "from an earlier one.",
                     ["logits has one row per position: the prediction for what comes next is "
                      "the last row's.",
                      "Index the logits at the one batch entry and at the last position: a "
                      "vector of V numbers."])
    if "." in letters:
        raise Failed("Expected names without '.': it marks the end.",
                     ["Stop when '.' is drawn, and leave it out.",
                      "When the drawn id is 0, the '.', leave the loop before adding it."])
    if len(set(made)) < 5:
        raise Failed(f"Expected different names from a random draw; got {len(set(made))} "
                     "distinct ones in 150.",
                     ["Taking the most likely character makes the same name every time: draw "
                      "from the softmax instead.",
                      "Draw the next id with `gen.choice`, giving it the softmax of the logits "
                      "as its probabilities `p`."])
    share_a = letters.count("a") / max(len(letters), 1)
    mean_len = len(letters) / len(made)
    if not (0.5 < share_a < 0.75 and 2.5 < mean_len < 6.5):
        raise Failed(f"Expected 'a' about 62% of the letters and names of about 4 letters "
                     f"(the model's distribution); got {share_a:.0%} and {mean_len:.1f}.",
                     ["Draw each character with the softmax's probabilities, as they are.",
                      "Take the softmax of the last position's logits (shifted by their max), "
                      "normalised to sum 1, and let `gen.choice` draw with exactly those "
                      "probabilities: no temperature, no cut."])
