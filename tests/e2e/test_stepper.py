"""The backward pass step by step (`show_backward`, `show_graph` of a tensor), driven as a person
drives it: the Previous step / Next step / Play buttons, the Backward step slider, the arrow keys,
the status line, the highlighted node, sums at a shared node, a node's details and the jump to a
Function's backward in the editor, predict mode. Values are checked against what the engine
prints. Tests named test_23_N_* are issue 23's point N, as a learner meets it."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
# An id (n0, n12...) of ad.graph: the figure draws none, so its words name none.
GRAPH_ID = re.compile(r"\bn\d+\b")

SHARED = """\
from ad import tensor
from playground import show_backward
x = tensor(1.0)
L = x * 2.0 + x * 3.0
show_backward(L)
L.backward()
print("engine: dL/dx =", float(x.grad))
"""


def stepper(ui, name="computation graph"):
    figure = ui.output.get_by_role("figure", name=name)
    expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
    return figure


def node(figure, label: str):
    """A node of the figure by the start of its accessible name (its lines as drawn, first to
    last): its first line ("x: leaf", "L: Add", or "Mul 2" for the second of the unnamed Muls)."""
    return figure.get_by_role("button", name=re.compile("^" + re.escape(label) + r"\b"))


def test_stepping_backward_builds_the_sum_at_a_shared_node(booted):
    booted.run(SHARED)
    expect(booted.output).to_contain_text("engine: dL/dx = 5.0")
    figure = stepper(booted)
    status = figure.get_by_role("status")
    slider = figure.get_by_role("slider", name="Backward step")
    previous = figure.get_by_role("button", name="Previous step")
    following = figure.get_by_role("button", name="Next step")
    expect(status).to_have_text(re.compile(r"^Step 0 of 3: the backward pass starts at L "
                                           r"with ∂L/∂L = 1\.0"))
    expect(slider).to_have_value("0")
    expect(previous).to_be_disabled()
    expect(figure.locator("[aria-current=step]")).to_have_count(0)
    x = node(figure, "x: leaf")
    expect(x).to_contain_text("grad —")  # nothing has reached x yet
    # Its name is what it shows, in reading order (a screen reader hears value and gradient).
    expect(x).to_have_accessible_name("x: leaf, () float64, value 1.0, grad —")

    following.click()  # the Add at the top splits 1.0 to both products
    expect(status).to_have_text("Step 1 of 3: L received ∂L/∂L = 1.0 and sends 1.0 to Mul 1, so "
                                "∂L/∂(Mul 1) = 1.0; 1.0 to Mul 2, so ∂L/∂(Mul 2) = 1.0")
    expect(node(figure, "L: Add")).to_have_attribute("aria-current", "step")
    expect(figure.locator("path.step-flow")).to_have_count(2)
    expect(figure.locator(".step-edge-label", has_text="1.0")).to_have_count(2)

    following.click()  # x * 3.0: x gets 3.0
    expect(status).to_contain_text("Step 2 of 3")
    expect(status).to_contain_text("3.0 to x, so ∂L/∂x = 3.0")
    expect(node(figure, "Mul 2")).to_have_attribute("aria-current", "step")
    expect(x).to_contain_text("grad 3.0")
    expect(x).to_have_class(re.compile(r"\bstep-input\b"))

    following.click()  # x * 2.0: x gets 2.0 more, and the sum is written out
    expect(status).to_contain_text("Step 3 of 3")
    expect(status).to_contain_text("∂L/∂x = 3.0 + 2.0 = 5.0")
    expect(x).to_contain_text("grad 3.0 + 2.0 = 5.0")
    expect(x).to_have_accessible_name(re.compile(r", grad 3\.0 \+ 2\.0 = 5\.0$"))  # each step
    expect(following).to_be_disabled()
    expect(slider).to_have_value("3")

    previous.click()
    expect(status).to_contain_text("Step 2 of 3")
    expect(x).to_contain_text("grad 3.0")
    expect(x).not_to_contain_text("5.0")

    slider.press("Home")
    expect(status).to_contain_text("Step 0 of 3")
    expect(x).to_contain_text("grad —")
    expect(figure.locator(".step-edge-label:not(:empty)")).to_have_count(0)

    # Arrow keys step while the figure has focus (here: the graph's scroll box).
    figure.get_by_label(re.compile("^computation graph \\(scroll")).focus()
    booted.page.keyboard.press("ArrowRight")
    booted.page.keyboard.press("ArrowRight")
    expect(status).to_contain_text("Step 2 of 3")
    booted.page.keyboard.press("ArrowLeft")
    expect(status).to_contain_text("Step 1 of 3")

    # Play runs to the end, the button reading Pause meanwhile.
    figure.get_by_role("button", name="Play").click()
    expect(figure.get_by_role("button", name="Pause")).to_be_visible()
    expect(status).to_contain_text("Step 3 of 3", timeout=10_000)
    expect(figure.get_by_role("button", name="Play")).to_be_visible()


def test_show_graph_opens_with_every_gradient_and_the_callers_names(booted):
    booted.run("""\
