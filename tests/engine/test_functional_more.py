"""ad.nn.functional of issue 13: activations, losses, layer_norm, conv2d and pooling against
float64 central differences and independent numpy references, and their second derivatives."""
import math

import numpy as np
import pytest
from test_higher_order import check_hvp

import ad
from ad.nn import functional as F
from gradutil import check_grads

rng = np.random.default_rng(99)


def rand(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(shape, lo=0.3, hi=2.0):
    return rand(shape, lo, hi) * rng.choice([-1.0, 1.0], shape)


erf = np.vectorize(math.erf)
PHI = lambda x: 0.5 * (1 + erf(x / np.sqrt(2)))  # noqa: E731
ACTIVATIONS = {  # name: (f, numpy reference, sampler)
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x)), rand),
    "softplus_beta": (lambda t: F.softplus(t, beta=2.0, threshold=3.0),
                      lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
                      lambda s: away_from_zero(s) + 1.6 * (rng.random(s) > 0.5)),
    "log_sigmoid": (F.log_sigmoid, lambda x: -np.log1p(np.exp(-x)), rand),
    "gelu": (F.gelu, lambda x: x * PHI(x), rand),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
                  rand),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x)), rand),
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), away_from_zero),
    "elu_alpha": (lambda t: F.elu(t, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
                  away_from_zero),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), away_from_zero),
    "leaky_relu_slope": (lambda t: F.leaky_relu(t, negative_slope=0.2),
                         lambda x: np.where(x > 0, x, 0.2 * x), away_from_zero),
    "erf": (F.erf, erf, rand),
}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations(name, shape):
    f, ref, make = ACTIVATIONS[name]
    x = make(shape)
    out = check_grads(f, x)
    np.testing.assert_allclose(out.data, ref(x), rtol=1e-12, atol=1e-14)
    check_hvp(f, x)


def test_activation_second_derivatives_are_analytic():
    x = rand((7,))
    pdf = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(ad.elementwise_grad(ad.elementwise_grad(F.gelu))(x).data,
                               pdf * (2 - x * x), rtol=1e-10)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ad.elementwise_grad(ad.elementwise_grad(F.softplus))(x).data,
                               s * (1 - s), rtol=1e-10)
    np.testing.assert_allclose(ad.elementwise_grad(ad.elementwise_grad(F.silu))(x).data,
                               s * (1 - s) * (2 + x * (1 - 2 * s)), rtol=1e-10)


def test_activations_are_stable_and_keep_float32():
    x = ad.tensor(np.array([-1000.0, 0.0, 1000.0]))
    for f in (F.softplus, F.log_sigmoid, F.silu, F.elu, F.gelu):
        y = f(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad)), f.__name__
        x.grad = None
    np.testing.assert_allclose(F.log_sigmoid(x).data, [-1000.0, -np.log(2), 0.0])
    x32 = ad.tensor(np.float32([-1.0, 0.5]))
    for f in (F.softplus, F.log_sigmoid, F.gelu, F.silu, F.elu, F.leaky_relu, F.erf):
        assert f(x32).dtype == np.float32, f
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")


def test_dropout():
    x = ad.tensor(np.ones((200, 50)))
    y = F.dropout(x, 0.3, rng=np.random.default_rng(0))
    kept = y.data != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.7)
    assert F.dropout(x, 0.3, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)
    with pytest.raises(ValueError, match="probability"):
        F.dropout(x, 1.5)


LOSSES = {  # name: (f(input, target), numpy reference, input sampler, target sampler)
    "l1": (F.l1_loss, lambda x, t: np.abs(x - t).mean(), rand, rand),
    "l1_sum": (lambda x, t: F.l1_loss(x, t, reduction="sum"), lambda x, t: np.abs(x - t).sum(),
               rand, rand),
    "huber": (F.huber_loss,
              lambda x, t: np.where(np.abs(x - t) < 1, 0.5 * (x - t) ** 2,
                                    np.abs(x - t) - 0.5).mean(), rand, rand),
    "huber_delta_none": (lambda x, t: F.huber_loss(x, t, reduction="none", delta=0.5),
                         lambda x, t: np.where(np.abs(x - t) < 0.5, 0.5 * (x - t) ** 2,
                                               0.5 * (np.abs(x - t) - 0.25)), rand, rand),
    "bce": (F.binary_cross_entropy,
            lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(),
            lambda s: rand(s, 0.05, 0.95), lambda s: rng.random(s)),
}


