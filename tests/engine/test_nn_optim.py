"""ad.nn (Module parameter discovery, Linear, Sequential, activations) and ad.optim (SGD with
momentum and weight decay, Adam), ending with an MLP that learns two moons."""
import numpy as np
import pytest

import ad
from ad import nn
from ad.nn import functional as F
from gradutil import check_grads


def two_moons(n, noise, rng):
    """The two interleaved half circles of sklearn's make_moons, made with numpy."""
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return X, (~upper).astype(np.float64)


class Net(nn.Module):
    def __init__(self, rng):
        self.body = nn.Sequential(nn.Linear(2, 8, rng=rng), nn.Tanh())
        self.heads = [nn.Linear(8, 1, rng=rng), nn.Linear(8, 1, bias=False, rng=rng)]
        self.scale = ad.tensor(1.0)
        self.fixed = ad.constant([1.0, 2.0])  # not a parameter
        self.shared = self.scale  # found once

    def forward(self, x):
        h = self.body(x)
        return (self.heads[0](h) + self.heads[1](h)) * self.scale


def test_module_finds_parameters_in_order_once():
    net = Net(np.random.default_rng(0))
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.layers.0.weight", "body.layers.0.bias", "heads.0.weight",
                     "heads.0.bias", "heads.1.weight", "scale"]
    assert len(net.parameters()) == 6
    out = net(ad.constant(np.ones((3, 2))))
    assert out.shape == (3, 1)
    out.sum().backward()
    assert all(p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert not any(p.grad.any() for p in net.parameters())


def test_a_module_that_refers_back_to_its_parent_is_walked_once():
    net = Net(np.random.default_rng(0))
    net.heads[0].owner = net  # a cycle: the walk must end, naming each tensor by its first path
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.layers.0.weight", "body.layers.0.bias", "heads.0.weight",
                     "heads.0.bias", "heads.1.weight", "scale"]
    assert list(net.state_dict()) == names[:5] + ["scale", "fixed"]
    assert net.eval() is net and not net.heads[0].training


def test_linear_layer_shapes_and_gradient():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(1))
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = np.random.default_rng(2).normal(size=(4, 3))
    y = layer(ad.constant(x))
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data)
    check_grads(lambda w, b: F.linear(ad.constant(x), w, b), layer.weight.data, layer.bias.data)
    assert "Linear(3, 2" in repr(layer)


@pytest.mark.parametrize("act,ref", [(nn.Tanh(), np.tanh), (nn.ReLU(), lambda v: np.maximum(v, 0)),
                                     (nn.Sigmoid(), lambda v: 1 / (1 + np.exp(-v)))])
def test_activation_modules(act, ref):
    v = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(act(ad.tensor(v)).data, ref(v))
    assert act.parameters() == []


def test_sequential_container():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and len(list(seq)) == 3
    assert len(seq.parameters()) == 4
    assert "Sequential(" in repr(seq)


def quadratic_params():
    return ad.tensor([1.0, -2.0]), ad.tensor(np.array([[0.5]]))


def loss_of(a, b):
    return (a * a).sum() + (b * b).sum() * 3


def test_sgd_plain_momentum_weight_decay_by_hand():
    a, b = quadratic_params()
    opt = ad.optim.SGD([a, b, a], lr=0.1, momentum=0.9, weight_decay=0.01)
    assert len(opt.params) == 2
    va = np.zeros(2)
    ref = a.data.copy()
    for _ in range(3):
        opt.zero_grad()
        loss_of(a, b).backward()
        g = 2 * ref + 0.01 * ref
        va = 0.9 * va + g if _ else g
        ref = ref - 0.1 * va
        opt.step()
        np.testing.assert_allclose(a.data, ref)
    plain = ad.tensor([3.0])
    opt = ad.optim.SGD([plain], lr=0.25)
    (plain * plain).backward()
    opt.step()
    np.testing.assert_allclose(plain.data, [1.5])


