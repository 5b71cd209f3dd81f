"""The whole chain in one run: the served site boots Pyodide, loads numpy and ad, runs Python."""

from playwright.sync_api import Page, expect

SEED_DOT_PRODUCT = """\
from ad import Function, Tensor, Variable, tensor

class TensorDotProduct(Function):
    def forward(self, x, y):
        return Variable(x.data @ y.data)

    def backward(self, x, y, grad):
        x.grad += grad @ y.data.T
        y.grad += x.data.T @ grad

Tensor.__matmul__ = TensorDotProduct()

x = tensor([[1., 2., 3.]])
y = tensor([[0.], [1.], [1.]])
z = x @ y
z.backward()
print("x.grad", x.grad.tolist())
print("y.grad", y.grad.tolist())
import sys, numpy
print("python", sys.version_info[:2], "numpy", numpy.__version__, sys.platform)
"""


def test_page_runs_the_seed_snippet_in_pyodide(page: Page, ui, site_url: str):
    page.goto(site_url)
    assert page.evaluate("crossOriginIsolated") is True
    ui.type_code(SEED_DOT_PRODUCT)
    page.get_by_role("button", name="Run").click()
    expect(ui.output).to_contain_text("x.grad [[0.0, 1.0, 1.0]]", timeout=ui.boot_ms)
    expect(ui.output).to_contain_text("y.grad [[1.0], [2.0], [3.0]]")
    expect(ui.output).to_contain_text("python (3, 12) numpy 2.0.2 emscripten")