@pytest.mark.parametrize("shape", [(), (5,), (3, 2)])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses(name, shape):
    f, ref, mx, mt = LOSSES[name]
    x, t = mx(shape), mt(shape)
    if name.startswith(("l1", "huber")):  # away from the kinks at |x - t| in {0, delta}
        t = x + away_from_zero(shape, 0.1, 0.4) + 0.8 * rng.choice([0, 1], shape)
    out = check_grads(f, x, t)
    np.testing.assert_allclose(out.data, ref(x, t), rtol=1e-12)
    check_hvp(f, x, t)


def test_bce_clamps_its_logs_and_checks_probabilities():
    p = ad.tensor([0.0, 1.0, 0.5])
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)])
    w = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), weight=np.array([0.0, 1.0, 2.0]),
                               reduction="sum")
    np.testing.assert_allclose(w.data, 100.0 + 2 * np.log(2))
    with pytest.raises(ValueError, match="with_logits"):
        F.binary_cross_entropy(ad.tensor([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="reduction"):
        F.l1_loss(p, p, reduction="avg")


def test_nll_loss_matches_cross_entropy():
    z, t = rand((5, 4), -3, 3), np.array([0, 3, 1, 1, 2])
    check_grads(lambda a: F.nll_loss(a.log_softmax(), t), z)
    check_hvp(lambda a: F.nll_loss(a.log_softmax(), t), z)
    np.testing.assert_allclose(F.nll_loss(ad.tensor(z).log_softmax(), t).data,
                               F.cross_entropy(ad.tensor(z), t).data)
    np.testing.assert_allclose(F.nll_loss(ad.tensor(z), t, reduction="none").data,
                               -z[np.arange(5), t])
    with pytest.raises(ValueError, match="class indices"):
        F.nll_loss(ad.tensor(z), t.astype(float))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        F.nll_loss(ad.tensor(z), np.array([0, 4, 1, 1, 2]))


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 4), 4)])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm(shape, norm, affine):
    x = rand(shape)
    nshape = (norm,) if isinstance(norm, int) else norm
    params = [rand(nshape), rand(nshape)] if affine else []
    f = lambda t, *wb: F.layer_norm(t, norm, *wb)  # noqa: E731
    out = check_grads(f, x, *params)
    axes = tuple(range(x.ndim - len(nshape), x.ndim))
    want = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    if affine:
        want = want * params[0] + params[1]
    np.testing.assert_allclose(out.data, want, rtol=1e-10)
    check_hvp(f, x, *params)
    with pytest.raises(ValueError, match="last axes"):
        F.layer_norm(ad.tensor(x), (7,))


