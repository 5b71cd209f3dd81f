"""Accessibility, audited: axe-core (pinned in package.json, served from node_modules) runs in the
page in every state a visitor sees it: first load, the lesson list, a lesson with failed checks
and hints, the output with each kind of figure, the share menu, the embed, the dark theme and a
phone's screen. A violation of any impact fails, unless a11y_exceptions.json names its rule,
with the reason, for that state. Every figure also has a name and a text alternative a screen
reader reaches (not only a picture), and nothing is said by colour alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import build
from tests.lesson_files import LESSONS
from web.headless import exercise_fragment

AXE = build.NODE_MODULES / "axe-core" / "axe.min.js"
# NOTE: served as a file of the site (a route), so the page's own CSP (script-src 'self') lets
# it in: nothing about the page is changed for the audit.
AXE_PATH = "__axe-core__/axe.min.js"
EXCEPTIONS = json.loads((Path(__file__).parent / "a11y_exceptions.json").read_text())["rules"]
BOOT_MS = 60_000
CHECK_MS = 120_000
AXE_RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def serve_axe(context) -> None:
    context.route(f"**/{AXE_PATH}", lambda route: route.fulfill(
        path=str(AXE), content_type="text/javascript; charset=utf-8"))


def violations(page: Page, state: str) -> list[str]:
    """What axe-core finds wrong with the page as it is now, but for the exceptions of `state`:
    one line per rule, with its impact, what it asks and where (up to five elements)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url=page.evaluate("p => new URL(p, document.baseURI).href", AXE_PATH))
    found = []
    for v in page.evaluate(AXE_RUN):
        allowed = EXCEPTIONS.get(v["id"])
        if allowed is not None and state in allowed.get("states", [state]):
            continue
        where = ", ".join(v["targets"][:5]) + (" …" if len(v["targets"]) > 5 else "")
        found.append(f"{v['id']} ({v['impact']}): {v['help']} — {where}")
    return found


def audit(page: Page, state: str) -> None:
    found = violations(page, state)
    assert not found, f"axe-core, {state}:\n  " + "\n  ".join(found)


@pytest.fixture
def audited(page: Page) -> Page:
    """A fresh page (conftest's, watched) that can load axe-core."""
    serve_axe(page.context)
    return page


def ready(page: Page) -> None:
    page.wait_for_function("window.adPlayground !== undefined", timeout=BOOT_MS)
    page.evaluate("async () => { await window.adPlayground.ready; }")


