"""The core: the seed's API and usage as written, gradient semantics, the iterative walk on
shared and very deep graphs, binding, no_grad/detach/constants, and the error messages."""
import time
import weakref

import numpy as np
import pytest

import ad
from ad import Function, Tensor, Variable, tensor


class TensorDotProduct(Function):  # the seed's snippet, with its two formulas put right

    def forward(self, x: Variable, y: Variable) -> Variable:
        return Variable(x.data @ y.data)

    def backward(self, x: Variable, y: Variable, grad) -> None:
        x.grad += grad @ y.data.T  # Backpropagate to children.
        y.grad += x.data.T @ grad


# The seed's usage, character for character: its text swaps the two formulas.
SEED_AS_WRITTEN = """
class TensorDotProduct(Function):

    def forward(self, x: Variable, y: Variable) -> Variable:
        return Variable(x.data @ y.data)
    
    def backward(self, x: Variable, y: Variable, grad) -> None:
    
        x.grad += x.data.T @ grad # Backpropagate to children.
        y.grad += grad @ y.data.T

Tensor.__matmul__ = TensorDotProduct()

x = tensor([[1.,2.,3.]]) 
y = tensor([[0.], [1.], [1.]])

z = x @ y
z.backward()
"""  # noqa: W291, W293 (the seed's text as written, trailing blanks included)


def test_seed_usage(restore_tensor):
    Tensor.__matmul__ = TensorDotProduct()

    x = tensor([[1., 2., 3.]])
    y = tensor([[0.], [1.], [1.]])

    z = x @ y
    z.backward()

    np.testing.assert_array_equal(x.grad, [[0., 1., 1.]])
    np.testing.assert_array_equal(y.grad, [[1.], [2.], [3.]])
    assert type(z._fn) is TensorDotProduct


def test_seed_text_as_written_swaps_the_formulas_and_is_named(restore_tensor):
    scope = {"Function": Function, "Variable": Variable, "Tensor": Tensor, "tensor": tensor}
    with pytest.raises(ad.BackwardError) as info:
        exec(SEED_AS_WRITTEN, scope)
    msg = str(info.value)
    assert msg.startswith("TensorDotProduct.backward") and "input 0 (x)" in msg
    assert "(3, 1)" in msg and "(1, 3)" in msg
    assert scope["z"]._grad is None  # nothing half-done is left behind


def test_variable_is_tensor_and_supports_everything():
    v = Variable(np.array([1.0, 2.0]))
    assert isinstance(v, Tensor)
    w = (v * 2).exp().sum()
    w.backward()
    np.testing.assert_allclose(v.grad, 2 * np.exp([2.0, 4.0]))


def test_variable_from_user_forward_has_all_ops():
    class Square(Function):
        def forward(self, x):
            return Variable(x.data ** 2)

        def backward(self, x, grad):
            x.grad += 2 * x.data * grad

    x = tensor([1.0, -2.0])
    y = Square()(x)
    z = (y.softmax() @ ad.constant([1.0, 3.0])) + y.T.sum()
    z.backward()
    assert ad.gradcheck(lambda t: Square()(t).softmax() @ ad.constant([1.0, 3.0]), x.data)


def test_function_binds_like_a_method_and_keeps_no_state():
    op = TensorDotProduct()
    assert op.__get__(None, Tensor) is op
    a, b = tensor([[1.0, 2.0]]), tensor([[3.0], [4.0]])
    bound = op.__get__(a, Tensor)
    np.testing.assert_allclose(bound(b).data, [[11.0]])
    before = dict(vars(op))
    op(a, b), op(b, a)
    assert vars(op) == before == {}
    shared = Tensor.__dict__["__add__"]  # the built-ins' shared instances stay empty too
    (a + b).sum().backward()
    assert vars(shared) == {}


def test_restore_tensor_undoes_user_assignments():
    add, mm = Tensor.__add__, Tensor.__matmul__
    Tensor.__matmul__ = TensorDotProduct()
    Tensor.__add__ = None
    Tensor.cube = lambda self: self * self * self
    ad.restore_tensor()
    assert Tensor.__add__ is add and Tensor.__matmul__ is mm and not hasattr(Tensor, "cube")
    assert type((tensor([1.0]) @ tensor([2.0]))._fn).__name__ == "MatMul"


