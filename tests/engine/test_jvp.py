"""Forward mode: ad.jvp against the Jacobian built by reverse mode (ad.jacobian), for vector and
matrix outputs, several primals, constants, and nested (second directional derivatives)."""
import numpy as np
import pytest

import ad
from ad.nn import functional as F

rng = np.random.default_rng(99)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(4, 2))

CASES = {  # name: (fun, primal shapes)
    "affine_tanh": (lambda x: (A @ x).tanh(), [(4,)]),
    "matrix_out": (lambda x: (x @ B).softmax(axis=0), [(3, 4)]),
    "scalar_out": (lambda x: (x ** 3).sum() + x.exp().mean(), [(2, 3)]),
    "two_primals": (lambda x, y: x * y.exp() + (x @ B).sum() * y, [(4,), (4,)]),
    "broadcast": (lambda x, y: (x[:, None] * y).log_softmax(axis=1), [(2,), (2, 5)]),
    "indexing": (lambda x: ad.concatenate([x[[0, 0, 2]] ** 2, x[1:].sqrt()]), [(4,)]),
    "reductions": (lambda x: ad.concatenate([x.max(axis=0), x.min(axis=1), x.mean(axis=1)]),
                   [(2, 3)]),
    "loss": (lambda w: F.cross_entropy(ad.concatenate([A.T @ w, w[:2] ** 2]).reshape(2, 3),
                                       np.array([2, 0])), [(3,)]),
    "power_both": (lambda x, y: x ** y, [(3,), (3,)]),
}


def _primal(shape):
    return rng.uniform(0.3, 1.5, shape) * rng.choice([1.0, 1.0, -1.0], shape)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_matches_the_reverse_mode_jacobian(name):
    fun, shapes = CASES[name]
    primals = [_primal(s) for s in shapes]
    if name in ("power_both", "indexing"):
        primals[0] = np.abs(primals[0])
    tangents = [rng.normal(size=s) for s in shapes]
    out, tangent_out = ad.jvp(fun, primals, tangents)
    ref = fun(*[ad.constant(p) for p in primals])
    assert isinstance(out, ad.Tensor) and isinstance(tangent_out, ad.Tensor)
    np.testing.assert_allclose(out.data, ref.data)
    expected = np.zeros(ref.shape)
    for k, (p, t) in enumerate(zip(primals, tangents)):
        J = ad.jacobian(fun, k)(*[ad.constant(q) for q in primals]).data  # out.shape + p.shape
        expected = expected + np.tensordot(J, t, axes=t.ndim)
    assert tangent_out.shape == ref.shape
    np.testing.assert_allclose(tangent_out.data, expected, rtol=1e-10, atol=1e-12)


def test_jvp_of_a_constant_function_and_argument_checks():
    out, t = ad.jvp(lambda x: ad.constant([1.0, 2.0]), (np.ones(3),), (np.ones(3),))
    np.testing.assert_array_equal(t.data, [0.0, 0.0])
    out, t = ad.jvp(lambda x: x * 0.0 + 1.0, (np.ones(3),), (np.ones(3),))
    np.testing.assert_array_equal(t.data, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="tangent 0 has shape \\(2,\\) but its primal has shape"):
        ad.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="1 primal\\(s\\) but 2 tangent"):
        ad.jvp(lambda x: x, (np.ones(3),), (np.ones(3), np.ones(3)))


def test_nested_jvp_gives_second_directional_derivatives():
    f = lambda x: (x ** 3).sum() + (x[0] * x[1]).exp()
    x, v = rng.normal(size=2) * 0.5, rng.normal(size=2)
    dd = ad.jvp(lambda p: ad.jvp(f, (p,), (v,))[1], (x,), (v,))[1]
    H = ad.hessian(f)(x).data
    assert np.isclose(dd.item(), v @ H @ v, rtol=1e-10)
    # reverse over forward: the gradient of a directional derivative is H v
    hv = ad.grad(lambda p: ad.jvp(f, (p,), (v,))[1])(x)
    np.testing.assert_allclose(hv.data, H @ v, rtol=1e-10)


def test_jvp_through_a_user_function_with_tensor_backward():
    class Square(ad.Function):
        def forward(self, x):
            return ad.Variable(x.data ** 2)

        def backward(self, x, grad):
            x.grad += 2 * grad * x

    x, t = rng.normal(size=4), rng.normal(size=4)
    _, got = ad.jvp(lambda p: Square()(p).tanh(), (x,), (t,))
    np.testing.assert_allclose(got.data, (1 - np.tanh(x ** 2) ** 2) * 2 * x * t, rtol=1e-12)
