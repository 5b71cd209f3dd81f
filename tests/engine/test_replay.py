"""ad.replay: the backward walk as data. Its gradients equal backward()'s for every op kind and
for user Functions, every node's included; it changes no gradient, before or after backward();
its steps add up (each node's upstream gradient is the sum of what its consumers sent); its ids
are ad.graph()'s; its cost is linear."""
import time

import numpy as np
import pytest

import ad
from ad import Function, Variable, tensor
from ad.nn import functional as F

rng = np.random.default_rng(7)


def rand(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


class Cube(Function):  # the seed's style: backward adds into .grad
    def forward(self, x):
        return Variable(x.data ** 3)

    def backward(self, x, grad):
        x.grad += 3 * x.data ** 2 * grad


class TensorDotProduct(Function):
    def forward(self, x, y):
        return Variable(x.data @ y.data)

    def backward(self, x, y, grad):
        x.grad += grad @ y.data.T
        y.grad += x.data.T @ grad


class Scale(Function):  # writes by assignment, and leaves its second input alone
    def forward(self, x, k):
        return Variable(x.data * k.data)

    def backward(self, x, k, grad):
        x.grad = x.grad + grad * k.data


# Each case: a function of leaves, and the leaves' data. Together they use every built-in op.
CASES = {
    "add_sub_broadcast": (lambda x, y: (x + y) - y * 2, [rand(2, 3), rand(3)]),
    "mul_div": (lambda x, y: x * y / (y * y + 1), [rand(2, 3), rand(2, 1)]),
    "pow_neg": (lambda x, y: -(x ** y), [rand(3, lo=0.5, hi=2.0), rand(3)]),
    "unary": (lambda x: x.exp() + (x * x + 1).log() + (x * x + 1).sqrt() + x.abs() + x.tanh()
              + x.sigmoid() + x.relu(), [rand(2, 3)]),
    "maximum_minimum_where_clip": (
        lambda x, y: ad.maximum(x, y) * ad.minimum(x, y) + ad.where(x.data > 0, x, y)
        + x.clip(-1.0, 1.0), [rand(4), rand(4)]),
    "reductions": (lambda x: x.sum(axis=0) * x.mean(axis=1, keepdims=True).sum()
                   + x.max(axis=1).sum() - x.min(), [rand(3, 4)]),
    "softmax": (lambda x: x.softmax() * x.log_softmax(axis=0), [rand(3, 4)]),
    "shape": (lambda x: x.reshape(4, 3).T[1:, ::2] * ad.concatenate([x[0], x[1]])[None, :2]
              + ad.stack([x[:, 0], x[:, 1]], axis=1).sum(), [rand(4, 3)]),
    "indexing_repeats": (lambda x: x[[0, 0, 2]] * x[np.array([True, False, True, True])][:3],
                         [rand(4)]),
    "matmul": (lambda x, y: (x @ y).tanh() @ y.T, [rand(2, 3), rand(3, 4)]),
    "nn_functional": (
        lambda x, w, b: F.mse_loss(F.linear(x, w, b), ad.constant(np.ones((4, 2))))
        + F.cross_entropy(F.linear(x, w), [0, 1, 1, 0])
        + F.binary_cross_entropy_with_logits(F.linear(x, w, b), np.eye(4, 2)),
        [rand(4, 3), rand(2, 3), rand(2)]),
    "user_functions": (lambda x, y: Scale()(Cube()(x), ad.constant(2.0)) @ y
                       + TensorDotProduct()(x, y), [rand(1, 3), rand(3, 2)]),
    "shared_node": (lambda x: _repeat_square_plus(x, 5), [rand(2, lo=0.1, hi=0.3)]),
    # The ops higher-order gradients brought: a cast, a broadcast, the transpose of indexing,
    # and sign (no gradient: the replay sends nothing through it, as backward does).
    "astype_broadcast_sign": (lambda x: ad.broadcast_to(x.astype(np.float32), (2, 3)) * 1.5
                              + x * x.sign(), [rand(3)]),
    "index_add": (lambda x: ad.ops.shape.IndexAdd(np.array([0, 2, 0]), (4,))(x) * x.sum(),
                  [rand(3)]),
    # The numpy-named ops and layers (issue 13, part 2).
    "numpy_reductions": (lambda x: x.expm1() + ad.logsumexp(x, axis=1, keepdims=True)
                         + ad.norm(x, axis=0) + x.prod(axis=1, keepdims=True) + x.var(axis=0)
                         + x.std(axis=1, keepdims=True, ddof=1) + x.cumsum(axis=1),
                         [rand(3, 4, lo=0.5, hi=1.5)]),
    "einsum_pad": (lambda x, y: ad.pad(ad.einsum("ij,jk->ik", x, y), ((1, 0), (0, 2))) * 2.0,
                   [rand(2, 3), rand(3, 4)]),
    "softplus_erf_conv": (lambda x, w: F.conv2d(F.softplus(x) + F.erf(x), w),
                          [rand(1, 2, 4, 4), rand(3, 2, 2, 2)]),
    "fold": (lambda c: F.Fold((1, 1, 3, 3), (2, 2), (1, 1), (0, 0))(c) * c.sum(),
             [rand(1, 2, 2, 1, 2, 2)]),
}


def _repeat_square_plus(y, d):
    for _ in range(d):
        y = y * y + y
    return y


def _grads_stored(nodes):
    """Each node's stored gradient, by identity and by value (to see any change at all)."""
    return [(t._grad, t._owned_grad, None if t._grad is None else np.array(t._grad))
            for t in nodes]


def _unchanged(before, nodes):
    for (g, owned, value), t in zip(before, nodes):
        assert t._grad is g and t._owned_grad is owned
        if value is not None:
            np.testing.assert_array_equal(t._grad, value)


def _backward_grads(out, weight):
    """Every node's gradient from the real backward: intermediates made terminal keep theirs."""
    nodes = ad.replay(out).nodes
    for t in nodes:
        t.terminal, t._grad, t._owned_grad = True, None, None
    out.backward(weight)
    return [t.grad_view() for t in nodes]


def test_every_builtin_op_is_covered():
    used = set()
    for f, arrays in CASES.values():
        for t in ad.replay(f(*map(tensor, arrays)).sum()).nodes:
            if t._fn is not None:
                used.add(type(t._fn))
    builtins = {v for v in vars(ad.ops).values() if isinstance(v, type)
                and issubclass(v, Function) and not v.__name__.startswith("_")}
    builtins |= {v for v in vars(F).values() if isinstance(v, type) and issubclass(v, Function)}
    builtins.discard(Function)
    assert builtins - used == set(), "add a case using these ops"


@pytest.mark.parametrize("name", sorted(CASES))
def test_replayed_gradients_equal_backward_for_every_node(name):
    f, arrays = CASES[name]
    leaves = [tensor(a) for a in arrays]
    out = f(*leaves)
    weight = rng.uniform(-1.5, 1.5, out.shape)  # non-uniform: a uniform seed hides routing bugs
    r = ad.replay(out, weight)
    expected = _backward_grads(out, weight)
    assert len(expected) == len(r.nodes)
    for i, (t, want) in enumerate(zip(r.nodes, expected)):
        got = r.grads[f"n{i}"]
        if want is None:
            assert got is None or not t.requires_grad, f"n{i}"
            continue
        assert got is not None and got.shape == t.data.shape, f"n{i}"
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"n{i}")
    for leaf in leaves:
        np.testing.assert_allclose(r.grad(leaf), leaf.grad_view(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_changes_no_gradient_before_or_after_backward(name):
    f, arrays = CASES[name]
    leaves = [tensor(a) for a in arrays]
    out = f(*leaves).sum()
    nodes = ad.replay(out).nodes
    before = _grads_stored(nodes)
    first = ad.replay(out)
    _unchanged(before, nodes)
    out.backward()
    after = _grads_stored(nodes)
    second = ad.replay(out)
    _unchanged(after, nodes)
    for i in range(len(nodes)):  # and the answer does not depend on what .grad holds
        a, b = first.grads[f"n{i}"], second.grads[f"n{i}"]
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    out.backward()  # a leaf's .grad accumulates; the replay is one backward's gradient
    for leaf in leaves:
        np.testing.assert_allclose(leaf.grad, 2 * first.grad(leaf), rtol=1e-12, atol=1e-12)


def test_steps_add_up_and_visit_each_node_once():
    x = tensor(rand(3))
    out = _repeat_square_plus(x, 4).sum()
    r = ad.replay(out)
    visited = [s.node for s in r.steps]
    assert len(visited) == len(set(visited)) == len(r.forward)  # every op result, once
    assert visited[0] == r.output
    np.testing.assert_array_equal(r.steps[0].grad, r.seed)
    received = {}  # what each node got from its consumers, in order
    position = {step.node: k for k, step in enumerate(r.steps)}
    for k, step in enumerate(r.steps):
        if step.node != r.output:  # its upstream is the sum of every consumer's contribution
            np.testing.assert_allclose(step.grad, sum(received[step.node]), rtol=1e-12)
        node = r.nodes[int(step.node[1:])]
        assert [s.input for s in step.sends] == [r.id(t) for t in node._inputs]
        assert [s.index for s in step.sends] == list(range(len(node._inputs)))
        for s in step.sends:
            received.setdefault(s.input, []).append(s.grad)
            np.testing.assert_allclose(s.total, sum(received[s.input]), rtol=1e-12)
            # an input is visited after every node that uses it, this one included
            assert position.get(s.input, len(r.steps)) > k
    # x feeds y*y twice and y*y + y once: three contributions add up at the first shared node
    assert len(received[r.id(x)]) == 3
    np.testing.assert_allclose(r.grad(x), sum(received[r.id(x)]))


def test_ids_and_forward_order_match_the_graph_export():
    a, b = tensor(2.0, name="a"), tensor(-3.0, name="b")
    c = ad.constant(10.0)
    L = (a * b + c) * a
    r = ad.replay(L)
    g = ad.graph(L)
    assert [n["id"] for n in g["nodes"]] == [r.id(t) for t in r.nodes]
    assert r.output == g["output"] == "n5"
    assert [n["op"] for n in g["nodes"]] == ["leaf", "leaf", "Mul", "constant", "Add", "Mul"]
    assert r.forward == ["n2", "n4", "n5"]
    for edge in g["edges"]:  # every value is computed after its inputs
        if edge["source"] in r.forward:
            assert r.forward.index(edge["source"]) < r.forward.index(edge["target"])
    assert r.grads["n3"] is None  # a constant gets none
    step = r.steps[1]  # the Add: nothing flows to the constant
    assert step.op == "Add" and step.sends[1].input == "n3" and step.sends[1].grad is None
    assert r.grad(a) == pytest.approx(b.data * a.data + (a.data * b.data + 10.0))
    with pytest.raises(KeyError, match="not in this graph"):
        r.id(tensor(1.0))


def test_user_functions_are_replayed_through_their_own_backward():
    calls = []

    class Logged(Function):
        def forward(self, x):
            return Variable(x.data * 2)

        def backward(self, x, grad):
            calls.append(np.array(grad))
            x.grad += 2 * grad

    x = tensor([1.0, 2.0])
    out = (Logged()(x) * x).sum()
    r = ad.replay(out)
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0], x.data)  # its upstream: d(y * x)/dy = x
    np.testing.assert_array_equal(r.grad(x), 2 * x.data + 2 * x.data)
    assert [s.op for s in r.steps] == ["Sum", "Mul", "Logged"]
    assert x._grad is None


