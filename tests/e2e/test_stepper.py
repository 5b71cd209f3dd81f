"""The backward pass step by step (`show_backward`, `show_graph` of a tensor), driven as a person
drives it: the Previous step / Next step / Play buttons, the Backward step slider, the arrow keys,
the status line, the highlighted node, sums at a shared node, a node's details and the jump to a
Function's backward in the editor. Values are checked against what the engine prints."""

import re

from playwright.sync_api import expect

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
    """A node of the figure by its accessible name (its label and op, then its id)."""
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

    following.click()  # the Add at the top splits 1.0 to both products
    expect(status).to_have_text(re.compile(r"^Step 1 of 3: L received ∂L/∂L = 1\.0 and sends "
                                           r"1\.0 to Mul \(n2\)"))
    expect(node(figure, "L: Add")).to_have_attribute("aria-current", "step")
    expect(figure.locator("path.step-flow")).to_have_count(2)
    expect(figure.locator(".step-edge-label", has_text="1.0")).to_have_count(2)

    following.click()  # x * 3.0: x gets 3.0
    expect(status).to_contain_text("Step 2 of 3")
    expect(status).to_contain_text("3.0 to x, so ∂L/∂x = 3.0")
    expect(node(figure, "Mul n4")).to_have_attribute("aria-current", "step")
    expect(x).to_contain_text("grad 3.0")
    expect(x).to_have_class(re.compile(r"\bstep-input\b"))

    following.click()  # x * 2.0: x gets 2.0 more, and the sum is written out
    expect(status).to_contain_text("Step 3 of 3")
    expect(status).to_contain_text("∂L/∂x = 3.0 + 2.0 = 5.0")
    expect(x).to_contain_text("grad 3.0 + 2.0 = 5.0")
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
    expect(status).to_have_text("Step 1 of 3: computed Mul (n2) = Mul(x, constant (n1)) = 2.0")
    expect(node(figure, "Mul n2")).to_contain_text("value 2.0")
    expect(node(figure, "Mul n2")).to_have_attribute("aria-current", "step")
    slider.press("End")
    expect(status).to_contain_text("computed L = Add(Mul (n2), Mul (n4)) = 5.0")
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
    expect(details).to_contain_text("y: Square (n1)")
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
    expect(details).to_contain_text("w: leaf (n0)")
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
    expect(figure.get_by_role("button", name=re.compile("^Add n"))).to_have_count(0)

    figure.get_by_role("button", name="Draw it anyway").click()
    status = figure.get_by_role("status")
    # show_graph opens at the end of the backward pass, every gradient in place.
    expect(status).to_have_text(re.compile(r"^Step 668 of 668: "), timeout=60_000)
    expect(figure.get_by_role("note")).to_have_count(0)
    expect(figure.get_by_role("button", name="Draw it anyway")).to_have_count(0)
    expect(figure.locator("pre")).to_have_count(0)  # the text gave way to the drawing
    expect(figure.get_by_role("button", name=re.compile(r"^Mul n\d+$"))).to_have_count(334)
    expect(figure.get_by_role("button", name=re.compile(r"^Add n\d+$"))).to_have_count(333)
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
        r"^Step 1 of 668: h received ∂h/∂h = 1\.0 and sends 1\.0 to Mul \(n\d+\), .*"
        r"1\.0 to x, so ∂h/∂x = 1\.0$"))
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
    expect(status).to_contain_text("∂y3/∂y2 = 1.0 + 6.0 + 6.0 = 13.0")
    expect(node(figure, "y2: Add")).to_contain_text("grad 1.0 + 6.0 + 6.0 = 13.0")
    following.click()  # only now does y2's backward run: once, with the whole sum
    expect(node(figure, "y2: Add")).to_have_attribute("aria-current", "step")
    expect(status).to_contain_text("y2 received ∂y3/∂y2 = 13.0")
    figure.get_by_role("slider", name="Backward step").press("End")
    expect(status).to_contain_text("∂y3/∂x = 65.0 + 65.0 + 65.0 = 195.0")
    expect(node(figure, "x: leaf")).to_contain_text("grad 65.0 + 65.0 + 65.0 = 195.0")