def test_adam_by_hand_and_it_minimises():
    a, b = quadratic_params()
    opt = ad.optim.Adam([a, b], lr=0.1)
    m = v = np.zeros(2)
    ref = a.data.copy()
    for t in range(1, 4):
        opt.zero_grad()
        loss_of(a, b).backward()
        g = 2 * ref
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        ref = ref - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        opt.step()
        np.testing.assert_allclose(a.data, ref)
    for _ in range(300):
        opt.zero_grad()
        loss_of(a, b).backward()
        opt.step()
    assert loss_of(a, b).item() < 1e-3


def test_optimizer_skips_params_without_gradient_and_needs_params():
    a, unused = ad.tensor([1.0]), ad.tensor([5.0])
    opt = ad.optim.Adam([a, unused], lr=0.1, weight_decay=0.1)
    (a * a).backward()
    opt.step()
    assert unused.data[0] == 5.0 and a.data[0] < 1.0
    with pytest.raises(ValueError, match="no parameters"):
        ad.optim.SGD([], lr=0.1)


def test_optimizers_use_gradients_set_through_the_public_api():
    p = ad.tensor([1.0, 2.0])
    sgd = ad.optim.SGD([p], lr=0.5)
    p.grad = np.array([2.0, -2.0])  # set by hand, not by backward
    sgd.step()
    np.testing.assert_allclose(p.data, [0.0, 3.0])
    np.testing.assert_allclose(p.grad, [2.0, -2.0])  # a step reads the gradient, never writes it
    sgd.zero_grad()
    assert p.grad_view() is None and not p.grad.any()


def test_mlp_learns_two_moons():
    rng = np.random.default_rng(0)
    X, y = two_moons(400, 0.1, rng)
    model = nn.Sequential(nn.Linear(2, 32, rng=rng), nn.Tanh(), nn.Linear(32, 32, rng=rng),
                          nn.Tanh(), nn.Linear(32, 1, rng=rng))
    opt = ad.optim.Adam(model.parameters(), lr=0.02)
    Xc, yc = ad.constant(X), ad.constant(y[:, None])
    for _ in range(300):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(Xc), yc)
        loss.backward()
        opt.step()
    with ad.no_grad():
        Xt, yt = two_moons(400, 0.1, rng)
        acc = np.mean((model(ad.constant(Xt)).data[:, 0] > 0) == (yt > 0.5))
    assert acc >= 0.95, acc


def test_softmax_classifier_with_cross_entropy_and_sgd():
    rng = np.random.default_rng(3)
    centers = rng.normal(0, 3, (3, 4))
    labels = rng.integers(0, 3, 300)
    X = centers[labels] + rng.normal(0, 0.5, (300, 4))
    model = nn.Sequential(nn.Linear(4, 16, rng=rng), nn.ReLU(), nn.Linear(16, 3, rng=rng))
    opt = ad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(100):
        opt.zero_grad()
        F.cross_entropy(model(ad.constant(X)), labels).backward()
        opt.step()
    with ad.no_grad():
        assert np.mean(model(ad.constant(X)).data.argmax(1) == labels) > 0.95


# --- PyTorch's optimizer rules: its numbers (torch 2.13, float64) and its formulas in numpy ----

GRADS = [[1.0, -2.0], [0.5, 3.0], [-0.25, 0.1], [2.0, -1.0]]  # one per step, set by hand


def run_steps(opt_class, **kwargs):
    p = ad.tensor([1.0, -0.5])
    opt = opt_class([p], lr=0.1, **kwargs)
    for g in GRADS:
        opt.zero_grad()
        p.grad = np.array(g)
        opt.step()
    return p.data


def adam_by_formula(weight_decay=0.0, amsgrad=False, decoupled=False, lr=0.1, b1=0.9, b2=0.999,
                    eps=1e-8):
    """PyTorch's Adam/AdamW update (torch.optim documentation), written out in numpy."""
    p = np.array([1.0, -0.5])
    m = v = vmax = np.zeros(2)
    for t, g in enumerate(map(np.array, GRADS), start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v) if amsgrad else v
        p = p - lr / (1 - b1 ** t) * m / (np.sqrt(vmax) / np.sqrt(1 - b2 ** t) + eps)
    return p


