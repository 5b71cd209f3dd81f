# Checks for lesson 11: Embedding's forward and backward against the engine's indexing, on
# hidden tables and indices (1-D and 2-D, repeated ones always among them), and one_hot.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, backward_matches, check, expect_array, need, random_shape, rng

LOOKUP = ["Each index picks one row of the table: the result has the indices' shape, then D.",
          "Index the table's array with the whole index array at once (numpy's integer-array "
          "indexing): indices of shape S give rows of shape S + (D,)."]
REPEATED = ["A row looked up twice must get the sum of both gradients: with a repeated index, "
            "`g[idx] += rows` writes that row once, and the last write wins.",
            "numpy's `np.add.at` is the unbuffered `+=`: it adds into the array you give it once "
            "per index, repeats included."]
ROWS = ["Each looked-up row sends its gradient back to the row of the table it was read from.",
        "Add grad's rows into weight.grad at the looked-up indices, once per index, with "
        "numpy's unbuffered `np.add.at`: it pairs indices and rows for indices of any shape."]
ANY_SHAPE = ["The indices may be a (B, T) batch of sequences: grad is then (B, T, D). Does "
             "your backward pair every index with its own row of grad, whatever the shape?",
             "`np.add.at` pairs the indices with grad's rows for indices of any shape; if you "
             "flatten the indices, flatten grad to (-1, D) with them."]


def table(gen):
    v, d = random_shape(gen, 2, low=3, high=7)
    return gen.normal(size=(v, d))


def indices(gen, v, shape):
    idx = gen.integers(0, v, size=shape)
    idx.reshape(-1)[-1] = idx.reshape(-1)[0]  # a repeated index, always
    return idx


def lost_repeats(idx, v):
    """What `g[idx] += grad` leaves: the last of each repeated row only."""
    def wrong(w, weight):
        g = np.zeros_like(weight)
        g[idx] += w
        return [g]
    return wrong


@check("Embedding.forward is the lookup weight[idx] (hidden 1-D and 2-D indices)")
def forward(ns):
    Embedding = need(ns, "Embedding", Function)
    gen = rng()
    W = table(gen)
    for shape in ((int(gen.integers(3, 8)),), random_shape(gen, 2, low=2, high=5)):
        idx = indices(gen, len(W), shape)
        got = Embedding(idx.copy())(ad.tensor(W)).data
        expect_array(got, W[idx], f"Embedding(idx)(W) for idx of shape {idx.shape}", LOOKUP,
                     reference="weight[idx]", shape_hint=LOOKUP)


@check("Embedding.backward adds up repeated rows (1-D indices, against the engine's)")
def backward_1d(ns):
    Embedding = need(ns, "Embedding", Function)
    gen = rng()
    W = table(gen)
    idx = indices(gen, len(W), int(gen.integers(4, 9)))
    backward_matches(lambda w: Embedding(idx.copy())(w), lambda w: w[idx], [W], ["weight"],
                     "Embedding", hints={"weight": ROWS}, forward_hint=LOOKUP,
                     likely=[(lost_repeats(idx, len(W)), REPEATED)])


@check("Embedding.backward works for a (B, T) batch of sequences")
def backward_2d(ns):
    Embedding = need(ns, "Embedding", Function)
    gen = rng()
    W = table(gen)
    idx = indices(gen, len(W), random_shape(gen, 2, low=2, high=5))
    backward_matches(lambda w: Embedding(idx.copy())(w), lambda w: w[idx], [W], ["weight"],
                     "Embedding", hints={"weight": ANY_SHAPE}, forward_hint=LOOKUP,
                     likely=[(lost_repeats(idx, len(W)), REPEATED)],
                     error_hints=[("shape", ANY_SHAPE)])


@check("one_hot(idx, V): float rows, and one_hot(idx, V) @ W is the lookup")
def one_hot_rows(ns):
    one_hot = need(ns, "one_hot")
    gen = rng()
    W = table(gen)
    v = len(W)
    for shape in ((int(gen.integers(3, 8)),), random_shape(gen, 2, low=2, high=5)):
        idx = indices(gen, v, shape)
        want = np.eye(v)[idx]
        got = one_hot(idx.copy(), v)
        rows = ["Row k is all zeros but a 1 at column idx[k]: the indices' shape, then V.",
                "The rows of the V x V identity matrix (`np.eye`) are the one-hot rows: pick "
                "them with the indices."]
        expect_array(got, want, f"one_hot(idx, {v}) for idx of shape {idx.shape}", rows,
                     reference="the one-hot rows", shape_hint=rows,
                     dtype_hint=["It multiplies float tables: integer rows would make the "
                                 "product's dtype depend on the table's. Make the rows float.",
                                 "`np.eye(V)` is float64; `np.eye(V, dtype=int)` is not."])
        if not np.allclose(got @ W, W[idx]):
            raise Failed("Expected one_hot(idx, V) @ W to be W[idx].",
                         ["A one-hot row times W picks one row of W.",
                          "Pick the rows of the identity matrix (`np.eye`) with the indices, "
                          "and keep them float."])
