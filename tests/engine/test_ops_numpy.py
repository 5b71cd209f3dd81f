"""The numpy-named ops of issue 13 (elementwise maths, reductions, linear algebra and shape)
against float64 central differences per shape kind and broadcasting pair, and the elementwise
ones' second and third derivatives against the analytic ones."""
import warnings

import numpy as np
import pytest
from test_higher_order import check_hvp

import ad
from gradutil import check_grads

rng = np.random.default_rng(77)


def rand(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(shape, lo=0.3, hi=2.0):
    return rand(shape, lo, hi) * rng.choice([-1.0, 1.0], shape)


def inside(lo, hi):
    return lambda s: rand(s, lo, hi)


def off_integers(s):
    """Values whose floor/ceil stay put under a small step."""
    return rng.integers(-3, 3, s) + rand(s, 0.2, 0.8)


SHAPES = [(), (1,), (5,), (2, 3), (2, 3, 4)]
BROADCAST_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)),
                   ((2, 3), ()), ((), (2, 3)), ((4, 1, 3), (2, 1))]

# name: (sampler, f', f'', f''')
UNARY = {
    "sin": (rand, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
    "cos": (rand, lambda x: -np.sin(x), lambda x: -np.cos(x), np.sin),
    "tan": (inside(-1.2, 1.2), lambda x: 1 / np.cos(x) ** 2,
            lambda x: 2 * np.tan(x) / np.cos(x) ** 2,
            lambda x: (2 + 4 * np.sin(x) ** 2) / np.cos(x) ** 4),
    "sinh": (rand, np.cosh, np.sinh, np.cosh),
    "cosh": (rand, np.sinh, np.cosh, np.sinh),
    "arcsin": (inside(-0.8, 0.8), lambda x: (1 - x * x) ** -0.5,
               lambda x: x * (1 - x * x) ** -1.5,
               lambda x: (1 + 2 * x * x) * (1 - x * x) ** -2.5),
    "arccos": (inside(-0.8, 0.8), lambda x: -(1 - x * x) ** -0.5,
               lambda x: -x * (1 - x * x) ** -1.5,
               lambda x: -(1 + 2 * x * x) * (1 - x * x) ** -2.5),
    "arctan": (rand, lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2,
               lambda x: (6 * x * x - 2) / (1 + x * x) ** 3),
    "arcsinh": (rand, lambda x: (1 + x * x) ** -0.5, lambda x: -x * (1 + x * x) ** -1.5,
                lambda x: (2 * x * x - 1) * (1 + x * x) ** -2.5),
    "arccosh": (inside(1.2, 3.0), lambda x: (x * x - 1) ** -0.5,
                lambda x: -x * (x * x - 1) ** -1.5,
                lambda x: (2 * x * x + 1) * (x * x - 1) ** -2.5),
    "arctanh": (inside(-0.8, 0.8), lambda x: 1 / (1 - x * x),
                lambda x: 2 * x / (1 - x * x) ** 2,
                lambda x: (2 + 6 * x * x) / (1 - x * x) ** 3),
    "log2": (inside(0.3, 3.0), lambda x: 1 / (x * np.log(2)), lambda x: -1 / (x * x * np.log(2)),
             lambda x: 2 / (x ** 3 * np.log(2))),
    "log10": (inside(0.3, 3.0), lambda x: 1 / (x * np.log(10)),
              lambda x: -1 / (x * x * np.log(10)), lambda x: 2 / (x ** 3 * np.log(10))),
    "log1p": (inside(-0.7, 3.0), lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2,
              lambda x: 2 / (1 + x) ** 3),
    "expm1": (rand, np.exp, np.exp, np.exp),
    "exp2": (rand, lambda x: np.log(2) * 2 ** x, lambda x: np.log(2) ** 2 * 2 ** x,
             lambda x: np.log(2) ** 3 * 2 ** x),
    "square": (rand, lambda x: 2 * x, lambda x: 2 + 0 * x, lambda x: 0 * x),
    "reciprocal": (away_from_zero, lambda x: -x ** -2.0, lambda x: 2 * x ** -3.0,
                   lambda x: -6 * x ** -4.0),
    "floor": (off_integers, lambda x: 0 * x, lambda x: 0 * x, lambda x: 0 * x),
    "ceil": (off_integers, lambda x: 0 * x, lambda x: 0 * x, lambda x: 0 * x),
    "sign": (away_from_zero, lambda x: 0 * x, lambda x: 0 * x, lambda x: 0 * x),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_first_order(name, shape):
    make = UNARY[name][0]
    x = make(shape)
    out = check_grads(lambda t: getattr(t, name)(), x)
    np.testing.assert_allclose(out.data, getattr(np, name)(x))
    np.testing.assert_allclose(getattr(ad, name)(ad.tensor(x)).data, getattr(np, name)(x))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_and_third_derivatives(name):
    make, *derivatives = UNARY[name]
    x = make((7,))
    d = lambda t: getattr(ad, name)(t)
    for order, expected in enumerate(derivatives, 1):
        d = ad.elementwise_grad(d)
        got = d(x)
        np.testing.assert_allclose(got.data, expected(x), rtol=1e-9, atol=1e-12,
                                   err_msg=f"derivative of order {order}")
    check_hvp(lambda t: getattr(t, name)() * t, x)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_keeps_float32_and_takes_arrays(name):
    x = UNARY[name][0]((4,)).astype(np.float32)
    t = ad.tensor(x)
    y = getattr(ad, name)(t)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert t.grad.dtype == np.float32
    plain = getattr(ad, name)(x)  # an array argument: a constant result
    assert isinstance(plain, ad.Tensor) and not plain.requires_grad


def test_integer_data_gives_float_results():
    x = ad.tensor([1, 2, 4])
    np.testing.assert_allclose(x.reciprocal().data, [1.0, 0.5, 0.25])
    x.sin().sum().backward()
    np.testing.assert_allclose(x.grad, np.cos([1, 2, 4]))


BINARY = {  # name: (f, x sampler, y sampler, d/dx, d/dy)
    "mod": (lambda x, y: x % y, rand, lambda s: rand(s, 0.7, 1.9) * rng.choice([-1, 1], s),
            lambda x, y: 1 + 0 * x * y, lambda x, y: -np.floor(x / y)),
    "logaddexp": (ad.logaddexp, rand, rand, lambda x, y: 1 / (1 + np.exp(y - x)),
                  lambda x, y: 1 / (1 + np.exp(x - y))),
    "arctan2": (ad.arctan2, away_from_zero, away_from_zero, lambda y, x: x / (x * x + y * y),
                lambda y, x: -y / (x * x + y * y)),
    "hypot": (ad.hypot, away_from_zero, away_from_zero, lambda x, y: x / np.hypot(x, y),
              lambda x, y: y / np.hypot(x, y)),
}


def _off_mod_kinks(x, y):
    """Move x off the points where x % y jumps (x a multiple of y)."""
    q = x / y
    return np.where(np.abs(q - np.round(q)) < 0.1, x + 0.3 * y, x)


@pytest.mark.parametrize("sx,sy", BROADCAST_PAIRS)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_first_order(name, sx, sy):
    f, mx, my, dx, dy = BINARY[name]
    x, y = mx(sx), my(sy)
    if name == "mod":  # |x / y| < 1 and x != 0: away from the jumps at multiples of y
        x, y = away_from_zero(sx, 0.05, 0.45), away_from_zero(sy, 1.0, 1.9)
    out = check_grads(f, x, y)
    np.testing.assert_allclose(out.data, getattr(np, name)(x, y))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_analytic_and_second_order(name):
    f, mx, my, dx, dy = BINARY[name]
    x, y = mx((6,)), my((6,))
    if name == "mod":
        x = _off_mod_kinks(x, y)
    gx = ad.elementwise_grad(f, 0)(x, y)
    gy = ad.elementwise_grad(f, 1)(x, y)
    np.testing.assert_allclose(gx.data, dx(x, y), rtol=1e-10)
    np.testing.assert_allclose(gy.data, dy(x, y), rtol=1e-10)
    check_hvp(f, x, y)


def test_mod_follows_numpy_for_negative_operands_and_scalars():
    x = ad.tensor([-3.5, 3.5, 7.0])
    np.testing.assert_allclose((x % 2).data, np.mod([-3.5, 3.5, 7.0], 2))
    np.testing.assert_allclose((x % -2.0).data, np.mod([-3.5, 3.5, 7.0], -2.0))
    np.testing.assert_allclose((10.0 % x).data, np.mod(10.0, [-3.5, 3.5, 7.0]))


def test_arctan2_at_the_origin_has_gradient_zero_as_in_pytorch():
    # Issue 25, bug 4. PyTorch 2.13: torch.atan2(y, x) at y = x = 0 backpropagates 0 to both
    # (dy 0.0, dx -0.0); at (1, 2), dy = x / r**2 = 0.4 and dx = -y / r**2 = -0.2.
    y, x = ad.tensor([0.0, 1.0]), ad.tensor([0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no 0/0 warning
        ad.arctan2(y, x).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.4])
    np.testing.assert_array_equal(x.grad, [0.0, -0.2])
    c = ad.tensor(0.0)  # broadcast against a constant at the origin
    ad.arctan2(c, np.zeros(3)).backward()
    assert c.grad == 0.0
    # hypot has no derivative at the origin either; PyTorch 2.13 gives NaN there, and so does ad
    h = ad.tensor([0.0])
    with np.errstate(all="ignore"):
        ad.hypot(h, np.zeros(1)).backward()
    assert np.isnan(h.grad).all()


def test_logaddexp_is_stable():
    x = ad.tensor([1000.0, -1000.0])
    y = ad.logaddexp(x, ad.tensor([1000.0, -1000.0]))
    np.testing.assert_allclose(y.data, [1000.0 + np.log(2), -1000.0 + np.log(2)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.5])


# --- Reductions --------------------------------------------------------------------------------

REDUCE_CASES = [((), None), ((5,), None), ((5,), 0), ((5,), -1), ((2, 3, 4), None),
                ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)),
                ((1, 3), 0)]
