"""The page's `playground` module in plain CPython: every call degrades to text (or a file), the
examples that use it run unchanged, and with a sender installed (as the page's driver does) it
sends strict-JSON display messages, live plots throttled and flushed at the end."""

import json
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

import ad
import playground
from playground import decision_boundary, plot, scatter, show, show_graph

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sent():
    """Install a sender like the page's driver does; yields (kind, data, text, figure id) tuples."""
    messages = []
    playground._install(lambda kind, figure, data, text:
                        messages.append((kind, json.loads(data), text, figure)))
    yield messages
    playground._finish()
    playground._install(None)


def test_without_a_page_every_call_prints_a_text_summary(capsys):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    y = np.array([0.0, 1.0, 1.0])
    scatter(X, y, title="data")
    decision_boundary(lambda g: g[:, 0] - 1.0, X, y, resolution=10)
    a, b = ad.tensor(2.0), ad.tensor(3.0)
    L = a * b + a
    L.backward()
    show_graph(L)
    show(ad.gradcheck(lambda a, b: (a * b).sum(), ad.tensor([1.0, 2.0]), ad.tensor([3.0, 4.0])))
    show(np.array([1.0, np.nan, np.inf]))
    out = capsys.readouterr().out
    assert "[scatter data: 3 points, classes 0: 1, 1: 2]" in out
    assert "[decision boundary: 10x10 grid" in out
    assert "[graph: 4 nodes, 4 edges; Add x1, Mul x1, leaf x2]" in out
    assert "gradcheck passed" in out and "#1 b" in out
    assert "array shape (3,) float64, 1 NaN, 1 inf" in out and "nan" in out


def test_a_line_plot_without_a_page_summarises_and_saves(tmp_path, capsys):
    curve = plot(title="loss")
    for step in range(5):
        curve.append(ad.tensor(1.0 / (step + 1)))
    assert len(curve) == 5
    assert str(curve) == "[plot loss: 5 points, first 1, last 0.2, min 0.2]"
    path = curve.save(tmp_path / "loss.csv")
    assert Path(path).read_text().splitlines()[:2] == ["step,loss", "0,1"]
    playground._print_summaries()  # what atexit does; a printed plot is not repeated
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", ["two_moons.py", "graph.py", "custom_function.py"])
def test_the_examples_that_use_it_run_in_cpython(name, capsys):
    runpy.run_path(str(ROOT / "web" / "examples" / name), run_name="__main__")
    playground._print_summaries()  # what atexit does at the end of a script
    out = capsys.readouterr().out
    if name == "two_moons.py":
        assert "[plot training loss: 201 points" in out
    marker = {"two_moons.py": "[decision boundary what the MLP learned",
              "graph.py": "[graph graph of L: 7 nodes, 6 edges",
              "custom_function.py": "MISMATCH"}[name]
    assert marker in out


def test_with_a_page_figures_become_strict_json_display_messages(sent, capsys):
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    scatter(X, [0, 1])
    decision_boundary(lambda g: ad.tensor(g[:, :1] * np.nan), X)  # NaN scores: null, not NaN
    a = ad.tensor([1.0, np.inf])
    (a * 2).sum().backward()
    show_graph((a * a).sum())
    show(ad.gradcheck(lambda t: (t * t).sum(), ad.tensor([1.0])))
    show(a)
    assert capsys.readouterr().out == ""
    kinds = [m[0] for m in sent]
    assert kinds == ["scatter", "boundary", "stepper", "gradcheck", "array"]
    assert [m[3] for m in sent] == ["f1", "f2", "f3", "f4", "f5"]
    assert sent[0][1]["points"] == {"x": [0.0, 1.0], "y": [0.0, 1.0], "label": ["0", "1"]}
    assert set(sent[1][1]["grid"]["values"]) == {None}
    stepper = sent[2][1]
    assert len(stepper["graph"]["nodes"]) == 3 and stepper["start"] == "end"
    assert [n["label"] for n in stepper["graph"]["nodes"]] == ["a", "Mul", "Sum"]
    assert stepper["graph"]["nodes"][0]["grad"]["text"] == "[2.0, inf]"  # 2a, one replay's
    assert sent[3][1]["report"]["rows"][0]["passed"] is True
    parts = sent[4][1]["parts"]
    assert [p["name"] for p in parts] == ["value", "grad"] and parts[0]["inf"] == 1


