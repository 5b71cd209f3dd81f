"""Gradients of gradients: every built-in op's vjp differentiated again (create_graph), against
analytic derivatives and float64 central differences of first-order gradients, and the
functional API (grad, value_and_grad, elementwise_grad, jacobian, hessian) built on it."""
import numpy as np
import pytest

import ad
from ad.nn import functional as F

rng = np.random.default_rng(2024)


def rand(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(shape, lo=0.3, hi=2.0):
    return rand(shape, lo, hi) * rng.choice([-1.0, 1.0], shape)


def first_grads(f, arrays, weight):
    """d sum(weight * f) / d each array, by the first-order backward (float64)."""
    leaves = [ad.tensor(a) for a in arrays]
    f(*leaves).backward(weight)
    return [leaf.grad.copy() for leaf in leaves]


def check_hvp(f, *arrays, seed=0, eps=1e-5, atol=1e-6, rtol=1e-4):
    """Hessian-vector products of L = sum(weight * f(*inputs)) by backward(create_graph=True)
    then a second backward, against central differences of first-order gradients along v."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    r = np.random.default_rng(seed)
    leaves = [ad.tensor(a) for a in arrays]
    out = f(*leaves)
    weight = r.uniform(-1.5, 1.5, out.shape)
    vs = [r.uniform(-1, 1, a.shape) for a in arrays]
    out.backward(weight, create_graph=True)
    grads = [leaf.grad for leaf in leaves]
    for g, want in zip(grads, first_grads(f, arrays, weight)):
        np.testing.assert_allclose(np.asarray(g), want, rtol=1e-12, atol=1e-12)
    terms = [(g * v).sum() for g, v in zip(grads, vs) if isinstance(g, ad.Tensor)
             and g.requires_grad]
    for leaf in leaves:
        leaf.grad = None
    if terms:
        sum(terms[1:], terms[0]).backward()
    plus = first_grads(f, [a + eps * v for a, v in zip(arrays, vs)], weight)
    minus = first_grads(f, [a - eps * v for a, v in zip(arrays, vs)], weight)
    for k, leaf in enumerate(leaves):
        expected = (plus[k] - minus[k]) / (2 * eps)
        np.testing.assert_allclose(leaf.grad, expected, atol=atol, rtol=rtol,
                                   err_msg=f"Hessian-vector product for input {k}")


# --- Second and third derivatives of each elementwise op, against the analytic ones ----------

def _sig(x):
    return 1 / (1 + np.exp(-x))


LN2 = np.log(2.0)
UNARY_DERIVATIVES = {  # f, sampler, (f', f'', f''')
    "exp": (lambda t: t.exp(), rand, (np.exp, np.exp, np.exp)),
    "log": (lambda t: t.log(), lambda s: rand(s, 0.3, 3.0),
            (lambda x: 1 / x, lambda x: -x ** -2.0, lambda x: 2 * x ** -3.0)),
    "sqrt": (lambda t: t.sqrt(), lambda s: rand(s, 0.3, 3.0),
             (lambda x: 0.5 * x ** -0.5, lambda x: -0.25 * x ** -1.5,
              lambda x: 0.375 * x ** -2.5)),
    "tanh": (lambda t: t.tanh(), rand,
             (lambda x: 1 - np.tanh(x) ** 2,
              lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
              lambda x: (6 * np.tanh(x) ** 2 - 2) * (1 - np.tanh(x) ** 2))),
    "sigmoid": (lambda t: t.sigmoid(), rand,
                (lambda x: _sig(x) * (1 - _sig(x)),
                 lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)),
                 lambda x: _sig(x) * (1 - _sig(x)) * (1 - 6 * _sig(x) + 6 * _sig(x) ** 2))),
    "abs": (lambda t: t.abs(), away_from_zero,
            (np.sign, np.zeros_like, np.zeros_like)),
    "relu": (lambda t: t.relu(), away_from_zero,
             (lambda x: (x > 0) * 1.0, np.zeros_like, np.zeros_like)),
    "neg": (lambda t: -t, rand, (lambda x: -np.ones_like(x), np.zeros_like, np.zeros_like)),
    "square": (lambda t: t * t, rand,
               (lambda x: 2 * x, lambda x: 2 * np.ones_like(x), np.zeros_like)),
    "cube": (lambda t: t ** 3, rand,
             (lambda x: 3 * x ** 2, lambda x: 6 * x, lambda x: 6 * np.ones_like(x))),
    "pow_fraction": (lambda t: t ** -1.5, lambda s: rand(s, 0.3, 3.0),
                     (lambda x: -1.5 * x ** -2.5, lambda x: 3.75 * x ** -3.5,
                      lambda x: -13.125 * x ** -4.5)),
    "base_pow": (lambda t: 2.0 ** t, rand,
                 (lambda x: LN2 * 2 ** x, lambda x: LN2 ** 2 * 2 ** x,
                  lambda x: LN2 ** 3 * 2 ** x)),
    "reciprocal": (lambda t: 1.0 / t, away_from_zero,
                   (lambda x: -x ** -2.0, lambda x: 2 * x ** -3.0, lambda x: -6 * x ** -4.0)),
    "scale_shift": (lambda t: 3.0 - 2.0 * t + 1, rand,
                    (lambda x: -2 * np.ones_like(x), np.zeros_like, np.zeros_like)),
    "clip": (lambda t: t.clip(-1.0, 1.0), lambda s: rand(s, 0.1, 0.9) * rng.choice([-1, 2.5], s),
             (lambda x: (np.abs(x) <= 1) * 1.0, np.zeros_like, np.zeros_like)),
    "maximum": (lambda t: ad.maximum(t, 0.5), away_from_zero,
                (lambda x: (x > 0.5) * 1.0, np.zeros_like, np.zeros_like)),
    "sign": (lambda t: t.sign(), away_from_zero, (np.zeros_like,) * 3),
    "softmax_free_exp_sum": (lambda t: t.exp() / (t.exp() + 1), rand,
                             (lambda x: _sig(x) * (1 - _sig(x)),
                              lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)),
                              lambda x: _sig(x) * (1 - _sig(x))
                              * (1 - 6 * _sig(x) + 6 * _sig(x) ** 2))),
}


@pytest.mark.parametrize("name", sorted(UNARY_DERIVATIVES))
def test_first_second_third_derivatives_of_elementwise_ops(name):
    f, make, derivatives = UNARY_DERIVATIVES[name]
    x = make((7,))
    d = f
    for order, expected in enumerate(derivatives, 1):
        d = ad.elementwise_grad(d)
        got = d(x)
        assert isinstance(got, ad.Tensor) and got.shape == x.shape
        np.testing.assert_allclose(got.data, expected(x), rtol=1e-10, atol=1e-12,
                                   err_msg=f"derivative of order {order}")


BINARY_DERIVATIVES = {  # f(x, y), samplers, {partial: analytic}, partials by argnum string
    "mul": (lambda x, y: x * y, rand, rand,
            {"0": lambda x, y: y, "1": lambda x, y: x, "00": lambda x, y: 0 * x,
             "01": lambda x, y: 1 + 0 * x, "11": lambda x, y: 0 * x, "011": lambda x, y: 0 * x}),
    "div": (lambda x, y: x / y, rand, away_from_zero,
            {"0": lambda x, y: 1 / y, "1": lambda x, y: -x / y ** 2, "00": lambda x, y: 0 * x,
             "01": lambda x, y: -1 / y ** 2, "11": lambda x, y: 2 * x / y ** 3,
             "111": lambda x, y: -6 * x / y ** 4, "011": lambda x, y: 2 / y ** 3}),
    "pow": (lambda x, y: x ** y, lambda s: rand(s, 0.3, 2.0), lambda s: rand(s, -2.0, 3.0),
            {"0": lambda x, y: y * x ** (y - 1), "1": lambda x, y: x ** y * np.log(x),
             "00": lambda x, y: y * (y - 1) * x ** (y - 2),
             "01": lambda x, y: x ** (y - 1) * (1 + y * np.log(x)),
             "11": lambda x, y: x ** y * np.log(x) ** 2,
             "000": lambda x, y: y * (y - 1) * (y - 2) * x ** (y - 3),
             "111": lambda x, y: x ** y * np.log(x) ** 3,
             "001": lambda x, y: x ** (y - 2) * ((2 * y - 1) + y * (y - 1) * np.log(x))}),
    "add": (lambda x, y: x + y, rand, rand,
            {"0": lambda x, y: 1 + 0 * x, "1": lambda x, y: 1 + 0 * x, "01": lambda x, y: 0 * x}),
    "sub": (lambda x, y: x - y, rand, rand,
            {"0": lambda x, y: 1 + 0 * x, "1": lambda x, y: -1 + 0 * x,
             "11": lambda x, y: 0 * x}),
    "minimum": (ad.minimum, rand, rand,
                {"0": lambda x, y: (x < y) * 1.0, "1": lambda x, y: (y < x) * 1.0,
                 "01": lambda x, y: 0 * x, "00": lambda x, y: 0 * x}),
}


@pytest.mark.parametrize("name", sorted(BINARY_DERIVATIVES))
def test_partial_derivatives_of_binary_ops_up_to_third_order(name):
    f, make_x, make_y, partials = BINARY_DERIVATIVES[name]
    x, y = make_x((6,)), make_y((6,))
    for argnums, expected in partials.items():
        d = f
        for k in argnums:
            d = ad.elementwise_grad(d, int(k))
        np.testing.assert_allclose(d(x, y).data, expected(x, y), rtol=1e-9, atol=1e-12,
                                   err_msg=f"partial derivative {argnums}")


# --- create_graph through every kind of op, against differences of gradients ----------------

BROADCAST_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)),
                   ((2, 3), ()), ((4, 1, 3), (2, 1))]
BINARY = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x ** y, "maximum": ad.maximum,
          "minimum": ad.minimum}


@pytest.mark.parametrize("sx,sy", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_create_graph_binary_ops_with_broadcasting(op, sx, sy):
    f = BINARY[op]
    x = rand(sx, 0.5, 2.0) if op == "pow" else rand(sx)
    y = away_from_zero(sy) if op == "div" else rand(sy)
    check_hvp(lambda a, b: f(a, b).tanh() * a, x, y)


UNARY = {"exp": (lambda t: t.exp(), rand), "log": (lambda t: t.log(), lambda s: rand(s, .3, 3)),
         "sqrt": (lambda t: t.sqrt(), lambda s: rand(s, .3, 3)), "tanh": (lambda t: t.tanh(), rand),
         "sigmoid": (lambda t: t.sigmoid(), rand), "abs": (lambda t: t.abs(), away_from_zero),
         "relu": (lambda t: t.relu(), away_from_zero), "neg": (lambda t: -t, rand),
         "clip": (lambda t: t.clip(-1.0, 1.0), lambda s: rand(s, .1, .9) * rng.choice([-1, 2], s)),
         "pow_scalar": (lambda t: t ** 3, rand), "sign": (lambda t: t.sign(), away_from_zero),
         "astype": (lambda t: t.astype(np.float32).astype(np.float64), rand)}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_create_graph_unary_ops(name, shape):
    f, make = UNARY[name]
    tol = {"atol": 1e-5, "rtol": 1e-4} if name == "astype" else {}
    if name == "astype":  # float32 rounding: differences need a larger step
        leaves = [ad.tensor(make(shape))]
        g = ad.grad(lambda t: (f(t) * t).sum())(leaves[0])
        np.testing.assert_allclose(g.data, 2 * leaves[0].data, rtol=1e-6)
        return
    check_hvp(lambda t: f(t) * t * t, make(shape), **tol)


MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("sx,sy", MATMUL_SHAPES)
def test_create_graph_matmul(sx, sy):
    check_hvp(lambda x, y: (x @ y).tanh(), rand(sx, -1, 1), rand(sy, -1, 1))


REDUCE_CASES = [((), None), ((5,), 0), ((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), (0, -1))]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", REDUCE_CASES)
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_create_graph_reductions(op, shape, axis, keepdims):
    check_hvp(lambda t: getattr(t ** 3, op)(axis=axis, keepdims=keepdims).tanh(), rand(shape))


INDEXES = {"int": 1, "slice": slice(1, 3), "tuple": (1, slice(None)), "ellipsis": (Ellipsis, 0),
           "newaxis": (None, slice(0, 2)), "int_array_repeats": np.array([0, 2, 0, 0]),
           "bool_mask": np.array([True, False, True, False]),
           "two_arrays": (np.array([0, 3, 0]), np.array([1, 1, 1]))}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_create_graph_indexing(name):
    index = INDEXES[name]
    check_hvp(lambda t: (t ** 3)[index] * t[index], rand((4, 3)))


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_create_graph_softmax(op, shape, axis):
    check_hvp(lambda t: getattr(t, op)(axis=axis), rand(shape, -2, 2))


def test_create_graph_shape_ops():
    check_hvp(lambda t: (t ** 3).reshape(3, 2).T @ t.reshape(3, 2), rand((2, 3)))
    check_hvp(lambda t: (t ** 2).transpose(2, 0, 1) * t.swapaxes(0, 2).swapaxes(1, 2),
              rand((2, 3, 4)))
    check_hvp(lambda a, b: ad.concatenate([a ** 2, b * a], axis=1), rand((2, 3)), rand((2, 3)))
    check_hvp(lambda a, b: ad.stack([a * b, b ** 3], axis=-1), rand((3,)), rand((3,)))
    w = rand((4, 2, 3))
    check_hvp(lambda t: ad.broadcast_to(t ** 2, (4, 2, 3)) * w, rand((2, 3)))
    cond = rng.random((2, 3)) > 0.5
    check_hvp(lambda a, b: ad.where(cond, a ** 3, a * b), rand((2, 3)), rand((3,)))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 4, 3)])
def test_create_graph_linear(shape, bias):
    args = [rand(shape), rand((2, 3))] + ([rand((2,))] if bias else [])
    check_hvp(lambda *ts: F.linear(*ts).tanh(), *args)


def test_create_graph_fused_losses():
    check_hvp(lambda p, t: F.mse_loss(p.tanh(), t), rand((4, 2)), rand((4, 2)))
    targets = np.array([0, 3, 1, 1, 2])
    check_hvp(lambda z: F.cross_entropy(z * z, targets), rand((5, 4)))
    check_hvp(lambda z: F.cross_entropy(z, targets, reduction="sum") * z.sum(), rand((5, 4)))
    check_hvp(lambda z, t: F.binary_cross_entropy_with_logits(z * z, t), rand((3, 2)),
              rng.random((3, 2)))


# --- Hessians of small networks ----------------------------------------------------------------

def _unpack(w, sizes):
    out, i = [], 0
    for shape in sizes:
        n = int(np.prod(shape))
        out.append(w[i:i + n].reshape(shape))
        i += n
    return out


def _fd_hessian(f, w, eps=1e-5):
    g = ad.grad(f)
    cols = []
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        cols.append((g(w + e).data - g(w - e).data) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("kind", ["tanh_mse", "relu_softmax_ce", "sigmoid_bce"])
def test_hessian_of_small_networks_matches_differences_of_gradients(kind):
    X = rng.normal(size=(6, 3))
    sizes = [(4, 3), (4,), (2, 4), (2,)]

    def loss(w):
        W1, b1, W2, b2 = _unpack(w, sizes)
        if kind == "tanh_mse":
            return F.mse_loss(F.linear(F.linear(X, W1, b1).tanh(), W2, b2), np.ones((6, 2)))
        if kind == "relu_softmax_ce":
            h = (X @ W1.T + b1).relu()
            return F.cross_entropy(h @ W2.T + b2, np.array([0, 1, 1, 0, 1, 0]))
        h = F.linear(X, W1, b1).sigmoid()
        return F.binary_cross_entropy_with_logits(F.linear(h, W2, b2), rng.random((6, 2)) * 0
                                                  + 0.25)

    w = rng.normal(size=sum(int(np.prod(s)) for s in sizes)) * 0.7
    H = ad.hessian(loss)(w)
    assert isinstance(H, ad.Tensor) and H.shape == (w.size, w.size)
    np.testing.assert_allclose(H.data, H.data.T, atol=1e-10)
    np.testing.assert_allclose(H.data, _fd_hessian(loss, w), atol=1e-6, rtol=1e-4)


def test_hessian_shape_is_x_shape_twice_and_matches_analytic():
    A = rng.normal(size=(6, 6))
    A = A @ A.T
    x = rng.normal(size=(2, 3))
    H = ad.hessian(lambda t: (t.reshape(6) @ (A @ t.reshape(6))) / 2)(x)
    assert H.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(H.data.reshape(6, 6), A, rtol=1e-12)
    h = ad.hessian(lambda t: t ** 4)(1.5)  # a scalar argument: a scalar Hessian
    assert h.shape == () and np.isclose(h.item(), 12 * 1.5 ** 2)


def test_hessian_of_a_model_with_respect_to_its_input():
    model = ad.nn.Sequential(ad.nn.Linear(3, 5, rng=rng), ad.nn.Tanh(), ad.nn.Linear(5, 1, rng=rng))
    f = lambda x: model(x).sum()
    x = rng.normal(size=3)
    np.testing.assert_allclose(ad.hessian(f)(x).data, _fd_hessian(f, x), atol=1e-7, rtol=1e-5)


# --- grad of grad, argnums, Hessian-vector products by nesting ------------------------------

def test_grad_of_grad_compositions():
    f = lambda x: x ** 3 + x.exp()
    d2 = ad.grad(ad.grad(f))
    assert np.isclose(d2(0.7).item(), 6 * 0.7 + np.exp(0.7))
    d4 = ad.grad(ad.grad(ad.grad(ad.grad(lambda x: x ** 5))))
    assert np.isclose(d4(2.0).item(), 120 * 2.0)
    # a function whose body takes a gradient, differentiated again
    g = lambda x: (ad.grad(lambda t: (t ** 2 * x).sum())(x) * x).sum()  # sum(2 x^3)
    x = rand((4,))
    np.testing.assert_allclose(ad.grad(g)(x).data, 6 * x ** 2)
    # mixed partials by argnum: f = x^2 y^3
    mixed = ad.grad(ad.grad(lambda a, b: a ** 2 * b ** 3, 1), 0)
    assert np.isclose(mixed(1.5, -0.5).item(), 6 * 1.5 * 0.25)


def test_hessian_vector_product_by_nesting():
    A = rng.normal(size=(4, 4))
    f = lambda x: (x @ A @ x).tanh() + (x ** 3).sum()
    x, v = rand((4,)), rand((4,))
    hvp = ad.grad(lambda t: (ad.grad(f)(t) * v).sum())(x)
    np.testing.assert_allclose(hvp.data, ad.hessian(f)(x).data @ v, rtol=1e-10)
    np.testing.assert_allclose(ad.hessian_vector_product(f)(x, v).data, hvp.data, rtol=1e-12)
    M = rand((2, 3))  # a matrix argument, the second one: H is (2, 3, 2, 3), v is (2, 3)
    g = lambda s, m: (m ** 4).sum() * s
    H = ad.hessian(g, 1)(1.5, M).data.reshape(6, 6)
    np.testing.assert_allclose(ad.hessian_vector_product(g, 1)(1.5, M, M).data.ravel(),
                               H @ M.ravel(), rtol=1e-12)


def test_value_and_grad_and_what_grad_accepts():
    f = lambda x, y: (x * y).sum()
    value, g = ad.value_and_grad(f, 1)(np.array([1.0, 2.0]), ad.tensor([3.0, 4.0]))
    assert isinstance(value, ad.Tensor) and value.item() == 11.0
    np.testing.assert_allclose(g.data, [1.0, 2.0])
    for x in (2.0, 3, np.float32(2.0), np.array(2.0), ad.tensor(2.0), ad.constant(2.0)):
        g = ad.grad(lambda t: t * t * t)(x)
        assert isinstance(g, ad.Tensor) and np.isclose(g.item(), 3 * float(x) ** 2)
    assert ad.grad(lambda t: (t * 0.0 + 1.0).sum())(np.ones(3)).tolist() == [0.0, 0.0, 0.0]
    assert ad.grad(lambda t: 5.0)(np.ones(2)).tolist() == [0.0, 0.0]  # no dependence at all
    # from arrays, a plain result; from a Tensor that wants a gradient, a differentiable one
    f = lambda t: (t ** 3).sum()
    assert ad.grad(f)(np.array([1.0, 2.0])).grad_fn is None
    x = ad.tensor([1.0, 2.0])
    g = ad.grad(f)(x)
    assert g.grad_fn is not None and x._grad is None  # the leaf's .grad is untouched
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_grad_errors_name_the_fix():
    with pytest.raises(TypeError, match="scalar-valued.*shape \\(3,\\).*jacobian"):
        ad.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(ValueError, match="argnum 2 is out of range"):
        ad.grad(lambda x, y: x * y, 2)(1.0, 2.0)


def test_jacobian_of_a_vector_function():
    A = rng.normal(size=(3, 4))
    x = rand((4,))
    J = ad.jacobian(lambda t: (A @ t).tanh())(x)
    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    assert J.shape == (3, 4)
    np.testing.assert_allclose(J.data, expected, rtol=1e-12)


def test_gradient_of_a_closure_flows_to_the_parameters_it_uses():
    w = ad.tensor(rand((3,)))
    x0 = rand((3,))
    g = ad.grad(lambda x: (w * x).tanh().sum())(x0)  # d/dx = w (1 - tanh^2(w x))
    (g ** 2).sum().backward()  # a gradient penalty on the input gradient, w.r.t. w
    penalty = lambda wd: np.sum((wd * (1 - np.tanh(wd * x0) ** 2)) ** 2)
    eps, numeric = 1e-6, np.zeros(3)
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        numeric[i] = (penalty(w.data + e) - penalty(w.data - e)) / (2 * eps)
    np.testing.assert_allclose(w.grad, numeric, rtol=1e-6)


# --- backward(create_graph=True) -------------------------------------------------------------

def test_backward_create_graph_leaves_differentiable_gradients():
    x = ad.tensor([0.5, -1.0, 2.0])
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, ad.Tensor) and g.grad_fn is not None
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    x.grad = None
    (g * g).sum().backward()  # d/dx sum(9 x^4) = 36 x^3
    np.testing.assert_allclose(x.grad, 36 * x.data ** 3)


def test_backward_create_graph_accumulates_and_grad_argument_stays_in_the_graph():
    x = ad.tensor([1.0, 2.0])
    (x * x).sum().backward(create_graph=True)
    (x * x).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.data, 4 * x.data)
    x.grad = None
    v = ad.tensor([3.0, -1.0])
    (x ** 2).backward(v, create_graph=True)  # x.grad = 2 x v: depends on v and x
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(v.grad, 2 * x.data)
    np.testing.assert_allclose(x.grad, 2 * v.data)


def test_gradient_penalty_trains():
    r = np.random.default_rng(7)
    X, Y = r.normal(size=(32, 2)), r.normal(size=(32, 1))
    model = ad.nn.Sequential(ad.nn.Linear(2, 16, rng=r), ad.nn.Tanh(), ad.nn.Linear(16, 1, rng=r))
    opt = ad.optim.Adam(model.parameters(), lr=0.01)

    def objective(Xt):
        out = model(Xt)
        out.sum().backward(create_graph=True)  # d out / d input, differentiable
        slope = Xt.grad
        penalty = (((slope ** 2).sum(axis=1) - 1) ** 2).mean()
        return F.mse_loss(out, Y) + penalty

    losses = []
    for _ in range(60):
        opt.zero_grad()
        Xt = ad.tensor(X)
        loss = objective(Xt)
        opt.zero_grad()  # drop the create_graph gradients left on the parameters
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    # the penalty's gradient with respect to a parameter, against central differences
    p = model.parameters()[0]
    opt.zero_grad()
    objective(ad.tensor(X))
    opt.zero_grad()
    loss = objective(ad.tensor(X))
    opt.zero_grad()
    loss.backward()
    i = (1, 0)
    analytic, orig, eps = p.grad[i], p.data[i], 1e-6
    vals = []
    for step in (eps, -eps):
        p.data[i] = orig + step
        vals.append(objective(ad.tensor(X)).item())
    p.data[i] = orig
    assert np.isclose(analytic, (vals[0] - vals[1]) / (2 * eps), rtol=1e-5)


# --- User Functions under create_graph --------------------------------------------------------

class TensorMatMul(ad.Function):
    def forward(self, x, y):
        return ad.Variable(x.data @ y.data)

    def backward(self, x, y, grad):  # Tensor maths: differentiable again
        x.grad += grad @ y.T
        y.grad += x.T @ grad


class NumpyMatMul(ad.Function):
    def forward(self, x, y):
        return ad.Variable(x.data @ y.data)

    def backward(self, x, y, grad):  # the seed's style: first order only
        x.grad += grad @ y.data.T
        y.grad += x.data.T @ grad


class NumpyExp(ad.Function):
    def forward(self, x):
        return ad.Variable(np.exp(x.data))

    def backward(self, x, grad):
        x.grad += grad * np.exp(x)


class Cube(ad.Function):
    def forward(self, x):
        return ad.Variable(x.data ** 3)

    def backward(self, x, grad):
        x.grad = x.grad + 3 * grad * x * x


class ScaleByConstant(ad.Function):
    def forward(self, x, c):
        return ad.Variable(x.data * c.data)

    def backward(self, x, c, grad):
        x.grad += grad * c.data  # c is data, never differentiated: reading it is safe


def test_user_function_with_tensor_backward_differentiates_again():
    A = rand((3, 3))
    x = rand((3, 2))
    f_user = lambda t: (TensorMatMul()(ad.constant(A), t).tanh() ** 2).sum()
    f_builtin = lambda t: ((A @ t).tanh() ** 2).sum()
    np.testing.assert_allclose(ad.hessian(f_user)(x).data, ad.hessian(f_builtin)(x).data,
                               rtol=1e-12)
    assert np.isclose(ad.grad(ad.grad(ad.grad(lambda t: Cube()(t))))(0.7).item(), 6.0)
    c = rand((3,))
    H = ad.hessian(lambda t: (ScaleByConstant()(t, ad.constant(c)) ** 2).sum())(rand((3,)))
    np.testing.assert_allclose(H.data, np.diag(2 * c ** 2))
    check_hvp(lambda a, b: TensorMatMul()(a, b).tanh(), rand((2, 3)), rand((3, 2)))


def test_user_function_with_numpy_backward_says_how_to_fix_it():
    x = rand((2, 2))
    f = lambda t: (NumpyMatMul()(t, t) ** 2).sum()
    g = ad.grad(f)(x)  # first order still works
    np.testing.assert_allclose(g.data, ad.grad(lambda t: ((t @ t) ** 2).sum())(x).data)
    with pytest.raises(ad.BackwardError, match=r"(?s)NumpyMatMul\.backward cannot be "
                       r"differentiated again.*reads \.data of input 1.*x\.grad \+= grad @ y\.T"):
        ad.hessian(f)(x)
    t = ad.tensor(x)  # create_graph asks for a graph; the first derivative still comes
    f(t).backward(create_graph=True)
    np.testing.assert_allclose(t.grad.data, g.data)
    with pytest.raises(ad.BackwardError, match=r"NumpyMatMul\.backward cannot be differentiated"):
        (t.grad ** 2).sum().backward()  # ... and differentiating it again names the Function
    with pytest.raises(ad.BackwardError, match=r"NumpyExp\.backward.*input 0 to a numpy function"):
        ad.grad(lambda t: ad.grad(lambda u: NumpyExp()(u).sum())(t).sum())(x)


class SeedCube(ad.Function):  # issue 25's Cube, in the seed's style
    def forward(self, x):
        return ad.Variable(x.data ** 3)

    def backward(self, x, grad):
        x.grad += grad * 3 * x.data ** 2


def test_a_seed_style_function_always_gives_a_first_derivative():
    # Issue 25, bug 1: with ad.tensor(XV) the gradient is recorded (the argument is in a
    # graph), and the seed-style backward used to raise "cannot be differentiated again".
    XV = np.array([0.5, -1.5, 2.0])
    want = 3 * XV ** 2  # d(x**3)/dx, exact; PyTorch 2.13 gives the same
    f = lambda x: SeedCube()(x).sum()
    for arg in (XV, ad.tensor(XV)):
        np.testing.assert_allclose(ad.grad(f)(arg).data, want)
    g = ad.grad(f)(ad.tensor(XV))
    assert g.requires_grad  # recorded, so a second derivative is refused, not silently 0
    with pytest.raises(ad.BackwardError, match=r"(?s)SeedCube\.backward cannot be "
                       r"differentiated again.*reads \.data of input 0"):
        g.sum().backward()
    with pytest.raises(ad.BackwardError, match=r"SeedCube\.backward cannot be differentiated"):
        ad.hessian(f)(XV)
    with pytest.raises(ad.BackwardError, match=r"SeedCube\.backward cannot be differentiated"):
        ad.jvp(f, (XV,), (np.ones(3),))  # forward mode needs the gradient's graph
    # refused only where a derivative flows through it: as a constant it is fine
    grad = ad.grad(lambda x: (x * ad.grad(f)(x).detach()).sum())(XV)
    np.testing.assert_allclose(grad.data, want)


def test_a_seed_style_backward_runs_once_under_create_graph():
    calls = []

    class Counted(ad.Function):
        def forward(self, x):
            return ad.Variable(x.data * 2)

        def backward(self, x, grad):
            calls.append(1)
            x.grad += 2 * grad.data

    x = ad.tensor([1.0, 2.0])
    (Counted()(x) ** 2).sum().backward(create_graph=True)
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad.data, 8 * x.data)


def test_numpy_on_a_closed_over_tensor_in_backward_refuses_only_a_second_derivative():
    w = ad.tensor([1.0, -2.0])

    class ScaleByW(ad.Function):
        def forward(self, x):
            return ad.Variable(x.data * w.data)

        def backward(self, x, grad):
            x.grad += grad * np.broadcast_to(w, x.shape)  # numpy turns w into an array

    x = np.array([0.5, 3.0])
    np.testing.assert_allclose(ad.grad(lambda t: (ScaleByW()(t) ** 2).sum())(x).data,
                               2 * x * w.data ** 2)
    with pytest.raises(ad.BackwardError, match=r"ScaleByW\.backward cannot be differentiated"):
        ad.hessian(lambda t: (ScaleByW()(t) ** 2).sum())(x)


def test_reading_data_of_a_differentiable_stand_in_is_never_silently_wrong():
    class MulDroppingY(ad.Function):  # mixes y.data into Tensor maths: drops d/dy of x.grad
        def forward(self, x, y):
            return ad.Variable(x.data * y.data)

        def backward(self, x, y, grad):
            x.grad += grad * y.data
            y.grad += grad * x

    with pytest.raises(ad.BackwardError, match=r"MulDroppingY.*reads \.data of input 1"):
        ad.grad(lambda y: ad.grad(lambda x: MulDroppingY()(x, y).sum())(np.ones(2)).sum())(
            np.ones(2))


def test_grad_mode_context_managers():
    x = ad.tensor([1.0, 2.0])
    with ad.no_grad():
        assert (x * 2).grad_fn is None
        with ad.enable_grad():
            assert (x * 2).grad_fn is not None
        g = ad.grad(lambda t: (t ** 3).sum())(x)  # still computed, but recorded for no one
    assert g.grad_fn is None and g.tolist() == [3.0, 12.0]

    @ad.enable_grad()
    def recorded(t):
        return t * 2

    with ad.no_grad():
        assert recorded(x).grad_fn is not None


def test_an_op_whose_vjp_uses_numpy_names_itself_under_create_graph():
    class NumpyVjpExp(ad.Function):  # a built-in-style op written against arrays only
        def forward(self, x):
            return np.exp(x.data)

        def vjp(self, out, grad, x):
            return (grad * np.exp(x.data),)

    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(ad.grad(lambda t: NumpyVjpExp()(t).sum())(x).data, np.exp(x))
    g = ad.grad(lambda t: NumpyVjpExp()(t).sum())(ad.tensor(x))  # recorded: first order works
    np.testing.assert_allclose(g.data, np.exp(x))
    with pytest.raises(ad.BackwardError, match=r"NumpyVjpExp\.vjp cannot be differentiated "
                       r"again.*numpy ufunc.*ad\.ops\.xp"):
        ad.hessian(lambda t: NumpyVjpExp()(t).sum())(x)
