"""ad.gradcheck (a report, not an exception) and graph export (plain data and DOT)."""
import json

import numpy as np

import ad
from ad import Function, Variable, tensor


class Square(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        x.grad += 2 * x.data * grad


class WrongSquare(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        x.grad += x.data * grad  # forgot the 2


class RoutesWrong(Function):
    """Right only for a uniform upstream gradient: it sums grad instead of routing it."""

    def forward(self, x):
        return Variable(x.data[::-1].copy())

    def backward(self, x, grad):
        x.grad += grad.sum() / grad.size


def test_gradcheck_passes_on_a_correct_user_function():
    report = ad.gradcheck(Square(), np.array([1.0, -2.0, 0.5]))
    assert report and report.passed
    row = report.rows[0]
    assert row["name"] == "x" and row["index"] == 0 and row["shape"] == [3]
    assert row["passed"] and row["max_abs_err"] < 1e-6
    assert "passed" in str(report) and "x" in str(report)


def test_gradcheck_reports_a_wrong_backward_without_raising():
    report = ad.gradcheck(WrongSquare(), np.array([1.0, -2.0]))
    assert not report
    row = report.rows[0]
    assert not row["passed"] and row["max_abs_err"] > 0.5 and row["max_rel_err"] > 0.3
    assert "MISMATCH" in str(report) and "FAILED" in str(report)


def test_gradcheck_uses_a_non_uniform_weight():
    assert not ad.gradcheck(RoutesWrong(), np.array([1.0, 2.0, 3.0]))


def test_gradcheck_several_inputs_lambda_and_integer_input():
    a, b = np.random.default_rng(0).normal(size=(2, 3)), np.random.default_rng(1).normal(size=3)
    report = ad.gradcheck(lambda x, w, t: (x * w).sum(1) + t, a, ad.tensor(b), np.array([1, 2]))
    assert report
    assert [r["name"] for r in report.rows] == ["x", "w", "t"]
    assert [r["checked"] for r in report.rows] == [True, True, False]
    d = report.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["passed"] and len(d["rows"]) == 3


def test_gradcheck_reports_an_exception_in_backward():
    class Raises(Function):
        def forward(self, x):
            return Variable(x.data * 1)

        def backward(self, x, grad):
            raise ZeroDivisionError("nope")

    report = ad.gradcheck(Raises(), np.ones(2))
    assert not report and "Raises.backward raised ZeroDivisionError" in report.error
    assert "nope" in str(report)


def test_gradcheck_nan_fails():
    with np.errstate(all="ignore"):
        report = ad.gradcheck(lambda x: (x * 0).log(), np.ones(2))
    assert not report and report.rows[0]["note"] == "NaN in a gradient"
    assert "nan" in str(report) and np.isnan(report.rows[0]["max_abs_err"])
    d = report.to_dict()
    assert d["rows"][0]["max_abs_err"] == "nan"
    json.dumps(d, allow_nan=False)


def test_gradcheck_on_builtins_including_scalar_shape():
    rng = np.random.default_rng(5)
    assert ad.gradcheck(lambda x: x.tanh() * x.exp(), rng.normal(size=()))
    assert ad.gradcheck(lambda x, y: (x @ y).log_softmax(), rng.normal(size=(2, 3)),
                        rng.normal(size=(3, 4)))


def test_graph_export_is_plain_data_with_stable_ids():
    x = ad.tensor([1.0, 2.0], name="x")
    w = ad.tensor([[0.5], [-1.0]], name="w")
    c = ad.constant(3.0)
    z = ((x @ w) * c).tanh()
    g = ad.graph(z)
    assert json.loads(json.dumps(g)) == g
    assert g == ad.graph(z)  # stable
    ops = [n["op"] for n in g["nodes"]]
    assert ops == ["leaf", "leaf", "MatMul", "constant", "Mul", "Tanh"]
    assert [n["id"] for n in g["nodes"]] == [f"n{i}" for i in range(6)]
    assert g["output"] == "n5" and g["nodes"][5]["is_output"]
    assert sum(n["is_output"] for n in g["nodes"]) == 1
    assert g["nodes"][0]["label"] == "x" and g["nodes"][0]["is_leaf"]
    assert g["nodes"][3]["requires_grad"] is False
    assert {"source": "n2", "target": "n4", "index": 0} in g["edges"]
    assert {"source": "n3", "target": "n4", "index": 1} in g["edges"]
    node = g["nodes"][2]
    assert node["shape"] == [1] and node["dtype"] == "float64"
    assert node["value"]["min"] == -1.5 and node["grad"] is None
    z.backward()
    g2 = z.graph()
    assert g2["nodes"][0]["grad"]["text"] == str(np.round(x.grad, 4).tolist())


def test_graph_value_summary_shows_nan_and_inf():
    with np.errstate(all="ignore"):
        t = ad.tensor([0.0, -1.0, 2.0]).log()
    json.dumps(ad.graph(t), allow_nan=False)  # strict JSON even with NaN in the data
    v = ad.graph(t)["nodes"][-1]["value"]
    assert v["nan"] == 1 and v["inf"] == 1 and v["min"] == v["max"] == np.log(2.0)


def test_to_dot():
    x = ad.tensor([1.0], name='a "quoted" leaf')
    dot = ad.to_dot((x * 2).exp())
    assert dot.startswith("digraph ad {") and dot.rstrip().endswith("}")
    assert 'a \\"quoted\\" leaf' in dot and "n0 -> n2" in dot and "doubleoctagon" in dot
    assert x.to_dot().count("->") == 0


def test_graph_summaries_of_huge_finite_values_stay_finite_json():
    with np.errstate(over="ignore"):  # the sum itself overflows, as it should
        g = ad.graph((tensor([1e308, 1e308]) * 1.0).sum())
    json.dumps(g, allow_nan=False)  # strict JSON: the page's figure needs it
    leaf = g["nodes"][0]["value"]
    assert leaf["text"] == "[1e+308, 1e+308]" and leaf["inf"] == 0 and leaf["mean"] == 1e308


def test_gradcheck_with_nothing_to_check_does_not_pass():
    report = ad.gradcheck(lambda a: a * 2, ad.constant([1.0, 2.0]))
    assert not report and "FAILED" in str(report)


def test_array_stats_counts_nan_and_inf_and_summarises_the_finite_values():
    from ad.graph import array_stats

    assert array_stats(np.array([1.0, np.nan, -np.inf, 3.0, np.inf])) == {
        "nan": 1, "inf": 2, "min": 1.0, "max": 3.0, "mean": 2.0}
    assert array_stats(np.array([np.nan, np.inf])) == {"nan": 1, "inf": 1}  # nothing finite
    assert array_stats([[1, 2], [3, 6]]) == {"nan": 0, "inf": 0, "min": 1.0, "max": 6.0,
                                             "mean": 3.0}
    assert array_stats(np.array([True, False])) == {"nan": 0, "inf": 0, "min": 0.0, "max": 1.0,
                                                    "mean": 0.5}
    assert array_stats(np.float32(2.5)) == {"nan": 0, "inf": 0, "min": 2.5, "max": 2.5,
                                            "mean": 2.5}
    for nothing in (np.zeros((0, 3)), np.array([1 + 2j]), np.array(["a"]), np.array([None])):
        assert array_stats(nothing) == {}
    huge = array_stats(np.array([1e308, 1e308, -1e308, 1e308]))  # the plain mean overflows
    assert huge["mean"] == 5e307 and all(np.isfinite(v) for v in huge.values())
    json.dumps(huge, allow_nan=False)