def conv2d_reference(x, w, b, stride, padding, dilation=(1, 1), groups=1):
    """PyTorch's definition of conv2d as a direct loop over groups and output positions:
    independent of im2col. Group g's outputs see only its block of input channels; the taps
    of a dilated kernel are `dilation` apart."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # what a window spans
    oh, ow = (h - eh) // sh + 1, (wd - ew) // sw + 1
    og = o // groups
    out = np.zeros((n, o, oh, ow))
    for g in range(groups):
        xg, wg = x[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og]
        for i in range(oh):
            for j in range(ow):
                patch = xg[:, :, i * sh:i * sh + eh:dh, j * sw:j * sw + ew:dw]
                out[:, g * og:(g + 1) * og, i, j] = np.einsum("nchw,ochw->no", patch, wg)
    return out if b is None else out + b[:, None, None]


CONV_CASES = [((2, 3, 5, 5), (4, 3, 3, 3), 1, 0, True), ((1, 2, 6, 5), (3, 2, 3, 2), 2, 1, True),
              ((2, 1, 4, 4), (2, 1, 1, 1), 1, 0, False), ((1, 2, 7, 6), (2, 2, 3, 3), (2, 1),
                                                          (1, 0), True),
              ((1, 1, 3, 3), (1, 1, 3, 3), 1, 1, False)]


@pytest.mark.parametrize("xs,ws,stride,padding,bias", CONV_CASES)
def test_conv2d(xs, ws, stride, padding, bias):
    x, w = rand(xs), rand(ws)
    args = [x, w] + ([rand(ws[:1])] if bias else [])
    f = lambda a, b, *c: F.conv2d(a, b, c[0] if c else None, stride, padding)  # noqa: E731
    out = check_grads(f, *args)
    s, p = F._pair(stride, "stride"), F._pair(padding, "padding")
    np.testing.assert_allclose(out.data, conv2d_reference(x, w, args[2] if bias else None, s, p),
                               rtol=1e-12, atol=1e-12)
    check_hvp(lambda *a: f(*a) ** 2, *args)


DILATED_GROUPED = [  # x shape, weight shape, stride, padding, dilation, groups
    ((2, 2, 7, 6), (3, 2, 3, 2), 1, 0, 2, 1), ((1, 3, 8, 8), (2, 3, 3, 3), 2, 2, (2, 3), 1),
    ((2, 4, 5, 5), (6, 2, 3, 3), 1, 1, 1, 2), ((1, 3, 6, 6), (3, 1, 3, 3), 1, 1, 1, 3),
    ((1, 4, 6, 7), (8, 1, 2, 2), (1, 2), 1, 2, 4), ((1, 6, 6, 6), (4, 3, 1, 3), 1, (0, 2), 1, 2)]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", DILATED_GROUPED)
def test_conv2d_dilation_and_groups(xs, ws, stride, padding, dilation, groups):
    x, w, b = rand(xs), rand(ws), rand(ws[:1])
    f = lambda a, c, d: F.conv2d(a, c, d, stride, padding, dilation, groups)  # noqa: E731
    out = check_grads(f, x, w, b)
    want = conv2d_reference(x, w, b, F._pair(stride, "s"), F._pair(padding, "p"),
                            F._pair(dilation, "d"), groups)
    np.testing.assert_allclose(out.data, want, rtol=1e-12, atol=1e-12)
    check_hvp(lambda *a: f(*a) ** 2, x, w, b)


def test_conv2d_dilation_and_groups_against_pytorch():
    # torch.nn.functional.conv2d(x, w, b, stride=1, padding=1, dilation=2, groups=2) in
    # float64, torch 2.13, then (y ** 2).sum().backward()
    x = ad.tensor((np.arange(100).reshape(1, 4, 5, 5) % 7) / 7.0)
    w = ad.tensor((np.arange(108).reshape(6, 2, 3, 3) % 5) / 5.0 - 0.4)
    b = ad.tensor([0.1, -0.2, 0.3, 0.0, 0.5, -0.1])
    y = F.conv2d(x, w, b, padding=1, dilation=2, groups=2)
    assert y.shape == (1, 6, 3, 3)
    np.testing.assert_allclose([y.data.sum(), y.data[0, 4, 1, 2]],
                               [5.9999999999999964, 0.24285714285714274], rtol=1e-12)
    (y ** 2).sum().backward()
    np.testing.assert_allclose([x.grad.sum(), x.grad[0, 3, 2, 2], w.grad.sum(), w.grad[5, 1, 0, 2]],
                               [8.22285714285714, -0.005714285714285727, 56.56326530612241,
                                -0.5918367346938775], rtol=1e-12)
    np.testing.assert_allclose(b.grad, [1.457142857142856, -2.0571428571428587, 3.3999999999999995,
                                        3.0857142857142845, 6.428571428571427,
                                        -0.31428571428571495], rtol=1e-12)


def test_conv2d_errors():
    x = ad.tensor(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match="3 channels"):
        F.conv2d(x, np.ones((2, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"4-D \(N, C, H, W\)"):
        F.conv2d(ad.tensor(np.ones((3, 4, 4))), np.ones((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        F.conv2d(x, np.ones((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="half the kernel"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"3 channels.*expects 4 \(2 per group x groups=2\)"):
        F.conv2d(x, np.ones((2, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match=r"groups must be a positive integer that divides the "
                       r"out_channels of the weight \(3\)"):
        F.conv2d(ad.tensor(np.ones((1, 4, 4, 4))), np.ones((3, 2, 1, 1)), groups=2)
    with pytest.raises(ValueError, match=r"a window of 3 \(dilation 2: it spans 5\) does not fit"):
        F.conv2d(x, np.ones((2, 3, 3, 3)), dilation=2)
    with pytest.raises(ValueError, match="dilation must be at least 1"):
        F.conv2d(x, np.ones((2, 3, 3, 3)), dilation=0)


def pool_reference(x, k, s, p, op, fill):
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = op(x[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


@pytest.mark.parametrize("xs,k,s,p", [((2, 3, 4, 4), 2, None, 0), ((1, 2, 5, 5), 3, 1, 1),
                                      ((1, 1, 6, 5), 2, 2, 1), ((2, 1, 3, 3), 3, None, 0)])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling(kind, xs, k, s, p):
    x = rng.permutation(np.arange(np.prod(xs), dtype=float)).reshape(xs) / 7  # no ties
    f = (lambda t: F.max_pool2d(t, k, s, p)) if kind == "max" else (
        lambda t: F.avg_pool2d(t, k, s, p))
    out = check_grads(f, x)
    ref = pool_reference(x, k, k if s is None else s, p, np.max if kind == "max" else np.mean,
                         -np.inf if kind == "max" else 0.0)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12)
    check_hvp(lambda t: f(t) ** 2, x)