def dark(page: Page) -> None:
    page.get_by_role("switch", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_first_load(audited: Page, site_url: str, theme: str):
    audited.goto(site_url)
    ready(audited)
    if theme == "dark":
        dark(audited)
    audit(audited, f"first load, {theme}")


def test_first_load_while_python_loads(audited: Page, site_url: str):
    held = []  # the runtime's wasm, held back until the audit is done
    audited.context.route("**/pyodide/pyodide.asm.wasm", lambda route: held.append(route))
    audited.goto(site_url)
    expect(audited.locator("#boot li[data-state=loading]")).to_have_count(1, timeout=BOOT_MS)
    audited.emulate_media(reduced_motion="no-preference")
    audit(audited, "first load, while Python loads")
    for route in held:
        route.continue_()
    audited.context.unroute("**/pyodide/pyodide.asm.wasm")
    ready(audited)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_lesson_list(audited: Page, site_url: str, theme: str):
    audited.goto(site_url + "?lessons")
    expect(audited.get_by_role("list", name="All lessons").get_by_role("listitem")) \
        .to_have_count(len(LESSONS))
    if theme == "dark":
        dark(audited)
    audit(audited, f"lesson list, {theme}")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_lesson_with_failed_checks_and_hints(audited: Page, site_url: str, theme: str):
    lesson = LESSONS[0]
    audited.goto(f"{site_url}?lesson={lesson.name}")
    ready(audited)
    pane = audited.get_by_role("region", name="Lesson")
    # The starter fails a check, with a hint.
    pane.get_by_role("button", name="Check", exact=True).click()
    expect(pane.get_by_role("status")).to_have_text(re.compile(r"^\d+ of \d+ checks passed$"),
                                                    timeout=CHECK_MS)
    results = pane.get_by_role("list", name="Check results")
    expect(results).to_contain_text(re.compile(r"Hint 1 of \d+: "))  # the ladder's first step
    expect(results).to_contain_text("fail")  # a failed check says so in words, not colour only
    more = pane.get_by_role("button", name="More help")
    if more.count() > 0:
        more.first.click()
    if theme == "dark":
        dark(audited)
    audit(audited, f"lesson with failed checks, {theme}")


class Figure:
    def __init__(self, kind: str, title: str, code: str, says: tuple[str, ...]):
        self.kind, self.title, self.code = kind, title, code
        self.says = says  # what its text alternative must say (words a screen reader reaches)


FIGURES = {
    "plot": Figure("plot", "loss", "from playground import plot\nc = plot(title='loss')\n"
                   "for i in range(5):\n    c.append(1.0 / (i + 1))\n",
                   ("loss", "step", "0.2")),  # what it plots, and its last value
    "graph": Figure("graph", "the graph", "import ad\nfrom playground import show_graph\n"
                    "x = ad.tensor([1., 2.])\ny = (x * x).sum()\n"
                    "show_graph(ad.graph(y), title='the graph')\n",
                    ("Mul", "Sum", "5.0")),  # its text form: each node, its value
    "stepper": Figure("stepper", "computation graph", "import ad\n"
                      "from playground import show_backward\nx = ad.tensor([1., 2.])\n"
                      "y = (x * x).sum()\nshow_backward(y)\n",
                      ("Step 0 of 2", "∂y/∂y = 1.0", "Sum", "5.0")),  # its status, its nodes
    "gradcheck": Figure("gradcheck", "gradient check", "import numpy as np, ad\n"
                        "from playground import show\n"
                        "show(ad.gradcheck(lambda t: (t * t).sum(), np.array([1., 2.])))\n",
                        ("passed", "pass")),  # pass and fail in words
    "array": Figure("array", "values", "import numpy as np\nfrom playground import show\n"
                    "show(np.array([1., np.nan, np.inf]), title='values')\n",
                    ("1 NaN", "1 inf")),  # highlighted values named in words too
    "image": Figure("image", "rising", "import matplotlib.pyplot as plt\n"
                    "plt.plot([1, 2, 3])\nplt.title('rising')\nplt.show()\n", ("rising",)),
}


def drawn(booted, figure: Figure):
    result = booted.page.evaluate("code => window.adPlayground.run(code)", figure.code)
    assert result["ok"], result["error"]
    shown = booted.output.get_by_role("figure", name=figure.title)
    expect(shown).to_have_attribute("data-state", "drawn", timeout=20_000)
    assert shown.get_attribute("data-kind") == figure.kind
    return shown


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("kind", FIGURES)
def test_the_output_with_each_kind_of_figure(booted, kind: str, theme: str):
    drawn(booted, FIGURES[kind])
    if theme == "dark":
        dark(booted.page)
    serve_axe(booted.page.context)
    audit(booted.page, f"output with a {kind}, {theme}")


@pytest.mark.parametrize("kind", FIGURES)
def test_every_figure_has_a_name_and_a_text_alternative(booted, kind: str):
    figure = FIGURES[kind]
    shown = drawn(booted, figure)  # found by role and name: it has its accessible name
    # What a screen reader reaches: the figure's accessibility tree, but for the inside of
    # images (role=img hides its content; its name counts).
    tree = shown.aria_snapshot()
    reached = "\n".join(re.sub(r'^(\s*- )\'?img ("[^"]*")\'?:.*$', r"\1img \2", line)
                        for line in tree.splitlines())
    missing = [words for words in figure.says if words not in reached]
    assert not missing, f"a screen reader does not hear {missing} in:\n{reached}"


EXERCISE_TASK = (
    "# Square\n\nWrite `Square.backward` so that\n\n"
    "$$\\frac{\\partial L}{\\partial x} = 2x \\cdot \\frac{\\partial L}{\\partial y}"
    " \\quad \\text{for every element of } x \\text{, whatever its shape}$$\n\n"
    "```python\nx = ad.tensor(np.arange(12.0).reshape(3, 4)); y = Square()(x)"
    "; y.backward(np.ones((3, 4)) * 0.5)  # a long line scrolls sideways\n```\n")


def test_an_exercise_opened_by_link(audited: Page, site_url: str):
    """A teacher's exercise: its Markdown is drawn in the page (not by the build), with the same
    keyboard stops for code and equations that scroll sideways as a lesson's."""
    fragment = exercise_fragment(EXERCISE_TASK, "x = 1\n", "from lessoncheck import check\n")
    audited.goto(f"{site_url}?exercise#{fragment}")
    ready(audited)
    task = audited.get_by_role("region", name="Your task")
    expect(task.get_by_role("group", name="Python code")).to_have_attribute("tabindex", "0")
    expect(task.get_by_role("group", name="equation")).to_have_attribute("tabindex", "0")
    audit(audited, "exercise by link")


def test_the_share_menu(audited: Page, site_url: str):
    audited.goto(site_url)
    ready(audited)
    audited.get_by_role("button", name="Embed or download").click()
    expect(audited.get_by_role("menu", name="Embed or download")).to_be_visible()
    expect(audited.get_by_role("menuitem", name="Copy embed code")).to_be_visible()
    audit(audited, "share menu")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_embed(audited: Page, site_url: str, theme: str):
    audited.goto(f"{site_url}?embed=1&theme={theme}")
    audit(audited, "embed")
    audited.get_by_role("button", name="Run").click()
    expect(audited.get_by_role("status", name="Run status")).to_have_text(
        re.compile(r"^Finished in \d"), timeout=BOOT_MS)
    audit(audited, "embed")


def on_a_phone(browser: Browser, page_guard) -> tuple:
    """A fresh context that is a 390x844 phone (touch, 2x), watched, that can load axe-core."""
    context = browser.new_context(service_workers="block", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.on("request", page_guard.on_request)
    serve_axe(context)
    page = context.new_page()
    page.on("pageerror", page_guard.on_page_error)
    page.on("console", page_guard.on_console)
    return context, page


def test_a_phones_screen(browser: Browser, page_guard, site_url: str):
    context, page = on_a_phone(browser, page_guard)
    try:
        page.goto(site_url)
        ready(page)
        audit(page, "phone")
        # The secondary actions behind More (the phone's compact header).
        page.get_by_role("button", name="More", exact=True).click()
        expect(page.get_by_role("group", name="More actions")).to_be_visible()
        audit(page, "phone")
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Run").click()
        expect(page.get_by_role("tab", name="Output")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("status", name="Run status")).to_have_text(
            re.compile(r"^Finished in \d"), timeout=BOOT_MS)
        audit(page, "phone")
        # A lesson: its text, then its code with the lesson's buttons above it.
        page.goto(f"{site_url}?lesson={LESSONS[0].name}")
        expect(page.get_by_role("tab", name="Lesson")).to_have_attribute("aria-selected", "true")
        ready(page)
        audit(page, "phone")
        page.get_by_role("tab", name="Code").click()
        expect(page.get_by_role("textbox", name="Python code")).to_be_visible()
        audit(page, "phone")
    finally:
        context.close()
    page_guard.check()

