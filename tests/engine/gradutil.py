"""An independent float64 central-difference checker for the engine tests (it does not use
ad.gradcheck, which has tests of its own)."""
import numpy as np

import ad


def numeric_grad(f, arrays, k, weight, eps=1e-6):
    """d sum(weight * f(*arrays)) / d arrays[k], by central differences in float64."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    a = arrays[k]
    g = np.zeros(a.shape)
    for idx in np.ndindex(a.shape):
        orig = a[idx]
        vals = []
        for step in (eps, -eps):
            a[idx] = orig + step
            with ad.no_grad():
                vals.append(np.sum(weight * f(*[ad.constant(x) for x in arrays]).data))
        a[idx] = orig
        g[idx] = (vals[0] - vals[1]) / (2 * eps)
    return g


def check_grads(f, *arrays, seed=0, atol=1e-6, rtol=1e-5):
    """Compare backward's gradient of every input with central differences, for a random,
    non-uniform upstream gradient (a uniform one hides routing bugs)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    leaves = [ad.tensor(a) for a in arrays]
    out = f(*leaves)
    weight = np.random.default_rng(seed).uniform(-1.5, 1.5, out.shape)
    out.backward(weight)
    for k, leaf in enumerate(leaves):
        assert leaf.grad.shape == arrays[k].shape
        assert leaf.grad.dtype == np.float64
        expected = numeric_grad(f, arrays, k, weight)
        np.testing.assert_allclose(leaf.grad, expected, atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {k}")
    return out
