# Checks for lesson 12: LayerNorm's forward and backward against the engine's layer_norm, on
# hidden (N, D) and (B, T, D) inputs.
import numpy as np

from ad import Function
from ad.nn import functional as F
from lessoncheck import backward_matches, check, need, random_shape, rng

FORWARD = ["LayerNorm normalises each example over its own features, the last axis: is every "
           "mean and variance taken over axis -1, kept as (..., 1)?",
           "Per row, the mean m and the variance v of its D features (divided by D, no Bessel), "
           "both kept as (..., 1); then y = gain (x - m) / sqrt(v + 1e-5) + bias."]
BATCH_AXIS = ["That normalises each feature over the batch, as BatchNorm does; LayerNorm "
              "normalises each example over its own features.",
              "Take the mean and the variance over axis -1, with `keepdims=True`."]
BESSEL = ["LayerNorm's variance divides by D (a row's own features, all of them), not by "
          "D - 1: there is no Bessel's correction here.",
          "Average the squared deviations over the row's D features, a plain mean, kept as "
          "(..., 1)."]
DX = ["The mean and the variance depend on every x of the row: besides the direct path, two "
      "more terms, through the mean and through the variance.",
      "With g = grad * gain (the gradient of xhat), r = 1 / sqrt(var + eps) and each mean over "
      "the last axis, kept as (..., 1): dx = r (g - mean(g) - xhat mean(g xhat))."]
CONSTANT = ["You treated the mean and the variance as constants: they depend on every x of the "
            "row, which adds two more terms to dx.", DX[1]]
ROWS = ["gain and bias are shared by every row: each gets the sum over every leading axis, "
        "(N,) or (B, T), back to (D,).",
        "Sum over every axis but the last (numpy's sum takes a tuple of axes): grad times xhat "
        "for gain, grad alone for bias."]
KEEPDIMS = ["A mean over the last axis without keepdims drops that axis, and (..., D) - (...,) "
            "does not line up (or lines up wrongly): keep it as size 1.",
            "Pass `keepdims=True` to each mean over the last axis."]


def inputs(gen, shape):
    d = shape[-1]
    return [gen.normal(size=shape) * gen.uniform(0.5, 3) + gen.normal(),
            1 + 0.3 * gen.normal(size=d), 0.3 * gen.normal(size=d)]


def reference(x, gain, bias):
    return F.layer_norm(x, x.shape[-1], gain, bias)


def constant(w, x, gain, bias):
    """dx with the mean and the variance taken for constants."""
    centred = x - x.mean(-1, keepdims=True)
    r = 1 / np.sqrt((centred ** 2).mean(-1, keepdims=True) + 1e-5)
    return [r * w * gain, None, None]


def run(ns, shape):
    LayerNorm = need(ns, "LayerNorm", Function)
    gen = rng()
    arrays = inputs(gen, shape)
    x = arrays[0]
    over_batch = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * arrays[1] + arrays[2]
    centred = x - x.mean(-1, keepdims=True)
    bessel = centred / np.sqrt((centred ** 2).sum(-1, keepdims=True) / (x.shape[-1] - 1)
                               + 1e-5) * arrays[1] + arrays[2]
    backward_matches(lambda *t: LayerNorm()(*t), reference, arrays, ["x", "gain", "bias"],
                     "LayerNorm", hints={"x": DX, "gain": ROWS, "bias": ROWS},
                     forward_hint=FORWARD, forward_likely=[(over_batch, BATCH_AXIS),
                                                           (bessel, BESSEL)],
                     likely=[(constant, CONSTANT)],
                     error_hints=[("could not be broadcast", KEEPDIMS),
                                  ("wrote a gradient of shape", ROWS)])


@check("LayerNorm on (N, D) rows: forward, then the gradients of x, gain and bias")
def rows_2d(ns):
    gen = rng()
    run(ns, random_shape(gen, 2, low=3, high=7))


@check("LayerNorm on a (B, T, D) batch of sequences")
def rows_3d(ns):
    gen = rng()
    run(ns, random_shape(gen, 3, low=2, high=6))