def test_a_live_plot_is_throttled_and_its_last_state_always_sent(sent, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(playground.time, "monotonic", lambda: clock[0])
    curve = plot(title="loss")
    for step in range(50):
        clock[0] += 0.01  # 10 ms a step: at most one update per 100 ms goes out
        curve.append(step)
    assert 4 <= len(sent) <= 7
    assert all(m[3] == "f1" for m in sent)
    playground._finish()
    last = sent[-1][1]["series"][0]
    assert last["y"] == [float(i) for i in range(50)] and last["x"][-1] == 49.0
    assert sent[-1][2] == "[plot loss: 50 points, first 0, last 49, min 0]"


def test_figures_past_the_cap_fall_back_to_text(sent, capsys, monkeypatch):
    monkeypatch.setattr(playground, "MAX_FIGURES", 2)
    for _ in range(3):
        show(np.zeros(2))
    assert len(sent) == 2
    assert "array shape (2,) float64" in capsys.readouterr().out


def test_23_11_intermediates_are_named_where_their_function_made_them(sent):
    def forward(a, b, c, f):
        e = a * b
        d = e + c
        return d * f

    def double(h):  # h is a parameter: made elsewhere, so not named here
        twice = h * 2.0
        return twice

    a, b, c, f = ad.tensor(2.0), ad.tensor(-3.0), ad.tensor(10.0), ad.tensor(-2.0)
    L = forward(a, b, c, f)
    playground.show_backward(L)
    assert [n["label"] for n in sent[-1][1]["graph"]["nodes"]] == \
        ["a", "b", "e", "c", "d", "f", "L"]
    assert sent[-1][1]["of"] == "L"
    # A live variable and name= win over the name where it was made; nothing names `h`.
    out = double(double(a))
    playground.show_backward(out.sum())
    labels = {n["label"] for n in sent[-1][1]["graph"]["nodes"]}
    assert {"a", "twice", "out"} <= labels and "h" not in labels, labels
    kept = double(b)
    kept.name = "mine"
    playground.show_backward(kept)
    assert sent[-1][1]["of"] == "mine"


def test_23_14_show_backward_predict_asks_the_page_and_leaves_the_text_alone(sent):
    t = ad.tensor(3.0)
    u = t * t + t
    playground.show_backward(u, predict=True)
    playground.show_backward(u)
    (asks, data, text, _), (_, plain, plain_text, _) = sent
    assert asks == "stepper" and data["predict"] is True and plain["predict"] is False
    assert text == plain_text and "∂u/∂t = 1.0 + 3.0 + 3.0 = 7.0" in text
    assert show_graph(u) is not None and sent[-1][1]["predict"] is False


def test_show_reads_a_gradient_without_storing_one(sent):
    c = ad.constant([1.0, 2.0])
    show(c)
    assert [p["name"] for p in sent[-1][1]["parts"]] == ["value"]
    assert c.grad_view() is None  # reading .grad would have stored zeros


def test_the_engines_private_parts_are_read_in_one_function():
    """Issue 22: the graph is walked with the public `ad.walk`; the one private part still read
    (a tensor's Function) is read in one small function."""
    source = Path(playground.__file__).read_text()
    private = re.compile(r"ad\.core|\b_walk\b|\._fn\b|\._inputs\b|ad\.graph import _")
    funcs = re.split(r"\n(?=def |class )", source)
    using = [f.split("(")[0] for f in funcs if private.search(f)]
    assert using == ["def _graph_tensors"], using
    assert "ad.walk(" in source