def test_a_broken_user_backward_fails_as_in_backward_and_changes_nothing(restore_tensor):
    class Swapped(Function):
        def forward(self, x, y):
            return Variable(x.data @ y.data)

        def backward(self, x, y, grad):
            x.grad += x.data.T @ grad  # the seed's text: the wrong shape
            y.grad += grad @ y.data.T

    x, y = tensor([[1.0, 2.0, 3.0]]), tensor([[0.0], [1.0], [1.0]])
    x.grad += 5.0
    z = Swapped()(x, y)
    with pytest.raises(ad.BackwardError, match=r"Swapped.backward .* input 0 \(x\)"):
        ad.replay(z)
    np.testing.assert_array_equal(x.grad, [[5.0, 5.0, 5.0]])
    assert y._grad is None and z._grad is None


def test_seed_argument_leaf_output_and_errors():
    x = tensor([1.0, 2.0])
    r = ad.replay(x * 3, np.array([1.0, -1.0]))
    np.testing.assert_array_equal(r.grad(x), [3.0, -3.0])
    np.testing.assert_array_equal(ad.replay(x * 3, 2).grad(x), [6.0, 6.0])  # broadcast
    assert ad.replay(ad.tensor([1, 2]) * 2).seed.dtype == np.float64  # float, as backward
    leaf = ad.replay(x)
    assert leaf.steps == [] and leaf.forward == [] and list(leaf.grads) == ["n0"]
    with pytest.raises(ValueError, match=r"^replay\(output, grad\): grad has shape \(3,\) .* "
                                         r"shape \(2,\)"):
        ad.replay(x * 3, np.ones(3))
    with pytest.raises(ValueError, match="does not require a gradient"):
        ad.replay(ad.constant([1.0]) * 2)
    with pytest.raises(TypeError, match="takes a Tensor"):
        ad.replay(np.ones(2))


