"""Dtypes: a Python number is a weak scalar (NEP 50), so float32 models stay float32 end to end,
data and gradients, first and second order; 0 ** negative backpropagates without warnings."""
import warnings

import numpy as np
import pytest

import ad
from ad.nn import functional as F

SCALAR_OPS = {"x * 2.0": lambda x: x * 2.0, "2.0 * x": lambda x: 2.0 * x, "x + 1": lambda x: x + 1,
              "1 + x": lambda x: 1 + x, "2 - x": lambda x: 2 - x, "x - 0.5": lambda x: x - 0.5,
              "x / 3": lambda x: x / 3, "2.0 / x": lambda x: 2.0 / x, "x ** 2": lambda x: x ** 2,
              "x ** 0.5": lambda x: x ** 0.5, "2.0 ** x": lambda x: 2.0 ** x,
              "maximum(x, 0)": lambda x: ad.maximum(x, 0), "where": lambda x: ad.where(
                  np.asarray(x) > 1, x, 0.0), "clip": lambda x: x.clip(0.0, 1.5)}


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
def test_python_scalars_keep_the_data_dtype(name, dtype):
    f = SCALAR_OPS[name]
    x = ad.tensor(np.array([0.5, 1.25, 2.0], dtype))
    y = f(x)
    with np.errstate(all="ignore"):
        assert y.dtype == f(np.array([0.5, 1.25, 2.0], dtype)).dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype
    g2 = ad.elementwise_grad(ad.elementwise_grad(lambda t: f(t) * t))(x.data)
    assert g2.dtype == dtype


EVERY_OP = [lambda t: t.exp(), lambda t: t.log(), lambda t: t.sqrt(), lambda t: abs(t),
            lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: t.relu(), lambda t: t * t,
            lambda t: t / t.sum(), lambda t: t.max(axis=1), lambda t: t.min(),
            lambda t: t.mean(axis=0), lambda t: t.softmax(), lambda t: t.log_softmax(axis=0),
            lambda t: t @ t.T, lambda t: t[[0, 0]], lambda t: ad.minimum(t, t.T),
            lambda t: ad.concatenate([t, t]), lambda t: ad.stack([t, t]).reshape(-1).T,
            lambda t: ad.broadcast_to(t, (2, 2, 2)), lambda t: F.linear(t, t, t[0]),
            lambda t: F.mse_loss(t, t.T), lambda t: F.cross_entropy(t, [1, 0]),
            lambda t: F.binary_cross_entropy_with_logits(t, t.T)]


@pytest.mark.parametrize("k", range(len(EVERY_OP)))
def test_float32_data_gets_float32_results_and_gradients_from_every_op(k):
    f = EVERY_OP[k]
    x = ad.tensor(np.array([[0.5, 1.5], [2.0, 0.25]], np.float32))
    y = f(x)
    assert y.dtype == np.float32
    (y * 1.5).sum().backward()
    assert x.grad.dtype == np.float32
    assert ad.hessian(lambda t: (f(t) * t[0, 0]).sum())(x.data).dtype == np.float32


def test_numpy_scalars_and_arrays_promote_as_numpy_does():
    x = ad.tensor(np.ones(2, np.float32))
    assert (x * np.float64(2.0)).dtype == np.float64  # a numpy scalar is strong (NEP 50)
    assert (x * np.float32(2.0)).dtype == np.float32
    assert (x + np.ones(2)).dtype == np.float64
    ints = np.array([1, 2])  # int64, or int32 where the default integer is (32-bit Pyodide)
    for scalar in (2, 2.5, 1j, True):
        assert (ad.tensor(ints) * scalar).dtype == (ints * scalar).dtype
    assert (ad.tensor(ints.astype(np.int8)) + 3).dtype == np.int8


def test_a_float32_model_stays_float32_end_to_end():
    r = np.random.default_rng(0)
    X = r.normal(size=(16, 3)).astype(np.float32)
    Y = r.normal(size=(16, 1)).astype(np.float32)
    T = r.integers(0, 4, 16)
    model = ad.nn.Sequential(ad.nn.Linear(3, 8, rng=r), ad.nn.Tanh(), ad.nn.Linear(8, 4, rng=r))
    for p in model.parameters():
        p.data = p.data.astype(np.float32)
    opt = ad.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        out = model(ad.constant(X))
        loss = (F.cross_entropy(out * 0.5 + 1, T) + F.mse_loss(out[:, :1] ** 2, Y)
                + 1e-3 * (out.sigmoid() - 0.5).abs().mean()
                + F.binary_cross_entropy_with_logits(out, (out.data > 0).astype(np.float32)))
        assert out.dtype == loss.dtype == np.float32
        loss.backward()
        assert all(p.grad.dtype == np.float32 for p in model.parameters())
        opt.step()
        assert all(p.data.dtype == np.float32 for p in model.parameters())
    # and a Hessian of a float32 function is float32
    H = ad.hessian(lambda t: (t ** 3 * 2.0 + 1).sum())(np.array([1.0, 2.0], np.float32))
    assert H.dtype == np.float32
    np.testing.assert_allclose(H.data, np.diag([12.0, 24.0]))


def test_zero_to_a_negative_power_backpropagates_without_a_runtime_warning():
    x, p = ad.tensor([0.0, 2.0]), ad.tensor([-1.0, -1.0])
    with np.errstate(divide="ignore"):  # the forward is numpy's: 0 ** -1 is inf
        y = x ** p
    np.testing.assert_array_equal(y.data, [np.inf, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y.sum().backward()
        assert x.grad[0] == -np.inf and x.grad[1] == -0.25  # -1 * 0 ** -2, -1 * 2 ** -2
        assert np.isnan(p.grad[0])  # inf * log(0): no derivative in the exponent there
        assert np.isclose(p.grad[1], 0.5 * np.log(2.0))
        z = ad.tensor([0.0, 0.5])
        with np.errstate(divide="ignore"):
            d2 = ad.elementwise_grad(ad.elementwise_grad(lambda t: t ** -2.0))(z)
        assert d2.data[0] == np.inf and np.isclose(d2.data[1], 6 * 0.5 ** -4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_0d_result_holds_numpys_scalar_and_gradients_are_arrays(dtype):
    x, w = ad.tensor(dtype(1.5)), ad.tensor(dtype(-0.5))
    y = (x * w + 2.0).tanh() * x
    # numpy's own 0-d result is a scalar, not an array; ad keeps it (scalar maths is faster)
    assert type(y.data) is dtype and y.shape == () and y.dtype == dtype
    assert repr(y).startswith("tensor(") and "grad_fn=Mul" in repr(y)
    y.backward()
    for t in (x, w):
        assert type(t.grad) is np.ndarray and t.grad.dtype == dtype and t.grad.shape == ()
    t = (x.data * w.data + 2) * 1  # numpy's scalars, by hand
    np.testing.assert_allclose(w.grad, (1 - np.tanh(t) ** 2) * x.data * x.data, rtol=1e-6)
    ad.optim.SGD([x, w], lr=0.1).step()  # a leaf keeps its writable 0-d array
    assert type(x.data) is np.ndarray and x.data.dtype == dtype