REDUCTIONS = {  # name: (ad function, numpy reference, sampler)
    "prod": (ad.prod, np.prod, lambda s: rand(s, 0.5, 1.5) * rng.choice([-1, 1], s)),
    "var": (ad.var, np.var, rand),
    "var_ddof1": (lambda t, axis=None, keepdims=False: ad.var(t, axis, ddof=1,
                                                              keepdims=keepdims),
                  lambda a, axis=None, keepdims=False: np.var(a, axis, ddof=1,
                                                              keepdims=keepdims), rand),
    "std": (ad.std, np.std, rand),
    "std_ddof1": (lambda t, axis=None, keepdims=False: t.std(axis, ddof=1, keepdims=keepdims),
                  lambda a, axis=None, keepdims=False: np.std(a, axis, ddof=1,
                                                              keepdims=keepdims), rand),
    "logsumexp": (ad.logsumexp,
                  lambda a, axis=None, keepdims=False: np.log(np.exp(a).sum(axis,
                                                                             keepdims=keepdims)),
                  rand),
    "norm": (lambda t, axis=None, keepdims=False: ad.norm(t, axis=axis, keepdims=keepdims),
             lambda a, axis=None, keepdims=False: np.sqrt((a * a).sum(axis, keepdims=keepdims)),
             away_from_zero),
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", REDUCE_CASES)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, shape, axis, keepdims):
    f, ref, make = REDUCTIONS[name]
    x = make(shape)
    n = np.prod([shape[a] for a in np.atleast_1d(axis if axis is not None
                                                 else range(len(shape)))], dtype=int)
    if name.startswith("std") and n == 1 or name.endswith("ddof1") and n == 1:
        t = ad.tensor(x)
        with warnings.catch_warnings():  # numpy's own forward warns when n - ddof <= 0
            warnings.simplefilter("ignore", RuntimeWarning)
            want = ref(x, axis=axis, keepdims=keepdims)
            y = f(t, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(y.data, want)
        y.sum().backward()  # and no warning
        if name == "std":  # a group of one: std is the constant 0, its gradient 0 (PyTorch)
            np.testing.assert_array_equal(t.grad, np.zeros(shape))
        else:  # n - ddof = 0: no degrees of freedom, so NaN, as PyTorch 2.13 gives
            assert np.isnan(t.grad).all()
        return
    out = check_grads(lambda t: f(t, axis=axis, keepdims=keepdims), x)
    np.testing.assert_allclose(out.data, ref(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    if name.startswith("std") and shape == (2, 3, 4):
        return  # std's Hessian is covered by var's and sqrt's
    check_hvp(lambda t: f(t, axis=axis, keepdims=keepdims), x)


def test_std_where_the_spread_is_zero_has_gradient_zero():
    # Issue 25, bug 2. HIPS autograd's stat_check(np.std) cases that gave NaN: 0-d inputs (its
    # x = 3.5 and a random scalar) and axis 0 of a (1, 3) array, with and without keepdims.
    for x, kwargs in ((3.5, {}), (-0.7, {}), ([[1.0, 2.0, 4.0]], {"axis": 0}),
                      ([[1.0, 2.0, 4.0]], {"axis": 0, "keepdims": True})):
        np.testing.assert_array_equal(ad.grad(lambda t: t.std(**kwargs).sum())(x).data,
                                      np.zeros(np.shape(x)))
    # PyTorch 2.13, torch.std(correction=0) and (correction=1) of equal values: 0, not NaN;
    # a row with a spread keeps its gradient (torch.std(dim=1, correction=0) of these rows).
    for ddof in (0, 1):
        np.testing.assert_array_equal(ad.grad(lambda t: t.std(ddof=ddof))([2.0, 2.0, 2.0]).data,
                                      [0.0, 0.0, 0.0])
    g = ad.grad(lambda t: t.std(axis=1).sum())([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    np.testing.assert_allclose(g.data, [[0.0, 0.0, 0.0], [-0.35634832254989923,
                                                          -0.08908708063747484,
                                                          0.44543540318737396]], rtol=1e-14)
    assert ad.hessian(lambda t: t.std())(np.full(3, 2.0)).data.tolist() == [[0.0] * 3] * 3


def test_methods_match_functions_and_numpy():
    x = rand((3, 4))
    t = ad.tensor(x)
    for name in ("prod", "var", "std"):
        np.testing.assert_allclose(getattr(t, name)(axis=1).data, getattr(np, name)(x, axis=1))
    np.testing.assert_allclose(t.var(0, ddof=1).data, x.var(0, ddof=1))
    np.testing.assert_allclose(ad.norm(x, axis=-1).data, np.linalg.norm(x, axis=-1))
    np.testing.assert_allclose(ad.norm(x).data, np.linalg.norm(x))
    np.testing.assert_allclose(ad.norm(x, "fro", axis=(0, 1)).data, np.linalg.norm(x, "fro"))
    with pytest.raises(ValueError, match="only the 2-norm"):
        ad.norm(x, ord=1)
    with pytest.raises(ValueError, match="singular value"):
        ad.norm(x, ord=2)
    with pytest.raises(ValueError, match="ddof"):
        t.var(ddof=-1)


@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((4, 3), 1), ((2, 3, 2), (0, 2))])
def test_prod_with_zeros(shape, axis):
    x = rand(shape, 0.5, 1.5)
    x.flat[0] = 0.0
    x.flat[-1] = 0.0  # two zeros, maybe in one slice: the others' product is 0 there
    check_grads(lambda t: t.prod(axis=axis), x)
    check_hvp(lambda t: t.prod(axis=axis), x)
    t = ad.tensor([0.0, 2.0, 3.0])
    t.prod().backward()
    np.testing.assert_allclose(t.grad, [6.0, 0.0, 0.0])


def test_logsumexp_is_stable_and_norm_at_zero():
    x = ad.tensor([[1000.0, 1000.0], [-np.inf, 0.0]])
    y = ad.logsumexp(x, axis=1)
    np.testing.assert_allclose(y.data, [1000.0 + np.log(2), 0.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [[0.5, 0.5], [0.0, 1.0]])
    z = ad.tensor(np.zeros(3))
    ad.norm(z).backward()
    np.testing.assert_array_equal(z.grad, np.zeros(3))


@pytest.mark.parametrize("shape,axis", [((5,), None), ((5,), 0), ((2, 3), None), ((2, 3), 0),
                                        ((2, 3), 1), ((2, 3, 4), -1), ((), None)])
def test_cumsum(shape, axis):
    x = rand(shape)
    out = check_grads(lambda t: t.cumsum(axis), x)
    np.testing.assert_allclose(out.data, np.cumsum(x, axis))
    check_hvp(lambda t: ad.cumsum(t, axis) ** 2, x)


def test_argmax_argmin_are_plain_positions():
    x = rand((3, 4))
    t = ad.tensor(x)
    for name in ("argmax", "argmin"):
        for axis in (None, 0, -1):
            got = getattr(t, name)(axis)
            assert not isinstance(got, ad.Tensor)
            np.testing.assert_array_equal(got, getattr(np, name)(x, axis))
            np.testing.assert_array_equal(getattr(ad, name)(t, axis), got)
    assert t.argmax(1, keepdims=True).shape == (3, 1)


# --- Linear algebra -----------------------------------------------------------------------------

EINSUM_CASES = [  # subscripts, operand shapes
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]), ("i,j->ij", [(2,), (3,)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->ij", [(2, 2, 3)]),
    ("iji->j", [(2, 3, 2)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]), ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),
    ("...i,...i->...", [(2, 3), (1, 3)]), ("i...->...", [(3, 2, 2)]), ("...", [(2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("ij,kj->ik", [(2, 1), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ba,Ab->aA", [(2, 3), (4, 2)]), ("bA,ab", [(2, 3), (4, 2)]),
    (" ij , jk -> ik ", [(2, 3), (3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]), (",ij->ij", [(), (2, 3)]), ("ijk,kji->", [(2, 3, 4), (4, 3, 2)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM_CASES)
def test_einsum(subscripts, shapes):
    arrays = [rand(s) for s in shapes]
    out = check_grads(lambda *ts: ad.einsum(subscripts, *ts), *arrays)
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *arrays))
    check_hvp(lambda *ts: ad.einsum(subscripts, *ts) ** 2, *arrays)


def test_einsum_errors_name_the_problem():
    with pytest.raises(ValueError, match="name 2 operand"):
        ad.einsum("ij,jk->ik", ad.tensor(np.ones((2, 2))))
    with pytest.raises(TypeError, match="subscripts as a string"):
        ad.einsum(ad.tensor(np.ones(2)), [0], [0])


@pytest.mark.parametrize("sa,sb,axes", [((2, 3), (3, 4), 1), ((2, 3, 4), (3, 4, 5), 2),
                                        ((2, 3), (2, 3), 2), ((2, 3), (4,), 0),
                                        ((3, 2, 4), (4, 3), ([0, 2], [1, 0])),
                                        ((3, 2), (2, 3), (-1, 0))])
def test_tensordot(sa, sb, axes):
    a, b = rand(sa), rand(sb)
    out = check_grads(lambda x, y: ad.tensordot(x, y, axes), a, b)
    np.testing.assert_allclose(out.data, np.tensordot(a, b, axes))
    check_hvp(lambda x, y: ad.tensordot(x, y, axes) ** 2, a, b)


@pytest.mark.parametrize("sa,sb", [((), ()), ((3,), ()), ((), (2, 3)), ((3,), (3,)),
                                   ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)),
                                   ((2, 2, 3), (5, 3, 2))])
def test_dot(sa, sb):
    a, b = rand(sa), rand(sb)
    out = check_grads(ad.dot, a, b)
    np.testing.assert_allclose(out.data, np.dot(a, b))
    if sa:
        np.testing.assert_allclose(ad.tensor(a).dot(b).data, np.dot(a, b))


@pytest.mark.parametrize("sa,sb", [((3,), (4,)), ((2, 2), (3,)), ((), (2,))])
def test_outer(sa, sb):
    a, b = rand(sa), rand(sb)
    out = check_grads(ad.outer, a, b)
    np.testing.assert_allclose(out.data, np.outer(a, b))


# --- Shape ops ----------------------------------------------------------------------------------

SHAPE_CASES = {  # name: (ad function of t, numpy reference of x, input shape)
    "squeeze": (lambda t: t.squeeze(), np.squeeze, (1, 3, 1, 2)),
    "squeeze_axis": (lambda t: t.squeeze(axis=(0, -2)), lambda x: x.squeeze((0, -2)),
                     (1, 3, 1, 2)),
    "expand_dims": (lambda t: ad.expand_dims(t, 1), lambda x: np.expand_dims(x, 1), (2, 3)),
    "expand_dims_tuple": (lambda t: ad.expand_dims(t, (0, -1)),
                          lambda x: np.expand_dims(x, (0, -1)), (2, 3)),
    "flatten": (lambda t: t.flatten(), lambda x: x.flatten(), (2, 3, 2)),
    "ravel": (lambda t: t.ravel(), np.ravel, (2, 3)),
    "flip": (ad.flip, np.flip, (2, 3, 2)),
    "flip_axis": (lambda t: ad.flip(t, -1), lambda x: np.flip(x, -1), (2, 3)),
    "flip_axes": (lambda t: ad.flip(t, (0, 2)), lambda x: np.flip(x, (0, 2)), (2, 3, 2)),
    "roll": (lambda t: ad.roll(t, 2), lambda x: np.roll(x, 2), (2, 3)),
    "roll_axis": (lambda t: ad.roll(t, -1, 1), lambda x: np.roll(x, -1, 1), (2, 3)),
    "roll_axes": (lambda t: ad.roll(t, (1, 2), (0, 1)), lambda x: np.roll(x, (1, 2), (0, 1)),
                  (2, 3)),
    "repeat": (lambda t: t.repeat(2), lambda x: x.repeat(2), (2, 3)),
    "repeat_axis": (lambda t: ad.repeat(t, [1, 0, 3], axis=1),
                    lambda x: np.repeat(x, [1, 0, 3], axis=1), (2, 3)),
    "tile": (lambda t: ad.tile(t, 2), lambda x: np.tile(x, 2), (2, 3)),
    "tile_more": (lambda t: ad.tile(t, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), (2, 3)),
    "tile_fewer": (lambda t: ad.tile(t, (2,)), lambda x: np.tile(x, (2,)), (2, 1, 3)),
    "triu": (ad.triu, np.triu, (3, 4)),
    "triu_k": (lambda t: ad.triu(t, -1), lambda x: np.triu(x, -1), (2, 3, 3)),
    "tril": (ad.tril, np.tril, (4, 3)),
    "tril_k": (lambda t: ad.tril(t, 1), lambda x: np.tril(x, 1), (3, 3)),
    "trace": (lambda t: t.trace(), np.trace, (3, 4)),
    "trace_offset": (lambda t: ad.trace(t, 1, 0, 2), lambda x: np.trace(x, 1, 0, 2), (3, 2, 4)),
    "diagonal": (lambda t: t.diagonal(), np.diagonal, (3, 4)),
    "diagonal_neg": (lambda t: ad.diagonal(t, -1, 2, 0), lambda x: np.diagonal(x, -1, 2, 0),
                     (3, 2, 4)),
    "append": (lambda t: ad.append(t, ad.constant([1.0, 2.0])),
               lambda x: np.append(x, [1.0, 2.0]), (2, 3)),
    "append_axis": (lambda t: ad.append(t, t * 2, axis=0), lambda x: np.append(x, x * 2, 0),
                    (2, 3)),
    "pad": (lambda t: ad.pad(t, 1), lambda x: np.pad(x, 1), (2, 3)),
    "pad_pairs": (lambda t: ad.pad(t, ((0, 2), (1, 0)), constant_values=-1.5),
                  lambda x: np.pad(x, ((0, 2), (1, 0)), constant_values=-1.5), (2, 3)),
    "sort": (ad.sort, np.sort, (3, 4)),
    "sort_axis": (lambda t: ad.sort(t, 0), lambda x: np.sort(x, 0), (3, 4)),
    "sort_none": (lambda t: ad.sort(t, None), lambda x: np.sort(x, None), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shape_ops(name):
    f, ref, shape = SHAPE_CASES[name]
    x = rand(shape)
    out = check_grads(f, x)
    np.testing.assert_array_equal(out.data, ref(x))
    check_hvp(lambda t: f(t) ** 2, x)


@pytest.mark.parametrize("sections,axis", [(2, 0), (3, 1), ([1, 3], 1), ([2], -1), ([], 0)])
def test_split(sections, axis):
    x = rand((4, 6))
    pieces = ad.split(ad.tensor(x), sections, axis)
    want = np.split(x, sections, axis)
    assert len(pieces) == len(want)
    for p, w in zip(pieces, want):
        np.testing.assert_array_equal(p.data, w)
    weights = [rand(w.shape) for w in want]
    check_grads(lambda t: sum((p * w).sum() for p, w in
                              zip(ad.split(t, sections, axis), weights)), x)
    with pytest.raises(ValueError, match="equal pieces"):
        ad.split(ad.tensor(x), 5)


def test_shape_op_errors():
    t = ad.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mode='constant'"):
        ad.pad(t, 1, mode="reflect")
    with pytest.raises(ValueError, match="needs a matrix"):
        ad.triu(ad.tensor(np.ones(3)))
    with pytest.raises(ValueError):
        t.squeeze(0)  # numpy: cannot select an axis to squeeze out which has size not one
    with pytest.raises(ValueError, match="out of range"):
        ad.flip(t, 2)