def test_replayed_arrays_are_read_only():
    x = tensor([1.0, 2.0])
    r = ad.replay((x * x + x).sum())
    arrays = [r.seed, *r.grads.values()]
    for step in r.steps:
        arrays += [step.grad] + [a for s in step.sends for a in (s.grad, s.total)]
    assert all(not a.flags.writeable for a in arrays if a is not None)
    with pytest.raises(ValueError, match="read-only"):
        r.grad(x)[0] = 1.0


def test_text_lists_each_step_with_running_sums_and_every_gradient():
    y = tensor(1.5, name="y")
    z = y * y + y
    text = str(ad.replay(z))
    lines = text.splitlines()
    assert lines[0] == "backward from n2 (Add), seed 1.0: 2 steps"
    assert lines[1] == "step 1 of 2: n2 (Add) received 1.0"
    assert "    to y (n0, leaf), input 1: 1.0  ->  ∂L/∂y = 1.0" in lines
    assert "    to y (n0, leaf), input 1: 1.5  ->  ∂L/∂y = 1.0 + 1.5 + 1.5 = 4.0" in lines
    assert lines[-3:] == ["  y (n0, leaf): value 1.5, grad 4.0",
                          "  n1 (Mul): value 2.25, grad 1.0",
                          "  n2 (Add): value 3.75, grad 1.0"]
    named = ad.replay(z).format({"n2": "z", "n1": "square"})
    assert "∂z/∂y = 1.0 + 1.5 + 1.5 = 4.0" in named and "square (n1, Mul)" in named
    assert repr(ad.replay(z)) == "<ad.replay of n2: 3 nodes, 2 steps>"
    many = sum(y * float(k) for k in range(1, 7))  # six contributions, the last made first
    assert "∂L/∂y = 6.0 + 5.0 + … + 1.0 (6 terms) = 21.0" in str(ad.replay(many))


def test_replay_is_linear_on_a_shared_graph_and_iterative_on_a_deep_chain():
    x = tensor(0.001)
    y = _repeat_square_plus(x, 40)  # the seed's walk would visit x 3**40 times
    t0 = time.perf_counter()
    r = ad.replay(y)
    assert time.perf_counter() - t0 < 1.0
    assert len(r.steps) == 80
    chain = tensor(1.0)
    z = chain
    for _ in range(20_000):
        z = z * 1.0
    assert len(ad.replay(z).steps) == 20_000  # no recursion limit


def test_replay_costs_about_one_backward():
    w, h = tensor(rand(4, 4) * 0.1), tensor(rand(1, 4))
    for _ in range(330):
        h = (h @ w).tanh() + h
    loss = h.sum()
    assert len(ad.replay(loss).nodes) > 990

    def best(f):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times)

    walk = best(loss.backward)
    again = best(lambda: ad.replay(loss))
    # the replay records a step per node and an entry per edge on top of the same vjps
    assert again < 6 * walk + 0.005, (again, walk)
