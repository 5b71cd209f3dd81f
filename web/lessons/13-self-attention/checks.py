# Checks for lesson 13: causal_mask, then Attention's forward and its three gradients against
# the engine's backward through the same formula, on hidden (T, d) and (B, H, T, d) inputs with
# d != dv, known mistakes named by what they compute.
import numpy as np

import ad
from ad import Function
from ad.nn import functional as F
from lessoncheck import backward_matches, check, expect_array, need, random_shape, rng

FORWARD = ["Scores, then the mask, then the softmax, then the values: check each step's shape "
           "and where the mask goes.",
           "S = Q K^T / sqrt(d), with K's last two axes swapped so that any leading axes "
           "ride along; S set to -inf where the causal mask is True; P = softmax(S) over the "
           "last axis; O = P V."]
MASK_AFTER = ["Masking after the softmax leaves rows that no longer sum to 1: the future must "
              "be hidden before the softmax, where e^-inf = 0 takes its share away.",
              "Set the masked scores to -inf, then take the softmax."]
NO_MASK = ["Every position also reads the future: the causal mask is missing.",
           "Before the softmax, replace the scores where `causal_mask(T)` is True by -inf: "
           "`np.where` picks between two arrays by a condition."]
NO_SCALE = ["The scores are not scaled: with d terms in each dot product they grow like "
            "sqrt(d), which the 1/sqrt(d) undoes.",
            "Divide the dot products by sqrt(d), d the size of q's last axis, before the mask "
            "and the softmax."]
SCALE_BACK = ["The forward divides the scores by sqrt(d): the 1/sqrt(d) is forgotten in the "
              "backward; it multiplies both dq and dk.",
              "The same 1/sqrt(d) that scales the scores in the forward scales both products "
              "of the backward, the one for q and the one for k."]
SOFTMAX = ["That is softmax's backward without the subtraction: each probability depends on "
           "every score of its row, through the normalisation.",
           "Per row, with P the probabilities and G the gradient reaching them: "
           "dS = P (G - sum(G P)), the sum over the row's last axis, kept as size 1 so it "
           "broadcasts."]
TRANSPOSE_K = ["S = Q K^T: the gradient of K needs the transpose of dS. With T x T scores "
               "both orders have the right shape, so only the values tell.",
               "dK = dS^T Q / sqrt(d): swap dS's last two axes (and only those) before the "
               "product."]
TRANSPOSE_V = ["O = P V: the gradient of V needs the transpose of P; both orders have the "
               "right shape, so only the values tell.",
               "dV = P^T grad: P with its last two axes swapped, on the left of grad."]
TRIANGLE = ("`np.triu` keeps a matrix's upper triangle, and its `k=1` leaves the diagonal out: "
            "apply it to a (T, T) boolean matrix of True.")
HINTS = {"q": ["q reaches the output through the scores: back through the softmax first, then "
               "the product Q K^T and its scale.",
               "With dS the gradient of the scores (after the softmax's backward): "
               "dQ = dS K / sqrt(d), (T, T) @ (T, d)."],
         "k": ["k reaches the output through the scores, as the transposed operand of Q K^T.",
               "dK = dS^T Q / sqrt(d): dS with its last two axes swapped, (T, T) @ (T, d)."],
         "v": ["O = P V: which product of P (T, T) and grad (T, dv) has v's shape, and which "
               "operand is transposed?",
               "dV = P^T grad: P with its last two axes swapped, on the left, (T, T) @ (T, dv)."]}


def mask_of(T):
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def scores(q, k, scale=True):
    s = q @ k.swapaxes(-1, -2)
    return s / np.sqrt(q.shape[-1]) if scale else s


def parts(w, q, k, v):
    """P, dP and dS of the right forward, for upstream w."""
    p = softmax(np.where(mask_of(q.shape[-2]), -np.inf, scores(q, k)))
    dp = w @ v.swapaxes(-1, -2)
    return p, dp, p * (dp - (dp * p).sum(axis=-1, keepdims=True))


def reference(q, k, v):
    T, d = q.shape[-2:]
    s = ad.where(mask_of(T), -np.inf, (q @ k.swapaxes(-1, -2)) * (1 / np.sqrt(d)))
    return F.softmax(s, axis=-1) @ v


def no_scale_back(w, q, k, v):
    _, _, ds = parts(w, q, k, v)
    return [ds @ k, ds.swapaxes(-1, -2) @ q, None]


def no_subtraction(w, q, k, v):
    p, dp, _ = parts(w, q, k, v)
    ds, r = p * dp, np.sqrt(q.shape[-1])
    return [ds @ k / r, ds.swapaxes(-1, -2) @ q / r, None]


def k_untransposed(w, q, k, v):
    _, _, ds = parts(w, q, k, v)
    return [None, ds @ q / np.sqrt(q.shape[-1]), None]


def v_untransposed(w, q, k, v):
    p, _, _ = parts(w, q, k, v)
    return [None, None, p @ w]


LIKELY = [(no_scale_back, SCALE_BACK), (no_subtraction, SOFTMAX), (k_untransposed, TRANSPOSE_K),
          (v_untransposed, TRANSPOSE_V)]


def inputs(gen, lead):
    T, d, dv = random_shape(gen, 3, low=2, high=6)
    return [gen.normal(size=lead + (T, n)) for n in (d, d, dv)]


def wrong_forwards(q, k, v):
    T = q.shape[-2]
    unmasked = softmax(scores(q, k))
    return [(unmasked * ~mask_of(T) @ v, MASK_AFTER), (unmasked @ v, NO_MASK),
            (softmax(np.where(mask_of(T), -np.inf, scores(q, k, scale=False))) @ v, NO_SCALE)]


def run(ns, lead):
    Attention = need(ns, "Attention", Function)
    q, k, v = inputs(rng(), lead)
    backward_matches(lambda *t: Attention()(*t), reference, [q, k, v], ["q", "k", "v"],
                     "Attention", hints=HINTS, likely=LIKELY, forward_hint=FORWARD,
                     forward_likely=wrong_forwards(q, k, v))


@check("causal_mask(T): True above the diagonal, where the key comes after the query")
def mask(ns):
    causal_mask = need(ns, "causal_mask")
    T = int(rng().integers(3, 8))
    got = causal_mask(T)
    expect_array(got, mask_of(T), f"causal_mask({T})",
                 ["Row t is the query, column s the key: hide every s > t, the strict upper "
                  "triangle (the diagonal stays: a position sees itself).",
                  TRIANGLE],
                 reference="the upper triangle",
                 likely=[(np.tril(np.ones((T, T), dtype=bool), -1),
                          ["You hid the past: row t is the query, and the keys it must not see "
                           "are the later ones, s > t, above the diagonal.",
                           TRIANGLE])],
                 dtype_hint=["A mask says yes or no: make it boolean, so np.where reads it as "
                             "a condition.",
                             "Start from a (T, T) array of True (`dtype=bool`), then take its "
                             "upper triangle."])


@check("Attention on one sequence (T, d): forward, then dq, dk, dv")
def one_head(ns):
    run(ns, ())


@check("Attention on a batch of heads (B, H, T, d): forward, then dq, dk, dv")
def heads(ns):
    gen = rng()
    run(ns, random_shape(gen, 2, low=2, high=3))
