"""Property tests (hypothesis) over random shapes: broadcasting binary ops, reductions over
random axes, matmul batch shapes, and gradient accumulation."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ad
from gradutil import check_grads

SETTINGS = settings(max_examples=25, deadline=None)
OPS = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
       "div": lambda x, y: x / (y * y + 0.5), "maximum": ad.maximum, "where": None}


def values(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, shape)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops(shapes, op, seed):
    sx, sy = shapes.input_shapes
    if op == "where":
        cond = values(shapes.result_shape, seed) > 0
        f = lambda x, y: ad.where(cond, x, y)
    else:
        f = OPS[op]
    out = check_grads(f, values(sx, seed), values(sy, seed + 1))
    assert out.shape == shapes.result_shape


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), data=st.data(),
       op=st.sampled_from(["sum", "mean", "max", "min"]), keepdims=st.booleans())
def test_reductions_over_random_axes(shape, data, op, keepdims):
    axes = data.draw(st.sets(st.integers(0, len(shape) - 1), max_size=len(shape))
                     if shape else st.just(set()))
    axis = None if not axes or data.draw(st.booleans()) else tuple(sorted(axes))
    check_grads(lambda t: getattr(t, op)(axis=axis, keepdims=keepdims),
                values(shape, len(shape)) + np.arange(int(np.prod(shape))).reshape(shape) * 1e-3)


@SETTINGS
@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       vec=st.sampled_from(["", "left", "right"]))
def test_matmul_batched_shapes(batch, n, k, m, vec):
    bx, by = batch.input_shapes
    sx = (k,) if vec == "left" else bx + (n, k)
    sy = (k,) if vec == "right" else by + (k, m)
    out = check_grads(lambda x, y: x @ y, values(sx, 1), values(sy, 2))
    assert out.shape == np.matmul(np.zeros(sx), np.zeros(sy)).shape


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=st.integers(0, 99))
def test_softmax_and_reshape_random_shapes(shape, seed):
    check_grads(lambda t: t.softmax(axis=0).reshape(-1) * 2, values(shape, seed))
    check_grads(lambda t: t.log_softmax(axis=-1).transpose(), values(shape, seed))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), uses=st.integers(1, 4))
def test_a_value_used_many_times_accumulates(shape, uses):
    x = ad.tensor(values(shape, 0))
    total = x
    for _ in range(uses - 1):
        total = total + x
    total.backward()
    np.testing.assert_allclose(x.grad, np.full(shape, float(uses)))