def test_adam_counts_steps_per_parameter_as_pytorch():
    # Issue 25, bug 3: two zero parameters, lr 0.1; the second gets a gradient of 1 only in step 2.
    # PyTorch 2.13 moves it to -0.0999999990 (its first update is a first step); ad moved it to
    # -0.0744 (bias correction for step 2).
    a, b = ad.tensor([0.0]), ad.tensor([0.0])
    opt = ad.optim.Adam([a, b], lr=0.1)
    torch_values = [(-0.09999999900000002, 0.0), (-0.19999999799999935, -0.09999999900000002),
                    (-0.2999999969999993, -0.09999999900000002)]
    for step, want in enumerate(torch_values):
        opt.zero_grad()
        a.grad = np.ones(1)
        if step == 1:
            b.grad = np.ones(1)
        opt.step()
        np.testing.assert_allclose([a.data[0], b.data[0]], want, rtol=1e-12, atol=0)


def test_sgd_nesterov_and_dampening_as_pytorch():
    # torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), float64
    np.testing.assert_allclose(run_steps(ad.optim.SGD, momentum=0.9, nesterov=True,
                                         weight_decay=0.01),
                               [0.09664278752794205, -0.544678242498786], rtol=1e-12)
    # torch.optim.SGD(lr=0.1, momentum=0.9, dampening=0.5): the first step takes g undamped
    np.testing.assert_allclose(run_steps(ad.optim.SGD, momentum=0.9, dampening=0.5),
                               [0.5121000000000001, -0.17819999999999994], rtol=1e-12)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0 and dampening=0"):
        ad.optim.SGD([ad.tensor(1.0)], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="dampening=0"):
        ad.optim.SGD([ad.tensor(1.0)], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("kwargs,torch_value", [
    ({"amsgrad": True, "weight_decay": 0.1}, [0.6655010138761398, -0.4404957940675001]),
])
def test_adam_amsgrad_as_pytorch(kwargs, torch_value):
    got = run_steps(ad.optim.Adam, **kwargs)
    np.testing.assert_allclose(got, torch_value, rtol=1e-12)  # torch.optim.Adam(lr=0.1, ...)
    np.testing.assert_allclose(got, adam_by_formula(**kwargs), rtol=1e-12)
    np.testing.assert_allclose(run_steps(ad.optim.Adam, amsgrad=True),
                               adam_by_formula(amsgrad=True), rtol=1e-12)


def test_adamw_decouples_weight_decay_as_pytorch():
    default = run_steps(ad.optim.AdamW)  # weight_decay defaults to 1e-2, as in PyTorch
    np.testing.assert_allclose(default, [0.6735954330816349, -0.44487836093210187], rtol=1e-12)
    np.testing.assert_allclose(default, adam_by_formula(0.01, decoupled=True), rtol=1e-12)
    both = run_steps(ad.optim.AdamW, weight_decay=0.5, amsgrad=True)
    np.testing.assert_allclose(both, [0.5177228362002849, -0.3646987188796605], rtol=1e-12)
    np.testing.assert_allclose(both, adam_by_formula(0.5, amsgrad=True, decoupled=True),
                               rtol=1e-12)
    # not the same as Adam's weight decay through the gradient
    assert not np.allclose(run_steps(ad.optim.Adam, weight_decay=0.5), both)


@pytest.mark.parametrize("make", [
    lambda ps: ad.optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: ad.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    lambda ps: ad.optim.Adam(ps, lr=0.01)])
def test_adam_all_at_once_is_the_per_parameter_loop(make):
    # the flat fast path (every parameter with a float64 gradient, the same count) against the
    # per-parameter loop, forced by a float32 parameter that takes the slow path
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (2,), ()]
    fast = [ad.tensor(rng.normal(size=s)) for s in shapes]
    slow = [ad.tensor(p.data.copy()) for p in fast] + [ad.tensor(np.float32(1.0))]
    opts = make(fast), make(slow)
    for _ in range(4):
        grads = [rng.normal(size=s) for s in shapes]
        for params, opt in zip((fast, slow), opts):
            for p, g in zip(params, grads):
                p.grad = g
            if params is slow:
                params[-1].grad = np.float32(1.0)
            opt.step()
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a.data, b.data)