def test_user_function_attached_as_method(restore_tensor):
    class Cube(Function):
        def forward(self, x):
            return Variable(x.data ** 3)

        def backward(self, x, grad):
            x.grad += 3 * x.data ** 2 * grad

    Tensor.cube = Cube()
    x = tensor([1.0, 2.0])
    x.cube().backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])


def test_leaves_accumulate_until_zeroed_and_intermediates_are_cleared():
    x = tensor([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, [18.0, 36.0])
    assert y._grad is None and z._grad is None
    with pytest.warns(UserWarning, match=r"intermediate result \(made by Mul\).*retain_grad"):
        assert y.grad is None  # not kept: never a silent zero
    z.backward()
    np.testing.assert_allclose(x.grad, [36.0, 72.0])
    x.zero_grad()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    z.backward()
    np.testing.assert_allclose(x.grad, [18.0, 36.0])
    z.zero_grad()  # on a result: every gradient in its graph
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_terminal_intermediate_keeps_its_gradient():
    x = tensor([1.0, 2.0])
    y = x * 2
    y.terminal = True
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad, [4.0, 8.0])


def test_an_intermediate_gradient_is_kept_by_retain_grad_or_said_not_to_be():
    # Issue 23: `h = x*x; L = 3*h; L.backward(); h.grad` read 0.0, and a learner read dL/dh = 0.
    x = tensor(2.0)
    h = x * x
    L = 3 * h
    h.retain_grad()  # PyTorch's name; the seed's `terminal`
    L.backward()
    assert h.grad == 3.0 and x.grad == 12.0
    L.backward()  # accumulates, as a leaf's does
    assert h.grad == 6.0 and x.grad == 24.0
    k = x * x  # not retained: .grad is None, and the warning says how to see dL/dk
    M = (3 * k).sum()
    M.backward()
    with pytest.warns(UserWarning) as caught:
        assert k.grad is None
    message = str(caught[0].message)
    assert "intermediate result (made by Mul)" in message
    assert ".retain_grad()" in message and "ad.replay(L).grad(h)" in message
    assert ad.replay(M).grad(k) == 3.0  # ... which gives it
    with pytest.raises(ValueError, match="does not require a gradient"):
        ad.constant(1.0).retain_grad()


def test_reading_grad_changes_nothing():
    # Issue 25, bug 5: reading .grad of a constant stored a zero array on it.
    c, x = ad.constant([1.0, 2.0]), tensor([3.0, 4.0])
    for t in (c, x):
        np.testing.assert_array_equal(t.grad, [0.0, 0.0])  # reads as zeros ...
        assert t.grad_view() is None and t._grad is None  # ... and stores nothing
    assert ad.graph(c * x)["nodes"][0]["grad"] is None
    opt = ad.optim.SGD([x], lr=0.1, weight_decay=1.0)
    x.grad
    opt.step()  # no gradient yet: the step skips x, whether or not .grad was read
    np.testing.assert_array_equal(x.data, [3.0, 4.0])
    x.grad += 1.0  # `+=` stores through the setter
    np.testing.assert_array_equal(x.grad_view(), [1.0, 1.0])


def test_backward_without_argument_seeds_ones_and_accepts_a_grad():
    x = tensor([[1.0, 2.0], [3.0, 4.0]])
    (x * x).backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)
    x.zero_grad()
    (x * x).backward(np.array([[1.0, 0.0], [0.0, 2.0]]))
    np.testing.assert_allclose(x.grad, [[2.0, 0.0], [0.0, 16.0]])
    x.zero_grad()
    (x * 1).backward(3.0)  # a scalar broadcasts
    np.testing.assert_allclose(x.grad, np.full((2, 2), 3.0))
    with pytest.raises(ValueError, match=r"^backward\(grad\): grad has shape \(3,\).*\(2, 2\)"):
        (x * 1).backward(np.ones(3))


def test_leaf_grad_before_backward_is_float_zeros_of_its_shape():
    for data in ([1, 2, 3], [[1.0], [2.0]], 5, np.float32(1.5)):
        t = tensor(data)
        assert t.grad.shape == np.shape(data)
        assert t.grad.dtype.kind == "f" and not t.grad.any()


def test_reading_grad_gives_an_array_the_tensor_owns():
    a, b = tensor([1.0, 2.0]), tensor([3.0, 4.0])
    (a + b).backward()  # add hands one array to both inputs
    a.grad += 10
    a.grad[0] = -1
    np.testing.assert_allclose(a.grad, [-1.0, 11.0])
    np.testing.assert_allclose(b.grad, [1.0, 1.0])


