"""Figures in the output: live plots, scatter and decision boundary, the computation graph, the
gradient-check table and arrays; what is drawn (elements, labels, counts), exports, and that none
of their code loads until a figure is shown. Screenshots land in build/test-artifacts/.

All but the first share one booted page (`booted`): the first watches a page load from nothing.
"""

import gzip
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
FINISHED = re.compile(r"^Finished in")
# The number of points on the first line plot in the Output (Plot draws one path: M x,y then
# L x,y per point), as a page function's expression.
LINE_POINTS = ("() => (document.querySelector('[role=log] figure [aria-label=line] path')"
               ".getAttribute('d').match(/[ML]/g) || []).length")


def drawn_figure(ui, name: str):
    """The figure called `name` in the Output, once drawn."""
    figure = ui.output.get_by_role("figure", name=name)
    expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
    return figure


def screenshot(target, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def site_url_path(url: str) -> str:
    return urlsplit(url).path


def test_start_up_requests_no_view_code(page: Page, ui, site_url: str):
    requested: list[str] = []
    page.context.on("request", lambda r: requested.append(urlsplit(r.url).path))  # the worker's too
    page.goto(site_url)
    expect(page.get_by_role("status", name="Python runtime")).to_contain_text(
        "Python ready", timeout=ui.boot_ms)
    ui.run("print('plain')\n")
    expect(ui.output).to_have_text("plain\n")
    chunks = [p for p in requested if "/chunks/" in p or "/python/" in p]
    assert chunks == [], f"view code loaded at start-up: {chunks}"
    # The start-up bundles hold no chart or graph library; report their size.
    site = Path(__file__).resolve().parents[2] / "build" / "site"
    app = (site / "app.js").read_bytes()
    assert b"dagre" not in app and b"observablehq" not in app.lower()
    for name in ("app.js", "worker.js", "app.css"):
        data = (site / name).read_bytes()
        print(f"{name}: {len(data)} bytes, {len(gzip.compress(data, 9))} gzipped")
    # The first figure brings its code in.
    ui.run("from playground import show_graph\nfrom ad import tensor\n"
           "show_graph(tensor(1.0) * 2)\n")
    drawn_figure(ui, "computation graph")
    assert any("/chunks/stepper-" in p for p in requested)  # show_graph(tensor): the stepper
    playground_py = site_url_path(site_url) + "python/playground.py"
    assert requested.count(playground_py) == 1, "fetched on first import only"
    ui.run("print('no figure')\n")
    assert requested.count(playground_py) == 1, "a run that does not draw does not fetch it"
    ui.run("import numpy as np\nfrom playground import show\n"
           "show(np.array([1.0, np.nan]), title='again')\n")
    drawn_figure(ui, "again")
    # Each run's interpreter is new: one that draws imports it again (from the browser's cache).
    assert requested.count(playground_py) == 2


LIVE = """\
import time
from playground import plot
print("before")
curve = plot(title="loss", ylabel="loss")
for step in range(40):
    curve.append(1 / (step + 1))
    print(f"step {step}")
    time.sleep(0.05)
print("after")
"""


def points_in(figure) -> int:
    """Points on the figure's line (Plot draws one path: M x,y then L x,y per point)."""
    d = figure.locator("svg [aria-label=line] path").first.get_attribute("d") or ""
    return len(re.findall(r"[ML]", d))


def test_live_plot_grows_while_the_loop_runs_in_order_with_print(booted):
    page = booted.page
    booted.run(LIVE, wait=False)
    figure = drawn_figure(booted, "loss")
    expect(booted.status).to_have_text("Running…")
    first = points_in(figure)
    page.wait_for_function(
        """([n]) => { const p = document.querySelector('[role=log] figure [aria-label=line] path');
                      return p && (p.getAttribute('d').match(/[ML]/g) || []).length > n; }""",
        arg=[first], timeout=10_000)
    assert booted.status.inner_text() == "Running…", "the plot grew only after the run"
    expect(booted.status).to_have_text(FINISHED, timeout=20_000)
    expect(figure.locator("svg [aria-label=line] path")).to_have_count(1)
    page.wait_for_function(LINE_POINTS + " === 40")
    # Axes and their labels.
    expect(figure.locator("svg [aria-label='x-axis label']")).to_have_text("step")
    expect(figure.locator("svg [aria-label='y-axis label']")).to_have_text("loss")
    # One name says what it plots and where it ended, redrawn with the line.
    expect(figure.get_by_role("img")).to_have_accessible_name(
        "line plot: step against loss, 40 points, last value 0.025")
    expect(figure.get_by_role("button", name="Download loss as SVG")).to_be_visible()
    # The figure sits where it was made: after "before", ahead of the loop's lines.
    order = page.evaluate("""() => [...document.querySelector('[role=log]').children]
        .map(e => e.tagName === 'FIGURE' ? '<figure>' : e.textContent.split('\\n')[0])""")
    assert order[:3] == ["before", "<figure>", "step 0"], order
    screenshot(figure, "views-live-loss")


def test_two_moons_example_draws_its_loss_curve_and_decision_boundary(booted):
    page = booted.page
    booted.run(example="Train an MLP on two moons")
    expect(booted.output).to_contain_text("step 200")
    loss = drawn_figure(booted, "training loss")
    page.wait_for_function(LINE_POINTS + " === 201")
    boundary = drawn_figure(booted, "what the MLP learned")
    expect(boundary.locator("svg [aria-label=raster] image")).to_have_count(1)
    expect(boundary.locator("svg [aria-label=contour] path")).not_to_have_count(0)
    expect(boundary.locator("svg [aria-label=dot] path")).to_have_count(200)
    expect(boundary.locator("svg [aria-label='x-axis label']")).to_have_text("x1")
    expect(boundary.locator("svg [aria-label='y-axis label']")).to_have_text("x2")
    classes = boundary.get_by_role("list", name="classes")
    expect(classes).to_have_text(re.compile("class 0.*class 1"))
    # Nothing by colour alone: each class has its own shape, which the image's name says too.
    shapes = boundary.locator("svg [aria-label=dot] path").evaluate_all(
        "ps => new Set(ps.map(p => p.getAttribute('d'))).size")
    assert shapes == 2, shapes
    expect(boundary.get_by_role("img")).to_have_accessible_name(re.compile(
        r"^decision boundary: x1 against x2, 200 points in 2 classes: "
        r"0\S* \(circle\), 1\S* \(triangle\)$"))
    screenshot(loss, "views-two-moons-loss-light")
    screenshot(boundary, "views-two-moons-boundary-light")
    # Dark theme: the figures follow the page's colours.
    light = boundary.evaluate("e => getComputedStyle(e).backgroundColor")
    page.get_by_role("switch", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert boundary.evaluate("e => getComputedStyle(e).backgroundColor") != light
    tick = boundary.locator("svg [aria-label='y-axis tick label'] text").first
    assert tick.evaluate("e => getComputedStyle(e).fill") == boundary.evaluate(
        "e => getComputedStyle(e).color")
    screenshot(loss, "views-two-moons-loss-dark")
    screenshot(boundary, "views-two-moons-boundary-dark")


def test_graph_example_draws_every_node_and_edge_of_the_export(booted):
    booted.run(example="The graph of a small expression")
    counts = re.search(r"(\d+) nodes, (\d+) edges", booted.output.inner_text())
    assert counts is not None
    nodes, edges = int(counts[1]), int(counts[2])
    figure = drawn_figure(booted, "graph of L")
    expect(figure.locator(".graph-node")).to_have_count(nodes)
    expect(figure.locator("path.graph-edge")).to_have_count(edges)
    # show_graph(tensor) is the stepper's figure: the graph is a group of node buttons.
    expect(figure.get_by_role("group", name=f"computation graph: {nodes} nodes, {edges} edges,"
                              )).to_have_count(1)
    expect(figure.locator(".graph-node[data-op=Mul]")).to_have_count(2)
    expect(figure.locator(".graph-output")).to_have_count(1)
    expect(figure.locator(".graph-output")).to_contain_text("value -8.0")
    expect(figure.locator(".graph-leaf").first).to_contain_text("() float64")
    expect(figure.locator(".graph-leaf").first).to_contain_text("grad ")
    screenshot(figure, "views-graph-example")


BIG_GRAPH = """\
import numpy as np
from ad import tensor
from playground import show_graph
w = tensor(np.ones((4, 4)) * 0.1)
h = tensor(np.ones((1, 4)))
while True:
    h = (h @ w).tanh() + h
    if len(h.graph()["nodes"]) >= 500:
        break
loss = h.sum()
loss.backward()
g = loss.graph()
print("nodes", len(g["nodes"]), "edges", len(g["edges"]))
show_graph(loss, title="big graph")
"""


def test_a_500_node_graph_appears_fast_and_stays_legible(booted):
    booted.run(BIG_GRAPH)
    counts = re.search(r"nodes (\d+) edges (\d+)", booted.output.inner_text())
    assert counts is not None and int(counts[1]) >= 500
    figure = drawn_figure(booted, "big graph")
    # Shared leaves (w, used by every step) are drawn once per use, marked as copies.
    expect(figure.locator(".graph-node:not(.graph-copy)")).to_have_count(int(counts[1]))
    ids = figure.locator(".graph-node").evaluate_all(
        "els => new Set(els.map(e => e.dataset.id)).size")
    assert ids == int(counts[1])
    expect(figure.locator("path.graph-edge")).to_have_count(int(counts[2]))
    draw_ms = int(figure.get_attribute("data-draw-ms") or "0")
    layout_ms = int(figure.locator("svg.graph-svg").get_attribute("data-layout-ms") or "-1")
    assert 0 <= layout_ms <= draw_ms
    print(f"{counts[1]}-node graph: drawn {draw_ms} ms after its message arrived "
          f"(layout + SVG {layout_ms} ms, the rest is loading the graph chunk)")
    assert draw_ms < 3000
    # Legible: full-size labels, in a scrolling box rather than shrunk to fit.
    height = figure.locator(".graph-node text").first.evaluate(
        "e => e.getBoundingClientRect().height")
    assert height >= 40  # four lines of 11px text
    scroller = figure.locator(".graph-scroll")
    # Inputs at the bottom, the result at the top: a long chain grows downwards, and scrolls.
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight")
    before = figure.locator("svg.graph-svg").get_attribute("width")
    figure.get_by_role("button", name="Zoom out").click()
    assert int(figure.locator("svg.graph-svg").get_attribute("width") or 0) < int(before or 0)
    figure.get_by_role("button", name="Actual size").click()
    screenshot(figure, "views-graph-500")


def test_gradcheck_tables_mark_the_failing_input(booted):
    booted.run(example="Your own Function: sigmoid + gradcheck")
    good = drawn_figure(booted, "gradcheck: Sigmoid")
    bad = drawn_figure(booted, "gradcheck: BadSigmoid")
    expect(good.get_by_role("table")).to_be_visible()
    expect(good.get_by_role("columnheader")).to_have_text(
        ["#", "input", "shape", "max abs error", "max rel error", "result"])
    expect(good.locator("tbody tr")).to_have_count(1)
    expect(good.locator("tbody tr[data-result=pass]")).to_have_count(1)
    expect(good.locator(".view-summary")).to_contain_text("passed")
    row = bad.locator("tbody tr")
    expect(row).to_have_attribute("data-result", "fail")
    expect(row.get_by_role("cell").last).to_have_text("FAIL")
    expect(row.get_by_role("cell").nth(2)).to_have_text("(3,)")
    expect(bad.locator(".view-summary")).to_contain_text("FAILED")
    background = "e => getComputedStyle(e).backgroundColor"
    assert row.evaluate(background) != good.locator("tbody tr").evaluate(background)
    screenshot(good, "views-gradcheck-pass")
    screenshot(bad, "views-gradcheck-fail")


def test_arrays_show_shape_dtype_and_highlight_nan_and_inf(booted):
    booted.run("import numpy as np\nfrom ad import tensor\nfrom playground import show\n"
               "show(np.array([[1.5, np.nan], [np.inf, -np.inf]]), title='weights')\n"
               "x = tensor([1.0, 2.0]); (x * x).sum().backward()\nshow(x)\n")
    weights = drawn_figure(booted, "weights")
    expect(weights.locator(".view-summary")).to_contain_text("shape (2, 2) · float64")
    expect(weights.locator(".view-summary mark")).to_have_text(["1 NaN", "2 inf"])
    expect(weights.locator("pre mark")).to_have_text(["nan", "inf", "-inf"])
    tensor = drawn_figure(booted, "tensor")
    expect(tensor.locator(".view-summary")).to_have_count(2)  # its value and its gradient
    expect(tensor.locator(".view-summary").last).to_contain_text("grad · shape (2,) · float64")
    expect(tensor.locator("pre").last).to_have_text("[2. 4.]")
    screenshot(weights, "views-array")


def test_figures_export_as_svg_and_png(booted, tmp_path: Path):
    page = booted.page
    booted.run("from playground import scatter\nimport numpy as np\n"
               "X = np.random.default_rng(0).normal(size=(30, 2))\n"
               "scatter(X, X[:, 0] > 0, title='points')\n")
    figure = drawn_figure(booted, "points")
    expect(figure.locator("svg [aria-label=dot] path")).to_have_count(30)
    with page.expect_download() as svg_download:
        figure.get_by_role("button", name="Download points as SVG").click()
    svg_path = tmp_path / "points.svg"
    svg_download.value.save_as(svg_path)
    assert svg_download.value.suggested_filename == "points.svg"
    svg = svg_path.read_text()
    dots = re.search(r'<g[^>]*aria-label="dot"[^>]*>(.*?)</g>', svg, re.S)
    assert svg.startswith("<svg") and "var(--" not in svg
    assert dots is not None and dots[1].count("<path") == 30  # a shape per point
    with page.expect_download() as png_download:
        figure.get_by_role("button", name="Download points as PNG").click()
    png_path = tmp_path / "points.png"
    png_download.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


TWO_SERIES = """\
import json
import playground
series = [{"name": "train", "x": [0, 1, 2], "y": [1.0, 0.5, 0.25]},
          {"name": "test", "x": [0, 1, 2], "y": [1.0, 0.75, 0.5]}]
playground._send("plot", "f1", json.dumps({"title": "two", "xlabel": "step", "ylabel": "loss",
                                           "series": series}), "two as text")
"""


def test_a_plot_of_several_series_tells_them_apart_by_dash_and_by_name(booted):
    booted.run(TWO_SERIES)
    figure = drawn_figure(booted, "two")
    dashes = figure.locator("svg [aria-label=line]").evaluate_all(
        "gs => gs.map(g => g.getAttribute('stroke-dasharray'))")
    assert len(dashes) == 2 and len(set(dashes)) == 2, dashes  # not by colour alone
    expect(figure.get_by_role("list", name="series")).to_have_text(re.compile("train.*test"))
    expect(figure.get_by_role("img")).to_have_accessible_name(
        "line plot: step against loss, 2 series: train (solid line), 3 points, last value 0.25; "
        "test (dashed line), 3 points, last value 0.5")


UNREADABLE = """\
import playground
playground._send("plot", "f1", '{"series": 5}', "<img src=x> plot as text")
playground._send("sketch", "f2", "{}", "an unknown kind")
print("after")
"""


def test_a_figure_whose_data_does_not_fit_its_kind_shows_its_text(booted):
    booted.run(UNREADABLE)
    plot = booted.output.get_by_role("figure", name="plot")
    expect(plot).to_have_attribute("data-state", "text", timeout=20_000)
    expect(plot).to_contain_text("<img src=x> plot as text")
    expect(plot.locator("svg, img")).to_have_count(0)
    unknown = booted.output.get_by_role("figure", name="sketch")
    expect(unknown).to_have_attribute("data-state", "text")
    expect(unknown).to_contain_text("an unknown kind")
    expect(booted.output).to_contain_text("after")