import numpy as np
from ad import tensor
from playground import show_graph
a = tensor([1.0, 2.0])
b = tensor([3.0, -1.0], name="weight")
c = a * b
loss = (c * c).sum()
show_graph(loss)
loss.backward()
print("engine:", a.grad.tolist(), b.grad.tolist())
""")
    expect(booted.output).to_contain_text("engine: [18.0, 4.0] [6.0, -8.0]")
    figure = stepper(booted)
    expect(figure.get_by_role("status")).to_contain_text("Step 3 of 3")
    expect(node(figure, "a: leaf")).to_contain_text("grad [18.0, 4.0]")
    expect(node(figure, "weight: leaf")).to_contain_text("grad [6.0, -8.0]")  # name= wins over b
    # c feeds the Mul twice: its gradient is the sum of both uses, intermediates shown too.
    expect(node(figure, "c: Mul")).to_contain_text("grad [3.0, -2.0] + [3.0, -2.0] = [6.0, -4.0]")
    expect(node(figure, "loss: Sum")).to_contain_text("value 13.0")
    # The headless text lists the steps and every gradient.
    text = booted.page.evaluate("""async () => {
        const r = await window.adPlayground.run(
            "from ad import tensor\\nfrom playground import show_graph\\n"
            + "a = tensor(2.0)\\nq = a * a\\nshow_graph(q)\\n");
        return r.displays.map((d) => d.kind + "|" + d.text).join("\\n");
    }""")
    assert text.startswith("stepper|[graph: 2 nodes, 2 edges")
    assert "step 1 of 1: q (n1, Mul) received 1.0" in text
    assert "∂q/∂a = 2.0 + 2.0 = 4.0" in text
    assert "a (n0, leaf): value 2.0, grad 4.0" in text


def test_forward_mode_shows_values_in_the_order_they_were_computed(booted):
    booted.run(SHARED)
    figure = stepper(booted)
    figure.get_by_role("radio", name="Forward").check()
    slider = figure.get_by_role("slider", name="Forward step")
    expect(slider).to_have_value("0")
    status = figure.get_by_role("status")
    expect(status).to_contain_text("Step 0 of 3")
    expect(node(figure, "L: Add")).to_contain_text("value —")
    expect(node(figure, "x: leaf")).to_contain_text("value 1.0")
    figure.get_by_role("button", name="Next step").click()
    expect(status).to_have_text("Step 1 of 3: computed Mul 1 = Mul(x, constant 1) = 2.0")
    expect(node(figure, "Mul 1")).to_contain_text("value 2.0")
    expect(node(figure, "Mul 1")).to_have_attribute("aria-current", "step")
    slider.press("End")
    expect(status).to_contain_text("computed L = Add(Mul 1, Mul 2) = 5.0")
    expect(node(figure, "L: Add")).to_contain_text("value 5.0")
    figure.get_by_role("radio", name="Backward").check()
    expect(figure.get_by_role("slider", name="Backward step")).to_have_value("0")


CUSTOM = """\
import numpy as np
import ad
from ad import Function, Variable, tensor
from playground import show_graph


