"""A careless user and a buggy script: the automation API called wrongly or all at once, Stop a
moment after Run, figures too big to draw, code too big to share. Each must end well."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

FINISHED = re.compile(r"^Finished in")


def drawn_or_text(ui, name: str, state: str = "drawn"):
    figure = ui.output.get_by_role("figure", name=name)
    expect(figure).to_have_attribute("data-state", state, timeout=20_000)
    return figure


def test_concurrent_runs_all_settle_once_in_order(booted):
    results = booted.page.evaluate("""async () => {
        const api = window.adPlayground, order = [];
        const calls = [0, 1, 2, 3].map((i) => api.run(`print('run ${i}')`)
            .then((r) => { order.push(i); return r; }));
        const results = await Promise.all(calls);
        return { order, stdout: results.map((r) => r.stdout), ok: results.map((r) => r.ok) };
    }""")
    assert results["order"] == [0, 1, 2, 3]
    assert results["stdout"] == [f"run {i}\n" for i in range(4)]
    assert all(results["ok"])


@pytest.mark.parametrize("value", ["123", "{}", "null", "undefined", "['a']"])
def test_set_code_with_a_non_string_is_a_type_error_not_a_frozen_tab(booted, value):
    page = booted.page
    before = page.evaluate("() => window.adPlayground.getCode()")
    error = page.evaluate(f"""() => {{
        try {{ window.adPlayground.setCode({value}); return null; }}
        catch (e) {{ return [e.name, e.message]; }}
    }}""")
    assert error is not None and error[0] == "TypeError" and "must be a string" in error[1]
    assert page.evaluate("() => window.adPlayground.getCode()") == before
    assert page.evaluate("1 + 1") == 2  # the tab answers


def test_run_never_throws_it_resolves_with_an_error_result(booted):
    page = booted.page
    for args in ("123", "'print(1)', 5", "'print(1)', { timeoutMs: 'soon' }",
                 "'print(1)', { onOutput: 7 }"):
        result = page.evaluate(f"async () => window.adPlayground.run({args})")
        assert result["ok"] is False and result["error"]["kind"] == "invalid", (args, result)
        assert result["error"]["name"] == "TypeError" and "adPlayground.run" in \
            result["error"]["message"]
    refused = page.evaluate("""() => window.adPlayground.openLink(42).then(
        () => null, (e) => e.name)""")
    assert refused == "TypeError"


@pytest.mark.parametrize("timeout, stopped", [
    ("0", True), ("-5", True), ("2 ** 31", False), ("Infinity", False), ("1e300", False)])
def test_timeouts_are_clamped(booted, timeout, stopped):
    result = booted.page.evaluate(
        f"() => window.adPlayground.run('import time; time.sleep(0.3); print(1)', "
        f"{{ timeoutMs: {timeout} }})")
    if stopped:  # before any of it ran
        assert result["timedOut"] and result["error"]["kind"] == "interrupted", result
        assert result["stdout"] == "" and result["error"]["message"] == \
            "Stopped before the program started", result
        assert "Traceback" not in result["error"]["traceback"] or \
            "_playground_driver" not in result["error"]["traceback"]
    else:
        assert result["ok"] and result["stdout"] == "1\n", result


def test_stop_a_moment_after_run_is_stopped_not_a_crash(booted):
    page = booted.page
    for _ in range(3):
        booted.type_code("print('never mind')\nimport time\ntime.sleep(5)\n")
        page.get_by_role("button", name="Run").click()
        page.get_by_role("button", name="Stop").click()
        expect(booted.status).to_have_text(re.compile(r"^(Stopped after|Finished in)"),
                                           timeout=5000)
        expect(booted.output).not_to_contain_text("_playground_driver")
        expect(booted.output).not_to_contain_text("crashed")
    booted.run("print('fine')\n")
    expect(booted.output).to_have_text("fine\n")


def test_an_on_output_hook_that_throws_hides_nothing(booted):
    # The Output pane holds all of it by the time run() resolves (read in the same task).
    result, pane = booted.page.evaluate("""async () => {
        const result = await window.adPlayground.run(
            "print('one')\\nprint('two')",
            { onOutput: () => { throw new Error('hook broke'); } });
        return [result, document.getElementById("output").textContent];
    }""")
    assert result["ok"] and result["stdout"] == "one\ntwo\n"
    assert pane == "one\ntwo\n"


def test_a_fine_decision_boundary_is_drawn(booted):
    booted.run("import numpy as np\nfrom playground import decision_boundary\n"
               "X = np.random.randn(50, 2)\n"
               "decision_boundary(lambda g: g[:, 0] * g[:, 1], X, resolution=400, title='fine')\n")
    figure = drawn_or_text(booted, "fine")
    expect(figure.locator("svg [aria-label=raster] image")).to_have_count(1)


def test_a_200000_point_scatter_is_thinned_and_the_page_stays_responsive(booted):
    page = booted.page
    booted.run("import numpy as np\nfrom playground import scatter\n"
               "X = np.random.randn(200_000, 2)\n"
               "scatter(X, (X[:, 0] > 0).astype(int), title='many')\n")
    figure = drawn_or_text(booted, "many")
    expect(figure.get_by_role("note")).to_contain_text("Showing 20,000 of 200,000 points")
    expect(figure.locator("svg [aria-label=dot] path")).to_have_count(20_000)
    assert int(figure.get_attribute("data-draw-ms")) < 5000
    started = time.monotonic()
    assert page.evaluate("1 + 1") == 2
    assert time.monotonic() - started < 1


BIG_GRAPH = """\
from playground import show_graph
summary = {"text": "0.0"}
nodes = [{"id": f"n{i}", "op": "Add" if i else "leaf", "label": f"n{i}", "shape": [],
          "dtype": "float64", "value": summary, "grad": None, "is_leaf": i == 0,
          "is_output": i == 2999, "requires_grad": True} for i in range(3000)]