def test_shared_graph_40_levels_is_fast_and_right():
    x = tensor(np.array([-0.5, -0.25, -0.75]))
    y, dy = x, np.ones(3)
    for _ in range(40):
        dy = (2 * y.data + 1) * dy  # forward-mode derivative of y*y + y, by hand
        y = y * y + y
    t = time.perf_counter()
    y.backward()
    elapsed = time.perf_counter() - t
    np.testing.assert_allclose(x.grad, dy, rtol=1e-12)
    assert elapsed < 1.0  # milliseconds in practice; the seed's walk takes 2**40 steps


def test_chain_of_100000_ops_has_no_recursion():
    x = tensor([1.0, 2.0])
    y = x
    for i in range(100_000):
        y = y + 1.0 if i % 2 else y * 1.000001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.000001 ** 50_000] * 2)
    ref = weakref.ref(y._inputs[0])
    del y  # freeing a 100,000-long chain must not recurse in the deallocator
    assert ref() is None


def test_graph_walks_are_iterative_on_a_deep_chain():
    x = tensor([1.0])
    y = x
    for _ in range(10_000):  # 10x the default recursion limit
        y = y * 1.0
    g = ad.graph(y)
    assert len(g["nodes"]) == 20_001 and len(g["edges"]) == 20_000
    assert ad.to_dot(g).count("->") == 20_000
    y.zero_grad()


def test_no_grad_records_nothing():
    x = tensor([1.0, 2.0])
    with ad.no_grad():
        y = x * 2
        assert not ad.is_grad_enabled()
    assert ad.is_grad_enabled()
    assert not y.requires_grad and y._fn is None
    with pytest.raises(ValueError, match="does not require a gradient"):
        y.sum().backward()

    @ad.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad


def test_no_grad_restores_on_error_and_nests():
    with pytest.raises(RuntimeError):
        with ad.no_grad():
            with ad.no_grad():
                pass
            assert not ad.is_grad_enabled()
            raise RuntimeError
    assert ad.is_grad_enabled()


