# Checks for lesson 14: split_heads/merge_heads, then the learner's Block against a block of the
# engine's own ops with the same weights: its output, and the gradients of x and every
# parameter. Known wrong blocks (no residual, post-norm, heads without the transpose, the MLP on
# un-normalised x, maths on .data) are named by recomputing them.
import numpy as np

import ad
from ad.nn import functional as F
from lessoncheck import Failed, backward_matches, check, expect_array, need, random_shape, rng

PARAMS = ["ln1_gain", "ln1_bias", "Wq", "Wk", "Wv", "Wo", "ln2_gain", "ln2_bias", "W1", "b1",
          "W2", "b2"]
SPLIT = ["Head h owns its own C/H columns of every position: reshape to (B, T, H, C/H) first, "
         "then bring the head axis before the time axis.",
         "Reshape to (B, T, H, C // H), then transpose so that axes 1 and 2 (time and head) "
         "trade places: batch, head, time, feature."]
MERGE = ["merge_heads undoes split_heads step by step, in the reverse order.",
         "Trade axes 1 and 2 back first, to (B, T, H, hd), and only then reshape to "
         "(B, T, H * hd)."]
FORWARD = ["Two sublayers, each on a LayerNorm of its input and added to it: attention "
           "(projections, heads, Attention, merge, Wo), then the MLP (W1, b1, relu, W2, b2).",
           "In maths: x' = x + A(LN1(x)) Wo, where A projects by Wq, Wk and Wv, splits into "
           "heads, attends and merges; then y = x' + relu(LN2(x') W1 + b1) W2 + b2."]
WRONG = {
    "residual": ["The attention sublayer's result replaces x instead of being added to it: the "
                 "residual connection is missing.",
                 "Add the sublayer's output to its input x (the residual path), instead of "
                 "letting the output take x's place."],
    "postnorm": ["That normalises the sum (post-norm): the block normalises each sublayer's "
                 "input and adds the raw result (pre-norm), so the residual path stays an "
                 "identity.",
                 "Each sublayer reads a LayerNorm of the running x, and its output is added to "
                 "the un-normalised x; nothing normalises the sum."],
    "heads": ["Reshaping straight to (B, H, T, C/H) has the right shape but mixes positions "
              "into heads: head h must own columns of every position.", SPLIT[1]],
    "mlp_norm": ["The MLP reads x itself: normalise the input of each sublayer, the MLP's too.",
                 "The MLP reads the second LayerNorm (ln2's gain and bias) of x as it is after "
                 "the attention's residual; its output is still added to that x."],
}
CUT = ["The output is right but this gradient is not: part of the path to the output went "
       "through plain numpy (`.data`, np.maximum, ...), which the engine cannot see, so the "
       "graph is cut there.",
       "Stay with Tensor operations between the parameters and the output: `t.relu()`, `@`, "
       "`+`, `.reshape`, `.transpose`, and your Functions called on Tensors."]


def attention(q, k, v):
    T, d = q.shape[-2:]
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    s = ad.where(mask, -np.inf, (q @ k.swapaxes(-1, -2)) * (1 / np.sqrt(d)))
    return F.softmax(s, axis=-1) @ v


def reference(x, p, H, residual=True, prenorm=True, heads=True, mlp_norm=True):
    """The block with the engine's ops; the flags make the known wrong ones."""
    B, T, C = x.shape

    def ln(t, g, b):
        return F.layer_norm(t, C, g, b)

    def split(t):
        if not heads:
            return t.reshape(B, H, T, C // H)
        return t.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)

    def merge(t):
        if not heads:
            return t.reshape(B, T, C)
        return t.transpose(0, 2, 1, 3).reshape(B, T, C)

    h = ln(x, p["ln1_gain"], p["ln1_bias"]) if prenorm else x
    a = merge(attention(split(h @ p["Wq"]), split(h @ p["Wk"]), split(h @ p["Wv"]))) @ p["Wo"]
    x = x + a if residual else a
    if not prenorm:
        x = ln(x, p["ln1_gain"], p["ln1_bias"])
    h = ln(x, p["ln2_gain"], p["ln2_bias"]) if prenorm and mlp_norm else x
    y = x + (h @ p["W1"] + p["b1"]).relu() @ p["W2"] + p["b2"]
    return y if prenorm else ln(y, p["ln2_gain"], p["ln2_bias"])


def sizes(gen):
    H = int(gen.integers(2, 4))
    hd, T = random_shape(gen, 2, low=2, high=4)
    return int(gen.integers(2, 4)), T, H, H * hd


@check("split_heads and merge_heads: (B, T, C) <-> (B, H, T, C/H), head h its own columns")
def heads(ns):
    split_heads, merge_heads = need(ns, "split_heads"), need(ns, "merge_heads")
    gen = rng()
    B, T, H, C = sizes(gen)
    x = gen.normal(size=(B, T, C))
    want = x.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)
    expect_array(split_heads(ad.tensor(x), H), want, f"split_heads(x of shape {x.shape}, {H})",
                 SPLIT, reference="the heads", shape_hint=SPLIT,
                 likely=[(x.reshape(B, H, T, C // H), WRONG["heads"])])
    expect_array(merge_heads(ad.tensor(want)), x, f"merge_heads(x of shape {want.shape})",
                 MERGE, reference="the merged heads", shape_hint=MERGE,
                 likely=[(want.reshape(B, T, C), ["Reshaping straight back mixes heads into "
                                                  "positions: undo the transpose first.",
                                                  MERGE[1]])])


@check("Block: output, and the gradients of x and of every parameter, against the engine's")
def block(ns):
    Block = need(ns, "Block", ad.nn.Module)
    gen = rng()
    B, T, H, C = sizes(gen)
    learner = Block(C, H, np.random.default_rng(int(gen.integers(1 << 30))))
    missing = [n for n in PARAMS if not isinstance(getattr(learner, n, None), ad.Tensor)]
    if missing:
        raise Failed(f"Expected Block to keep the starter's parameters; {missing[0]} is gone.",
                     ["The checks set each parameter by its name in __init__.",
                      "Keep __init__ as the starter has it."])
    params = {n: getattr(learner, n).data + 0.1 * gen.normal(size=getattr(learner, n).shape)
              for n in PARAMS}  # gains and biases away from 1 and 0: their mistakes show
    x = gen.normal(size=(B, T, C))

    def mine(x, *ps):
        for name, t in zip(PARAMS, ps):
            setattr(learner, name, t)
        return learner(x)

    def theirs(x, *ps):
        return reference(x, dict(zip(PARAMS, ps)), H)

    consts = [ad.constant(x)] + [ad.constant(params[n]) for n in PARAMS]
    wrong = [(theirs_data, WRONG[key]) for key, theirs_data in (
        (k, reference(consts[0], dict(zip(PARAMS, consts[1:])), H, **{flag: False}).data)
        for k, flag in (("residual", "residual"), ("postnorm", "prenorm"), ("heads", "heads"),
                        ("mlp_norm", "mlp_norm")))]
    backward_matches(mine, theirs, [x] + [params[n] for n in PARAMS], ["x", *PARAMS], "Block",
                     forward_hint=FORWARD, forward_likely=wrong,
                     hints={n: CUT for n in ["x", *PARAMS]})
