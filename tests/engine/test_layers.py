"""ad.nn layers of issue 13 (Conv2d, pooling, Flatten, Embedding, LayerNorm, BatchNorm1d,
Dropout), train()/eval(), state_dict()/load_state_dict() and .npz save/load."""
import numpy as np
import pytest

import ad
from ad import nn, optim
from ad.nn import functional as F
from gradutil import check_grads

rng = np.random.default_rng(5)


def test_conv2d_layer_matches_functional_and_initialises_like_pytorch():
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, rng=np.random.default_rng(0))
    assert conv.weight.shape == (4, 3, 3, 3) and conv.bias.shape == (4,)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(27)
    x = rng.normal(size=(2, 3, 6, 5))
    y = conv(ad.constant(x))
    np.testing.assert_allclose(y.data, F.conv2d(x, conv.weight, conv.bias, 2, 1).data)
    assert y.shape == (2, 4, 3, 3)
    assert len(conv.parameters()) == 2
    assert len(nn.Conv2d(1, 1, (2, 3), bias=False).parameters()) == 1
    grouped = nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2, rng=np.random.default_rng(1))
    assert grouped.weight.shape == (6, 2, 3, 3)  # (out, in / groups, kh, kw), as PyTorch
    assert np.abs(grouped.weight.data).max() <= 1 / np.sqrt(2 * 9)  # fan_in = in / groups * 9
    x4 = np.random.default_rng(2).normal(size=(2, 4, 5, 5))
    np.testing.assert_allclose(grouped(ad.constant(x4)).data,
                               F.conv2d(x4, grouped.weight, grouped.bias, 1, 2, 2, 2).data)
    assert "dilation=2, groups=2" in repr(grouped) and "groups" not in repr(conv)
    with pytest.raises(ValueError, match=r"groups \(3\) must be a positive integer dividing"):
        nn.Conv2d(4, 6, 3, groups=3)


def test_pooling_and_flatten_layers():
    x = rng.normal(size=(2, 3, 4, 4))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(ad.constant(x)).data,
                                  x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5)))
    np.testing.assert_allclose(nn.AvgPool2d(2)(ad.constant(x)).data,
                               x.reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5)))
    assert nn.Flatten()(ad.constant(x)).shape == (2, 48)
    assert nn.Flatten(0, 1)(ad.constant(x)).shape == (6, 4, 4)
    check_grads(lambda t: nn.Flatten()(t), x)


def test_embedding():
    emb = nn.Embedding(5, 3, rng=np.random.default_rng(0))
    idx = np.array([[0, 4, 0], [2, 2, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    out.sum().backward()
    counts = np.bincount(idx.ravel(), minlength=5)[:, None] * np.ones((1, 3))
    np.testing.assert_array_equal(emb.weight.grad, counts)
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        emb([5])
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.0]))


def test_layer_norm_layer():
    ln = nn.LayerNorm(4)
    x = rng.normal(size=(3, 4))
    y = ln(ad.constant(x))
    np.testing.assert_allclose(y.data.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.data.var(-1), x.var(-1) / (x.var(-1) + 1e-5), rtol=1e-10)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    assert nn.LayerNorm((2, 4), elementwise_affine=False).parameters() == []


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batchnorm1d_train_and_eval(shape):
    bn = nn.BatchNorm1d(3, momentum=0.5)
    x = rng.normal(2.0, 3.0, size=shape)
    axes = (0,) if len(shape) == 2 else (0, 2)
    bshape = (1, 3) if len(shape) == 2 else (1, 3, 1)
    y = bn(ad.constant(x))
    want = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.data, want, rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.data, 0.5 * x.mean(axes))
    np.testing.assert_allclose(bn.running_var.data, 0.5 + 0.5 * x.var(axes, ddof=1))
    check_grads(lambda t, w, b: nn.BatchNorm1d(3)(t) * w.reshape(bshape) + b.reshape(bshape),
                x, rng.normal(size=3), rng.normal(size=3))
    bn.eval()
    assert not bn.training
    y = bn(ad.constant(x))
    np.testing.assert_allclose(y.data, (x - bn.running_mean.data.reshape(bshape))
                               / np.sqrt(bn.running_var.data.reshape(bshape) + 1e-5))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        bn(ad.constant(np.ones((2, 4))))
    with pytest.raises(ValueError, match="eval"):
        nn.BatchNorm1d(3)(ad.constant(np.ones((1, 3))))


def test_train_eval_reach_nested_modules_and_dropout_obeys():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.9)))
    assert model.training and model[2][0].training
    x = ad.constant(np.ones((50, 4)))
    assert model.eval() is model
    assert not any(m.training for m in (model, model[1], model[2], model[2][0]))
    np.testing.assert_array_equal(model(x).data, model[0](x).data)  # identity in eval
    model.train()
    assert model[2][0].training
    dropped = model[1](ad.constant(np.ones((100, 100))))
    assert 0.4 < (dropped.data == 0).mean() < 0.6
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(-0.1)


def small_cnn(seed):
    r = np.random.default_rng(seed)
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=r), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.BatchNorm1d(8), nn.Linear(8, 3, rng=r))


def test_state_dict_round_trip_through_npz(tmp_path):
    model = small_cnn(0)
    model(ad.constant(rng.normal(size=(4, 1, 4, 4))))  # moves BatchNorm's running statistics
    state = model.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.4.weight",
                           "layers.4.bias", "layers.4.running_mean", "layers.4.running_var",
                           "layers.5.weight", "layers.5.bias"]
    state["layers.0.weight"][...] = 7  # a copy: the model is unchanged
    assert not (model.layers[0].weight.data == 7).any()
    path = tmp_path / "cnn.npz"
    model.save(path)
    other = small_cnn(1)
    kept = other.layers[0].weight
    assert other.load(path) is other
    assert other.layers[0].weight is kept  # loaded in place: an optimizer keeps its tensors
    for (name, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    x = ad.constant(rng.normal(size=(3, 1, 4, 4)))
    model.eval(), other.eval()
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_load_state_dict_errors():
    model = small_cnn(0)
    state = model.state_dict()
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict({k: v for k, v in state.items() if "running" not in k})
    model.load_state_dict({k: v for k, v in state.items() if "running" not in k}, strict=False)
    state["layers.5.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"layers.5.weight has shape \(3, 8\)"):
        model.load_state_dict(state)


def test_a_small_cnn_trains():
    r = np.random.default_rng(3)
    X = r.normal(size=(32, 1, 6, 6))
    y = (X[:, 0, :3].sum((1, 2)) > X[:, 0, 3:].sum((1, 2))).astype(int)  # top half brighter?
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=r), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(36, 2, rng=r))
    opt = optim.Adam(model.parameters(), lr=0.02)
    first = None
    for _ in range(60):
        loss = F.cross_entropy(model(ad.constant(X)), y)
        first = first if first is not None else float(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.data) < 0.3 * first