def test_detach_and_constants_get_no_gradient():
    x = tensor([1.0, 2.0])
    c = ad.constant([3.0, 4.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    z = (x * c + d * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, [3.0 + 2.0, 4.0 + 4.0])
    assert c._grad is None and d._grad is None
    k = tensor([1.0], requires_grad=False)
    assert not (k * 2).requires_grad


def test_user_forward_returning_an_input_gets_a_fresh_node():
    class Identity(Function):
        def forward(self, x):
            return x

        def backward(self, x, grad):
            x.grad += grad

    x = tensor([1.0, 2.0])
    y = Identity()(x)
    assert y is not x and x.is_leaf
    (y * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_user_function_used_twice_with_the_same_input():
    class Mul2(Function):
        def forward(self, a, b):
            return Variable(a.data * b.data)

        def backward(self, a, b, grad):
            a.grad += grad * b.data
            b.grad += grad * a.data

    x = tensor([3.0])
    Mul2()(x, x).backward()
    np.testing.assert_allclose(x.grad, [6.0])


def test_user_function_with_one_input_twice_gets_a_stand_in_per_position():
    seen = []

    class Weighted(Function):  # f(a, b) = a + 10 b
        def forward(self, a, b):
            return Variable(a.data + 10 * b.data)

        def backward(self, a, b, grad):
            a.grad += grad
            seen.append((a is b, b.grad.tolist()))  # b's gradient still starts at zero
            b.grad += 10 * grad

    x = tensor([1.0, 2.0])
    Weighted()(x, x).backward()
    assert seen == [(False, [0.0, 0.0])]
    np.testing.assert_allclose(x.grad, [11.0, 11.0])  # the walk adds both positions


def test_wrong_shape_names_the_position_even_when_an_input_repeats():
    class Bad(Function):
        def forward(self, a, b):
            return Variable(a.data * b.data)

        def backward(self, a, b, grad):
            a.grad += grad * b.data
            b.grad += np.ones(5)

    with pytest.raises(ad.BackwardError, match=r"Bad.*\(5,\) into input 1 \(b\).*\(2,\)"):
        x = tensor([1.0, 2.0])
        Bad()(x, x).sum().backward()


def test_an_input_a_user_backward_never_touches_gets_no_gradient():
    class FirstOnly(Function):
        def forward(self, a, b):
            return Variable(a.data + 0 * b.data)

        def backward(self, a, b, grad):
            a.grad += grad

    a, b = tensor([1.0]), tensor([2.0])
    FirstOnly()(a, b).backward()
    assert a.grad_view() is not None and b.grad_view() is None  # "grad": null in the graph


def test_user_backward_neither_sees_nor_corrupts_the_inputs_gradient():
    seen = []

    class Peek(Function):
        def forward(self, x):
            return Variable(x.data * 3)

        def backward(self, x, grad):
            seen.append(x.grad.tolist())  # a fresh zero, not the accumulated [5, 5]
            x.grad = 3 * grad  # replaces only this op's contribution

    x = tensor([1.0, 2.0])
    x.grad = np.array([5.0, 5.0])
    Peek()(x).backward()
    assert seen == [[0.0, 0.0]]
    np.testing.assert_allclose(x.grad, [8.0, 8.0])


def test_a_failing_user_backward_leaves_the_inputs_gradient_as_it_was():
    class HalfDone(Function):
        def forward(self, x, y):
            return Variable(x.data * y.data)

        def backward(self, x, y, grad):
            x.grad += grad * y.data
            raise RuntimeError("gave up after the first input")

    x, y = tensor([1.0, 2.0]), tensor([3.0, 4.0])
    x.grad = np.array([1.0, 1.0])
    with pytest.raises(ad.BackwardError, match="HalfDone.backward raised RuntimeError"):
        HalfDone()(x, y).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0])
    assert y._grad is None


def test_inputs_inside_a_user_backward_behave_like_tensors():
    seen = {}
    x, c = tensor([[1.0, 2.0]], name="x"), ad.constant([[3.0, 4.0]])

    class Probe(Function):
        def forward(self, a, b):
            return Variable(a.data * b.data)

        def backward(self, a, b, grad):
            seen["data"] = a.data is x.data and b.data is c.data
            seen["meta"] = (a.shape, a.name, a.requires_grad, b.requires_grad)
            seen["isinstance"] = isinstance(a, Variable)
            seen["records"] = (a * 2).grad_fn  # Tensor maths here records nothing
            seen["str"] = str(a.grad)
            a.grad += ad.constant(grad * b.data)  # a Tensor may be added too

    Probe()(x, c).backward()
    assert seen == {"data": True, "meta": ((1, 2), "x", True, False), "isinstance": True,
                    "records": None, "str": "[[0. 0.]]"}
    np.testing.assert_allclose(x.grad, [[3.0, 4.0]])


def test_grad_view_reads_the_gradient_without_a_copy():
    a, b = tensor([1.0, 2.0]), tensor([3.0, 4.0])
    assert a.grad_view() is None  # nothing yet: .grad would read as zeros
    (a + b).backward()  # add hands one array to both inputs
    view = a.grad_view()
    np.testing.assert_array_equal(view, [1.0, 1.0])
    assert view is b.grad_view()  # shared: the reason .grad copies before a write
    a.grad += 1  # the writable .grad is a's own copy
    np.testing.assert_array_equal(a.grad_view(), [2.0, 2.0])
    np.testing.assert_array_equal(b.grad_view(), [1.0, 1.0])
    a.zero_grad()
    assert a.grad_view() is None


def test_user_backward_exception_is_chained_and_named():
    class Broken(Function):
        def forward(self, x):
            return Variable(x.data * 2)

        def backward(self, x, grad):
            raise KeyError("oops")

    x = tensor(np.ones((2, 3)))
    with pytest.raises(ad.BackwardError) as info:
        Broken()(x).sum().backward()
    msg = str(info.value)
    assert "Broken.backward raised KeyError" in msg and "#0 (2, 3)" in msg
    assert isinstance(info.value.__cause__, KeyError)
    assert isinstance(info.value, ValueError)


def test_user_backward_writing_a_wrong_shape_by_assignment():
    class Sloppy(Function):
        def forward(self, x, y):
            return Variable(x.data + y.data)

        def backward(self, x, y, grad):
            x.grad += grad
            y.grad = y.grad + grad  # forgets to sum back over the broadcast axis

    x, y = tensor(np.ones((2, 3))), tensor(np.ones(3))
    with pytest.raises(ad.BackwardError, match=r"Sloppy.*\(2, 3\).*input 1 \(y\).*\(3,\)"):
        Sloppy()(x, y).sum().backward()


def test_grad_inside_a_user_backward_reads_like_an_array():
    seen = []

    class Peek(Function):
        def forward(self, x):
            return Variable(x.data * 2)

        def backward(self, x, grad):
            seen.append(repr(x.grad))
            x.grad = x.grad + 2 * grad  # assignment works as well as +=
            x.grad += np.zeros(1)  # broadcasting into the input's shape is allowed
            seen.append(x.grad.sum())

    x = tensor([1.0, 2.0])
    Peek()(x).backward(np.array([1.0, 3.0]))
    assert seen == ["array([0., 0.])", 8.0]
    np.testing.assert_allclose(x.grad, [2.0, 6.0])
    assert type(x.grad) is np.ndarray


def test_user_function_forward_may_return_an_array():
    class Double(Function):
        def forward(self, x):
            return x.data * 2

        def backward(self, x, grad):
            x.grad += 2 * grad

    x = tensor(3.0)
    y = Double()(x)
    assert isinstance(y, Tensor) and y.item() == 6.0
    y.backward()
    assert x.grad == 2.0


def test_user_backward_must_not_modify_grad_in_place():
    class InPlace(Function):
        def forward(self, x):
            return Variable(x.data * 2)

        def backward(self, x, grad):
            grad *= 2
            x.grad += grad

    x = tensor([1.0])
    with pytest.raises(ad.BackwardError, match="in place"):
        InPlace()(x).backward()


def test_user_forward_errors():
    class NoReturn(Function):
        def forward(self, x):
            x.data * 2

    with pytest.raises(TypeError, match="NoReturn.forward returned NoneType"):
        NoReturn()(tensor([1.0]))

    class Fails(Function):
        def forward(self, x):
            return Variable(x.data @ np.ones((5, 5)))

    with pytest.raises(ValueError) as info:
        Fails()(tensor(np.ones((2, 3))))
    assert any("Fails.forward" in n for n in info.value.__notes__)


def test_broadcast_and_matmul_errors_name_the_op_and_both_shapes():
    a = tensor(np.ones((2, 3)))
    for f, op in ((lambda: a + np.ones(4), "Add"), (lambda: a * tensor(np.ones((3, 2))), "Mul"),
                  (lambda: ad.maximum(a, np.ones((4,))), "Maximum")):
        with pytest.raises(ValueError, match=rf"{op}.*\(2, 3\).*\((4,|3, 2)\)") as info:
            f()
        assert "Hint" in str(info.value)
    with pytest.raises(ValueError, match=r"MatMul.*\(2, 3\) and \(2, 3\).*\.T"):
        a @ a
    with pytest.raises(ValueError, match=r"MatMul.*batch"):
        tensor(np.ones((2, 2, 3))) @ tensor(np.ones((3, 3, 4)))


def test_loss_and_data_errors_name_the_fix():
    F = ad.nn.functional
    with pytest.raises(ValueError, match=r"mse_loss.*\(4, 1\).*\(4,\).*reshape"):
        F.mse_loss(tensor(np.ones((4, 1))), np.ones(4))
    with pytest.raises(ValueError, match="class indices"):
        F.cross_entropy(tensor(np.ones((2, 3))), np.eye(3)[:2])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.cross_entropy(tensor(np.ones((2, 3))), [0, 3])
    with pytest.raises(TypeError, match="ad.stack"):
        Tensor([tensor(1.0), tensor(2.0)])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        tensor([1.0, 2.0]).grad = np.ones(3)


def test_nan_and_inf_are_not_hidden():
    x = tensor([0.0, 1.0, -1.0])
    with np.errstate(all="ignore"):
        y = x.log()
        assert np.isneginf(y.data[0]) and np.isnan(y.data[2])
        y.sum().backward()
    assert np.isinf(x.grad[0])
    s = tensor([0.0])
    with np.errstate(all="ignore"):
        s.sqrt().backward()
    assert np.isinf(s.grad[0])


def test_tensor_conveniences():
    t = tensor([[1.0, 2.0], [3.0, 4.0]], name="w")
    assert t.shape == (2, 2) and t.ndim == 2 and t.size == 4 and t.dtype == np.float64
    assert len(t) == 2 and float(tensor(2.5)) == 2.5 and tensor(3).item() == 3
    assert np.asarray(t).shape == (2, 2) and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert "requires_grad" in repr(t) and "grad_fn=Mul" in repr(t * 2)
    assert t.name == "w" and hash(t) != hash(tensor(1.0))
    data = np.ones(2)
    leaf = tensor(data)
    leaf.data += 1
    assert data[0] == 1.0  # tensor() copies


def test_unbroadcast_helper():
    g = np.ones((4, 2, 3))
    assert ad.unbroadcast(g, (2, 3)).shape == (2, 3)
    np.testing.assert_allclose(ad.unbroadcast(g, (2, 1)), np.full((2, 1), 12.0))
    np.testing.assert_allclose(ad.unbroadcast(g, ()), 24.0)
    assert ad.unbroadcast(g, (4, 2, 3)) is g


def test_benchmark_runs_the_same_computation_as_its_numpy_reference():
    import bench  # py/bench.py, on the tests' path (pytest.ini)

    for make in (bench.make_mlp, lambda: bench.make_chain(30), bench.make_scalar_mlp,
                 lambda: bench.make_shared(5)):
        ad_fn, np_fn, differ = make()
        for _ in range(3):
            ad_fn(), np_fn()
        assert differ() < 1e-9


def test_walk_is_public_and_orders_as_the_graph_export():
    a, b = tensor(2.0, name="a"), tensor(-3.0, name="b")
    L = (a * b + ad.constant(10.0)) * a
    nodes = ad.walk(L)
    assert [f"n{i}" for i in range(len(nodes))] == [n["id"] for n in ad.graph(L)["nodes"]]
    assert nodes[0] is a and nodes[1] is b and nodes[-1] is L
    position = {id(t): i for i, t in enumerate(nodes)}
    assert all(position[id(inp)] < position[id(t)] for t in nodes for inp in t._inputs)
    assert ad.walk(a) == [a]
    with pytest.raises(TypeError, match="walk\\(\\) takes a Tensor, got ndarray"):
        ad.walk(np.ones(2))
    from ad.graph import array_text
    assert array_text(np.array([1.0, np.nan])) == "[1.0, NaN]"


def test_backward_changes_nothing_unless_the_whole_pass_succeeds():
    class FailsLate(Function):  # reached after x has received a share through the Mul
        def forward(self, x):
            return Variable(x.data * 2)

        def backward(self, x, grad):
            raise RuntimeError("no")

    x = tensor([1.0, 2.0])
    x.grad = np.array([5.0, 5.0])
    y = x * 3
    y.retain_grad()  # would keep its gradient, had the pass succeeded
    L = (y * x + FailsLate()(x)).sum()
    with pytest.raises(ad.BackwardError, match="FailsLate"):
        L.backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    assert y._grad is None and L._grad is None


def test_backward_visits_the_value_computed_last_first():
    x = tensor(1.0)
    p, q = x * 2.0, x * 3.0
    r = ad.replay(q + p)  # q is the first input, but p was computed first: q's step comes first
    assert [s.node for s in r.steps] == [r.output, r.id(q), r.id(p)]
    s = q + p
    order = [step.node for step in ad.replay(s * s).steps]  # s has two uses: one step, after both
    assert order[:2] == ["n6", "n5"] and order.count("n5") == 1


def test_a_backward_that_returns_its_gradient_is_named_not_silently_zero():
    # Issue 23: PyTorch's convention (return the gradients) gave zero gradients silently.
    class Cube(Function):
        def forward(self, x):
            return Variable(x.data ** 3)

        def backward(self, x, grad):
            return grad * 3 * x.data ** 2

    class Mul2(Function):
        def forward(self, a, b):
            return Variable(a.data * b.data)

        def backward(self, a, b, grad):  # half converted: b's share is returned, not added
            a.grad += grad * b.data
            return grad * a.data

    x = tensor([1.0, 2.0])
    with pytest.raises(ad.BackwardError, match=r"(?s)^Cube\.backward returned a value; add it into "
                       r"x\.grad instead.*x\.grad \+= grad"):
        Cube()(x).sum().backward()
    with pytest.raises(ad.BackwardError, match=r"Mul2\.backward returned a value; add it into "
                       r"a\.grad and b\.grad instead"):
        Mul2()(x, x).sum().backward()
    with pytest.raises(ad.BackwardError, match=r"Cube\.backward returned a value"):
        ad.grad(lambda t: Cube()(t).sum())(ad.tensor([1.0]))  # under create_graph too
    assert x._grad is None