edges = [{"source": f"n{i}", "target": f"n{i + 1}", "index": 0} for i in range(2999)]
show_graph({"nodes": nodes, "edges": edges}, title="huge")
print("after")
"""


def test_a_3000_node_graph_is_shown_as_text_at_once(booted):
    booted.run(BIG_GRAPH)
    figure = drawn_or_text(booted, "huge", "text")
    expect(figure.get_by_role("note")).to_contain_text("3,000 nodes is more than the 1,000")
    expect(figure).to_contain_text("[graph huge: 3000 nodes")
    expect(booted.output).to_contain_text("after")


def test_code_over_the_link_limit_is_refused_at_share_and_when_opened(page: Page, ui,
                                                                       site_url: str):
    page.goto(site_url)
    big = "x = 1  # " + "y" * 2_100_000 + "\n"
    page.evaluate("code => window.adPlayground.setCode(code)", big)
    page.get_by_role("button", name="Share").click()
    alert = page.get_by_role("alert").filter(has_text="no link was made")
    expect(alert).to_contain_text("This code is 2.1 MB; a link carries at most 2.0 MB")
    expect(alert.get_by_role("button", name="Download .py")).to_be_visible()
    assert "#" not in page.url
    # A link made elsewhere that inflates past the limit says so (not "damaged").
    fragment = page.evaluate("""async (size) => {
        const bytes = new TextEncoder().encode("#".repeat(size));
        const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
        const packed = new Uint8Array(await new Response(stream).arrayBuffer());
        let binary = "";
        for (const b of packed) binary += String.fromCharCode(b);
        return "v1." + btoa(binary).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    }""", 2_500_000)
    page.goto(site_url + "#" + fragment)  # the same page: only the fragment changes
    # The refusal to share stays up (the code it offers to download is still the editor's).
    opened = page.get_by_role("alert").filter(has_text="This link's code")
    expect(opened).to_contain_text("larger than 2 MB")
    expect(opened).not_to_contain_text("damaged")
    expect(page.get_by_role("alert")).to_have_count(2)
    assert page.evaluate("() => window.adPlayground.getCode()") == big  # nothing displaced