class Square(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        x.grad += 2 * x.data * grad


w = tensor(np.arange(12.0).reshape(3, 4))
y = Square()(w)
total = y.sum()
show_graph(total)
"""


def test_node_details_show_full_arrays_and_jump_to_the_functions_backward(booted):
    booted.run(CUSTOM)
    figure = stepper(booted)
    square = node(figure, "y: Square")
    square.click()
    details = figure.get_by_role("region", name="Node details")
    expect(details).to_be_visible()
    expect(details.get_by_role("heading")).to_have_text("y: Square")
    expect(details).to_contain_text("shape (3, 4) · float64 · made by Square")
    expect(details).to_contain_text("121.")  # the full value: 11 ** 2, beyond a node's 8 values
    expect(details.locator("pre")).to_have_count(2)  # value and gradient as arrays
    jump = details.get_by_role("button", name="Go to Square.backward in the editor (line 11)")
    jump.click()
    editor = booted.page.get_by_role("textbox")
    expect(editor).to_be_focused()
    expect(booted.page.locator(".cm-activeLine")).to_have_text(re.compile(r"^\s*def backward"))
    # Enter on a focused node opens its details too; Close goes back to it.
    w = node(figure, "w: leaf")
    w.focus()
    booted.page.keyboard.press("Enter")
    expect(details.get_by_role("heading")).to_have_text("w: leaf")
    expect(details).to_contain_text("22.")  # dL/dw = 2w, its last element
    expect(details.get_by_role("button", name=re.compile("^Go to"))).to_have_count(0)
    details.get_by_role("button", name="Close node details").click()
    expect(details).to_be_hidden()
    expect(w).to_be_focused()


def test_a_graph_too_big_to_lay_out_at_once_says_so_and_draws_it_when_asked(booted):
    # 1 + 3 * 334 = 1,003 nodes: just above the 1,000 the figure lays out without asking.
    booted.run("""\
from ad import tensor
from playground import show_graph
x = tensor(1.0)
h = x
for _ in range(334):
    h = h * 1.0 + x
show_graph(h)
h.backward()
print("engine: dh/dx =", float(x.grad))
""")
    expect(booted.output).to_contain_text("engine: dh/dx = 335.0")
    figure = booted.output.get_by_role("figure", name="computation graph")
    expect(figure).to_have_attribute("data-state", "drawn", timeout=20_000)
    expect(figure.get_by_role("note")).to_contain_text(
        "This graph has 1,003 nodes and 1,336 edges, 668 backward steps")
    expect(figure).to_contain_text("step 668 of 668")  # the text is there meanwhile
    expect(figure.get_by_role("button", name=re.compile(r"^Add \d+,"))).to_have_count(0)

    figure.get_by_role("button", name="Draw it anyway").click()
    status = figure.get_by_role("status")
    # show_graph opens at the end of the backward pass, every gradient in place.
    expect(status).to_have_text(re.compile(r"^Step 668 of 668: "), timeout=60_000)
    expect(figure.get_by_role("note")).to_have_count(0)
    expect(figure.get_by_role("button", name="Draw it anyway")).to_have_count(0)
    expect(figure.locator("pre")).to_have_count(0)  # the text gave way to the drawing
    expect(figure.get_by_role("button", name=re.compile(r"^Mul \d+,"))).to_have_count(334)
    expect(figure.get_by_role("button", name=re.compile(r"^Add \d+,"))).to_have_count(333)
    h = node(figure, "h: Add")
    expect(h).to_contain_text("value 335.0")
    # x is used by every Add and the first Mul: a big graph draws one copy of the leaf per use.
    x = node(figure, "x: leaf")
    expect(x).to_have_count(335)
    expect(x.first).to_contain_text("(335 terms) = 335.0")

    # Stepping works on the drawn graph.
    slider = figure.get_by_role("slider", name="Backward step")
    expect(slider).to_have_value("668")
    slider.press("Home")
    expect(status).to_have_text(re.compile(r"^Step 0 of 668: the backward pass starts at h"))
    expect(x.first).to_contain_text("grad —")
    figure.get_by_role("button", name="Next step").click()
    expect(status).to_have_text(re.compile(
        r"^Step 1 of 668: h received ∂h/∂h = 1\.0 and sends 1\.0 to Mul 334, so "
        r"∂h/∂\(Mul 334\) = 1\.0; 1\.0 to x, so ∂h/∂x = 1\.0$"))
    expect(h).to_have_attribute("aria-current", "step")
    expect(figure.locator("path.step-flow")).to_have_count(2)
    expect(x.first).to_contain_text("grad 1.0")
    figure.get_by_role("button", name="Next step").click()
    expect(status).to_contain_text("Step 2 of 668")
    expect(h).not_to_have_attribute("aria-current", "step")
    expect(figure.locator("[aria-current=step]")).to_have_count(1)


def test_a_graph_too_deep_to_draw_falls_back_to_its_text_with_a_note(booted):
    # 1 + 2 * 10,000 = 20,001 nodes in one chain: the layout's recursion overflows the stack.
    booted.run("from ad import tensor\nfrom playground import show_graph\n"
               "x = tensor(1.0)\nh = x\nfor _ in range(10_000):\n    h = h * 1.0\n"
               "show_graph(h, title='a long chain')\n")
    figure = booted.output.get_by_role("figure", name="a long chain")
    expect(figure.get_by_role("note")).to_contain_text("This graph has 20,001 nodes",
                                                       timeout=30_000)
    figure.get_by_role("button", name="Draw it anyway").click()
    expect(figure.get_by_role("note")).to_contain_text("This graph could not be drawn",
                                                       timeout=60_000)
    expect(figure.locator("pre")).to_contain_text("step 10000 of 10000")
    expect(figure.get_by_role("button", name="Draw it anyway")).to_have_count(0)


def test_the_seed_recursion_example_writes_out_the_sum_at_each_shared_node(booted):
    booted.run(example="The seed's recursive backward: 3^d visits on y = y*y + y")
    expect(booted.output).to_contain_text("the closed form 3^d - 1 matches the counted recursion")
    figure = stepper(booted, name="y = y*y + y, three times")
    status = figure.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Step 0 of 6: the backward pass starts at y3 "
                                           r"with ∂y3/∂y3 = 1\.0"))
    following = figure.get_by_role("button", name="Next step")
    following.click()  # y3 = y2*y2 + y2: the + y part reaches y2 first
    expect(status).to_contain_text("1.0 to y2, so ∂y3/∂y2 = 1.0")
    following.click()  # then y2 * y2 sends y2's value (6.0) down each of its two edges
    expect(status).to_contain_text("6.0 to y2, so ∂y3/∂y2 = 1.0 + 6.0 = 7.0; "
                                   "6.0 to y2, so ∂y3/∂y2 = 7.0 + 6.0 = 13.0")
    expect(node(figure, "y2: Add")).to_contain_text("grad 1.0 + 6.0 + 6.0 = 13.0")
    following.click()  # only now does y2's backward run: once, with the whole sum
    expect(node(figure, "y2: Add")).to_have_attribute("aria-current", "step")
    expect(status).to_contain_text("y2 received ∂y3/∂y2 = 13.0")
    figure.get_by_role("slider", name="Backward step").press("End")
    expect(status).to_contain_text("65.0 to x, so ∂y3/∂x = 65.0 + 65.0 = 130.0; "
                                   "65.0 to x, so ∂y3/∂x = 130.0 + 65.0 = 195.0")
    expect(node(figure, "x: leaf")).to_contain_text("grad 65.0 + 65.0 + 65.0 = 195.0")


# ---- issue 23, the stepper's points: as a learner meets them ----

LESSON_3 = """\
from ad import tensor
from playground import show_backward


def forward(a, b, c, f):
    e = a * b
    d = e + c
    return d * f


a, b, c, f = tensor(2.0), tensor(-3.0), tensor(10.0), tensor(-2.0)
L = forward(a, b, c, f)
show_backward(L, title="chain")
"""

# Where each node's box is, by its first line: the figure's own geometry, in page pixels.
BOXES = """(figure) => Object.fromEntries([...figure.querySelectorAll('.graph-node')].map(
    (g) => [g.querySelector('tspan').textContent,
            g.querySelector('rect').getBoundingClientRect().y]))"""


def test_23_11_the_figure_reads_as_the_lesson_and_names_only_what_it_draws(booted):
    booted.run(LESSON_3)
    figure = stepper(booted, name="chain")
    # The lesson's words: leaves at the bottom, the result at the top.
    y = figure.evaluate(BOXES)
    assert y["L: Mul"] < y["d: Add"] < y["e: Mul"] < y["a: leaf"], y
    assert y["e: Mul"] < y["b: leaf"] and y["d: Add"] < y["c: leaf"], y
    # e and d were made inside forward(), which has returned: named where they were made.
    expect(node(figure, "e: Mul")).to_contain_text("value -6.0")
    expect(node(figure, "d: Add")).to_contain_text("value 4.0")
    status = figure.get_by_role("status")
    following = figure.get_by_role("button", name="Next step")
    said = [status.inner_text()]
    for _ in range(3):
        following.click()
        said.append(status.inner_text())
    assert said[1:] == [
        "Step 1 of 3: L received ∂L/∂L = 1.0 and sends -2.0 to d, so ∂L/∂d = -2.0; "
        "4.0 to f, so ∂L/∂f = 4.0",
        "Step 2 of 3: d received ∂L/∂d = -2.0 and sends -2.0 to e, so ∂L/∂e = -2.0; "
        "-2.0 to c, so ∂L/∂c = -2.0",
        "Step 3 of 3: e received ∂L/∂e = -2.0 and sends 6.0 to a, so ∂L/∂a = 6.0; "
        "-4.0 to b, so ∂L/∂b = -4.0"], said
    figure.get_by_role("radio", name="Forward").check()
    for _ in range(3):
        following.click()
        said.append(status.inner_text())
    assert said[-1] == "Step 3 of 3: computed L = Mul(d, f) = -8.0"
    # Every name the words use is drawn; no id is.
    drawn = figure.locator(".graph-node").evaluate_all(
        "gs => gs.map(g => g.querySelector('tspan').textContent.split(':')[0])")
    for text in said:
        assert not GRAPH_ID.search(text), text
        for name in re.findall(r"(?:to|at|computed) (\w+)", text):
            assert name in drawn, (name, drawn, text)
    # Unnamed intermediates: numbered as drawn ("Mul 1", "Mul 2"), never by id.
    booted.run("from ad import tensor\nfrom playground import show_backward\n"
               "x = tensor(1.5)\nshow_backward((x * x) * (x * 2.0), title='plain')\n")
    plain = stepper(booted, name="plain")
    expect(plain.locator(".graph-node .graph-op")).to_have_text(
        ["x: leaf", "Mul 1", "constant", "Mul 2", "L: Mul"], timeout=5000)
    plain.get_by_role("button", name="Next step").click()
    expect(plain.get_by_role("status")).to_have_text(
        "Step 1 of 3: L received ∂L/∂L = 1.0 and sends 3.0 to Mul 1, so ∂L/∂(Mul 1) = 3.0; "
        "2.25 to Mul 2, so ∂L/∂(Mul 2) = 2.25")


SHARED_NODE = """\
from ad import tensor
from playground import show_backward
t = tensor(3.0)
u = t * t + t
r = show_backward(u, title="shared", predict=PREDICT)
u.backward()
print("engine: du/dt =", float(t.grad))
"""


def test_23_12_sums_build_up_at_a_shared_node(booted):
    booted.run(SHARED_NODE.replace("PREDICT", "False"))
    expect(booted.output).to_contain_text("engine: du/dt = 7.0")
    figure = stepper(booted, name="shared")
    status = figure.get_by_role("status")
    t = node(figure, "t: leaf")
    following = figure.get_by_role("button", name="Next step")
    following.click()  # u = Mul + t: the "+ t" use sends first
    expect(status).to_have_text("Step 1 of 2: u received ∂u/∂u = 1.0 and sends 1.0 to Mul, so "
                                "∂u/∂Mul = 1.0; 1.0 to t, so ∂u/∂t = 1.0")
    expect(t).to_contain_text("grad 1.0")
    following.click()  # t * t: each use sends t's value, and the sum grows with each
    expect(status).to_have_text("Step 2 of 2: Mul received ∂u/∂Mul = 1.0 and sends 3.0 to t, so "
                                "∂u/∂t = 1.0 + 3.0 = 4.0; 3.0 to t, so ∂u/∂t = 4.0 + 3.0 = 7.0")
    expect(t).to_contain_text("grad 1.0 + 3.0 + 3.0 = 7.0")
    figure.get_by_role("button", name="Previous step").click()
    expect(t).to_contain_text("grad 1.0")
    expect(t).not_to_contain_text("7.0")


# Vector values and written-out sums: the widest text a graph has.
VECTORS = """\
from ad import tensor
from playground import show_graph
x = tensor([1.5, -2.25, 3.125])
w = tensor([0.5, 0.25, -1.0])
h = x * w
y = h * h + h * x + h
loss = y.sum()
show_graph(loss, title="vectors")
"""

# The smallest text the figure shows (node lines and edge labels), in CSS px as drawn, and every
# pair of a label and a node box, or two labels, that overlap.
LEGIBILITY = """(figure) => {
  const svg = figure.querySelector('svg.graph-svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const labels = [...svg.querySelectorAll('.graph-edge-label')].filter((t) => t.textContent);
  const texts = [...svg.querySelectorAll('.graph-node tspan'), ...labels];
  const smallest = Math.min(...texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  const box = (e) => e.getBoundingClientRect();
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const nodes = [...svg.querySelectorAll('.graph-node rect')].map(box);
  const overlaps = [];
  labels.forEach((t, i) => {
    const r = box(t);
    if (nodes.some((n) => meet(r, n))) overlaps.push(`label ${t.textContent} on a node`);
    labels.slice(i + 1).forEach((u) => {
      if (meet(r, box(u))) overlaps.push(`labels ${t.textContent} and ${u.textContent}`);
    });
  });
  return { smallest, labels: labels.length, overlaps };
}"""


def legible(figure) -> None:
    seen = figure.evaluate(LEGIBILITY)
    assert seen["smallest"] >= 9.99, seen
    assert seen["labels"] > 0 and seen["overlaps"] == [], seen


def test_23_13_text_is_legible_at_the_default_view_and_labels_never_overlap(booted):
    booted.run(VECTORS)
    figure = stepper(booted, name="vectors")
    expect(node(figure, "h: Mul")).to_contain_text("grad [")
    legible(figure)  # opened at the end: every edge labelled
    scroller = figure.locator(".graph-scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth"), "wide: it scrolls"
    screenshot(figure, "stepper-23-13-vectors")


def test_23_13_on_a_phone_text_stays_legible_and_the_graph_scrolls(page: Page, ui, site_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_url)
    ui.run(VECTORS)
    figure = stepper(ui, name="vectors")
    legible(figure)
    ui.run(LESSON_3)
    figure = stepper(ui, name="chain")
    figure.get_by_role("slider", name="Backward step").press("End")
    legible(figure)


def test_23_14_predict_a_gradient_before_its_step_reveals_it(booted):
    booted.run(SHARED_NODE.replace("PREDICT", "True"))
    figure = stepper(booted, name="shared")
    status = figure.get_by_role("status")
    toggle = figure.get_by_role("checkbox", name="Predict")
    expect(toggle).to_be_checked()
    form = figure.get_by_role("form", name="Prediction")
    expect(form).to_contain_text("Predict step 1: u sends to t. What is ∂u/∂t then?")
    box = figure.get_by_role("textbox", name="Your prediction")
    check = figure.get_by_role("button", name="Check prediction")
    box.fill("1.5")
    check.click()
    expect(status).to_have_text("Not yet: 1.5 is too large.")
    box.fill("2")
    check.click()
    expect(status).to_have_text(re.compile(r"^Not yet: your prediction is ∂u/∂t times 2\. "))
    box.fill("1")
    box.press("Enter")  # Enter checks too
    expect(status).to_have_text(re.compile(r"^Correct: ∂u/∂t = 1\.0 once step 1 is done\."))
    expect(figure.get_by_role("slider", name="Backward step")).to_have_value("0")
    figure.get_by_role("button", name="Reveal").click()
    expect(status).to_have_text(re.compile(r"^Step 1 of 2: "))
    expect(box).to_be_focused()  # the next question has the textbox
    expect(box).to_have_value("")
    expect(form).to_contain_text("Predict step 2: Mul sends to t. What is ∂u/∂t then?")
    # The arrow keys edit the text; they do not step the figure.
    box.type("3")
    box.press("ArrowLeft")
    box.press("ArrowRight")
    expect(status).to_contain_text("Step 1 of 2")
    box.press("Enter")  # t * t sends 3.0 twice; 1.0 arrived before: two terms left out
    expect(status).to_have_text(re.compile(
        r"^Not yet: a term is missing\. t is used more than once, so ∂u/∂t adds up what every "
        r"use sends: your prediction leaves out 2 of its 3 contributions, from u \(step 1\) and "
        r"Mul \(step 2\)\.$"))
    box.fill("-7")
    box.press("Enter")
    expect(status).to_have_text(re.compile(r"^Not yet: the sign is wrong\."))
    box.fill("7")
    box.press("Enter")
    expect(status).to_have_text(re.compile(r"^Correct: ∂u/∂t = 7\.0"))
    figure.get_by_role("button", name="Reveal").click()
    expect(status).to_contain_text("∂u/∂t = 4.0 + 3.0 = 7.0")
    expect(form).to_be_hidden()  # the walk is done: nothing left to predict
    # The toggle, by keyboard: off hides the question, on brings it back.
    figure.get_by_role("slider", name="Backward step").press("Home")
    expect(form).to_be_visible()
    toggle.focus()
    booted.page.keyboard.press("Space")
    expect(toggle).not_to_be_checked()
    expect(form).to_be_hidden()
    booted.page.keyboard.press("Space")
    expect(form).to_be_visible()
    # Forward mode predicts nothing.
    figure.get_by_role("radio", name="Forward").check()
    expect(form).to_be_hidden()
    expect(toggle).to_be_disabled()
    # Headless, the display's text is the same with predict=True as without.
    texts = booted.page.evaluate("""async (code) => {
        const texts = [];
        for (const p of ["True", "False"]) {
            const r = await window.adPlayground.run(code.replace("PREDICT", p));
            texts.push(r.displays.map((d) => d.text).join("\\n"));
        }
        return texts;
    }""", SHARED_NODE)
    assert texts[0] == texts[1] and "step 2 of 2" in texts[0], texts


# Scroll the element's scrolling ancestor (the output pane) so that the element is at its top.
SCROLL_TO_TOP = """(e) => {
  let s = e.parentElement;
  while (s !== null && !(s.scrollHeight > s.clientHeight
         && ["auto", "scroll"].includes(getComputedStyle(s).overflowY))) s = s.parentElement;
  if (s !== null) s.scrollTop += e.getBoundingClientRect().top - s.getBoundingClientRect().top;
}"""


def screenshot(target, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_lesson_3s_stepper_in_predict_mode_on_a_wide_and_a_narrow_screen(page: Page, ui,
                                                                          site_url):
    """Lesson 3 as a learner opens it: the figure opens asking for ∂L/∂d; screenshots at
    1400x900 and 390x844 (build/test-artifacts/stepper-lesson03-*.png)."""
    for width, height in ((1400, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{site_url}?lesson=03-chain-rule")
        ui.run()
        figure = stepper(ui, name="L = (a*b + c) * f")
        box = figure.get_by_role("textbox", name="Your prediction")
        expect(figure.get_by_role("form", name="Prediction")).to_contain_text(
            "Predict step 1: L sends to d. What is ∂L/∂d then?")
        box.fill("-2")
        box.press("Enter")
        expect(figure.get_by_role("status")).to_have_text(re.compile(r"^Correct: ∂L/∂d = -2\.0"))
        figure.get_by_role("button", name="Reveal").click()
        figure.get_by_role("button", name="Reveal").click()
        box.fill("-2")  # the gradient arriving from above, without e's local derivative b
        box.press("Enter")
        expect(figure.get_by_role("status")).to_have_text(re.compile(
            r"^Not yet: the sign is wrong, and your prediction is ∂L/∂a times -1/3\. Is a local "
            r"derivative missing, or one too many, on the path from L down to a\?$"))
        legible(figure)
        size = f"{width}x{height}"
        # The figure's top (controls, status, question), then its graph, scrolled to the top of
        # the output pane (short on a phone) as a learner scrolls it.
        for part, target in (("top", figure), ("graph", figure.locator(".graph-scroll"))):
            target.evaluate(SCROLL_TO_TOP)
            page.screenshot(path=str(ARTIFACTS / f"stepper-lesson03-{size}-{part}.png"))
