"""Exercises made in the page and shared as links (`?exercise#v1.…`): a teacher writes one in
Make an exercise and tries it; a learner opens the link in a fresh browser profile and checks a
wrong and a right answer, as in a lesson; the same exercise embedded in another site's page;
hostile exercise text shown as text, with nothing run or fetched; `build.py run --exercise`."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

import build
from tests.e2e import test_embed
from tests.e2e.test_embed import boots, frame_fits_content, screenshot
from web.headless import exercise_fragment, read_exercise_link

# The embed tests' fixtures: another site's origin serving host pages, and a page watched on both.
host, two_origin_guard, watched = test_embed.host, test_embed.two_origin_guard, test_embed.watched

CHECK_MS = 90_000  # a fresh interpreter per Check, on two shared cores
TASK = """# Square, checked

Write the `backward` of `Square`, whose `forward` returns $y = x^2$: add
$\\frac{\\partial L}{\\partial x} = 2x \\cdot g$ into `x.grad`.
"""
STARTER = """from ad import Function, Variable, tensor


class Square(Function):
    def forward(self, x):
        return Variable(x.data ** 2)

    def backward(self, x, grad):
        pass  # TODO: add x's share of grad into x.grad


x = tensor([1.0, 2.0, 3.0])
Square()(x).backward()
print("x.grad =", x.grad)
"""
SOLUTION = STARTER.replace("pass  # TODO: add x's share of grad into x.grad",
                           "x.grad += 2 * x.data * grad")
CHECKS = """import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, rng


@check("Square.forward squares its input")
def forward(ns):
    Square = need(ns, "Square", Function)
    x = rng().normal(size=(2, 3))
    if not np.allclose(Square()(ad.tensor(x)).data, x ** 2):
        raise Failed("Expected Square()(x) to be x ** 2.", ["Keep forward as it is."])


@check("Square.backward adds 2x times grad into x.grad (gradcheck)")
def backward(ns):
    Square = need(ns, "Square", Function)
    gradients(lambda x: Square()(x), rng().normal(size=(2, 3)), what="Square", names=["x"])
"""


def open_form(page: Page) -> Locator:
    page.get_by_role("button", name="Embed or download").click()
    page.get_by_role("menuitem", name="Make an exercise").click()
    dialog = page.get_by_role("dialog", name="Make an exercise")
    expect(dialog).to_be_visible()
    return dialog


def fill(dialog: Locator, **fields: str) -> None:
    labels = {"task": "Task", "starter": "Starter code", "checks": "Checks",
              "solution": "Solution"}
    for key, text in fields.items():
        dialog.get_by_role("textbox", name=labels[key], exact=True).fill(text)


def make_exercise(page: Page, site_url: str) -> Locator:
    page.goto(site_url)
    page.wait_for_function("() => window.adPlayground !== undefined")
    dialog = open_form(page)
    fill(dialog, task=TASK, starter=STARTER, checks=CHECKS, solution=SOLUTION)
    return dialog


def test_a_teacher_makes_an_exercise_and_a_learner_checks_it(browser, page: Page, site_url,
                                                             page_guard):
    dialog = make_exercise(page, site_url)
    # The task as learners will see it: Markdown and typeset math.
    preview = dialog.get_by_role("region", name="Task preview")
    expect(preview.get_by_role("heading", name="Square, checked")).to_be_visible()
    expect(preview.locator(".katex").first).to_be_visible()
    expect(preview.locator("code", has_text="backward")).to_be_visible()

    # Try it: the starter fails a check, the solution passes them all.
    dialog.get_by_role("button", name="Try it").click()
    results = dialog.get_by_role("region", name="Try it results")
    status = dialog.get_by_role("status")
    expect(status).to_contain_text("the checks fail the starter and pass the solution",
                                   timeout=2 * CHECK_MS)
    expect(results).to_contain_text("✓ Starter code")
    expect(results).to_contain_text("2 of 3 checks passed: the starter fails, as it should")
    expect(results).to_contain_text("did you forget to add into its .grad?")
    expect(results).to_contain_text("✓ Solution")
    page.set_viewport_size({"width": 1400, "height": 900})
    screenshot(page, "exercise-form-1400x900", results)

    # The link: the task, the starter and the checks, never the solution.
    dialog.get_by_role("button", name="Copy link").click()
    expect(status).to_contain_text("Link copied")
    link = page.evaluate("navigator.clipboard.readText()")
    expect(dialog.get_by_role("textbox", name="Exercise link")).to_have_value(link)
    url = urlsplit(link)
    assert url.query == "exercise" and url.fragment.startswith("v1.")
    assert read_exercise_link(link) == {"task": TASK, "starter": STARTER, "checks": CHECKS}
    assert "2 * x.data * grad" not in json.dumps(read_exercise_link(link))
    dialog.get_by_role("button", name="Close").click()

    # A learner, in a fresh browser profile: the exercise as a lesson, nothing run.
    context, learner = page_guard.watch(browser)
    try:
        learner.set_viewport_size({"width": 1400, "height": 900})
        learner.goto(link)
        pane = learner.get_by_role("region", name="Lesson")
        expect(pane.get_by_role("heading", name="Square, checked")).to_be_visible()
        expect(pane.locator(".katex").first).to_be_visible()
        expect(pane).to_contain_text("Exercise from a link")
        expect(pane.get_by_role("button", name="Show solution")).to_have_count(0)
        editor = learner.get_by_role("textbox")
        expect(editor).to_contain_text("pass  # TODO")
        output = learner.get_by_role("log", name="Output")
        learner.wait_for_function("() => window.adPlayground !== undefined")
        learner.wait_for_timeout(500)
        expect(output).to_have_text("")  # nothing ran: not the starter, not the checks

        # A wrong answer (the starter): the failed check, its hint, progress "tried".
        pane.get_by_role("button", name="Check", exact=True).click()
        summary = pane.get_by_role("status")
        expect(summary).to_have_text("2 of 3 checks passed", timeout=CHECK_MS)
        checked = pane.get_by_role("list", name="Check results")
        expect(checked).to_contain_text("Square.backward adds 2x times grad")
        expect(checked).to_contain_text("did you forget to add into its .grad?")
        # Its hint ladder ends at the last hint: a link carries no solution to offer.
        more = checked.get_by_role("button", name=re.compile("^More help with"))
        for _ in range(10):
            if more.count() == 0:
                break
            more.first.click()
        expect(more).to_have_count(0)
        expect(pane.get_by_role("button", name=re.compile("Show solution"))).to_have_count(0)
        expect(pane).to_contain_text("Progress: tried")
        screenshot(learner, "exercise-wrong-1400x900")

        # The right answer.
        editor.click()
        learner.keyboard.press("Control+A")
        learner.keyboard.insert_text(SOLUTION)
        pane.get_by_role("button", name="Check", exact=True).click()
        expect(summary).to_have_text("All checks passed", timeout=CHECK_MS)
        expect(pane).to_contain_text("Progress: passed")
        learner.set_viewport_size({"width": 390, "height": 844})
        screenshot(learner, "exercise-passed-390x844")

        # Kept under the exercise's own key, apart from drafts and lessons; a reload keeps it.
        stored = learner.evaluate("() => Object.fromEntries(Object.entries(localStorage))")
        keys = [k for k in stored if k.startswith("ad-playground:exercise:")]
        assert any(re.fullmatch(r"ad-playground:exercise:[0-9a-f]{32}:code", k) for k in keys)
        code_key = next(k for k in keys if k.endswith(":code"))
        assert "2 * x.data * grad" in stored[code_key]
        assert not any(k.startswith("ad-playground:lesson") for k in stored)
        assert "2 * x.data * grad" not in stored.get("ad-playground:draft", "")
        learner.reload()
        expect(pane.get_by_role("heading", name="Square, checked")).to_be_visible()
        expect(pane).to_contain_text("Progress: passed")
        # On the phone the code is behind its tab.
        learner.get_by_role("tab", name="Code").click()
        expect(editor).to_contain_text("2 * x.data * grad")
        learner.get_by_role("tab", name="Lesson").click()
        # Back to the playground: the exercise's code stays the exercise's.
        pane.get_by_role("button", name="Back to the playground").click()
        expect(pane).to_be_hidden()
        assert "exercise" not in learner.url
        expect(editor).not_to_contain_text("class Square")
    finally:
        context.close()


def test_an_exercise_embedded_in_another_sites_page(watched, host, site_url):
    page, requests = watched
    dialog = make_exercise(page, site_url)
    dialog.get_by_role("button", name="Copy embed code").click()
    codes = page.get_by_role("dialog", name="Embed this exercise")
    codes.get_by_role("button", name="Copy auto-height code").click()
    expect(codes.get_by_role("status")).to_contain_text("Copied")
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert 'title="ad playground exercise: Square, checked"' in snippet
    assert "?exercise&amp;embed=1&amp;autoheight=1#v1." in snippet

    before = len(requests)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(host.page("exercise.html", '<p>Try this one, further down.</p>'
                        f'<div style="height: 1500px"></div>{snippet}'))
    frame = page.frame_locator("iframe")
    pane = frame.get_by_role("region", name="Lesson")
    expect(pane.get_by_role("heading", name="Square, checked")).to_be_attached()
    page.wait_for_timeout(500)
    assert page.evaluate("scrollY") == 0  # the embed took no focus: the page did not jump to it
    expect(pane.get_by_role("heading", name="Square, checked")).to_be_visible()
    expect(pane.locator(".katex").first).to_be_visible()
    expect(frame.get_by_role("textbox")).to_contain_text("pass  # TODO")
    assert boots(requests[before:]) == 0  # nothing runs, not even Python, before Check
    frame_fits_content(page)

    pane.get_by_role("button", name="Check", exact=True).click()
    expect(pane.get_by_role("status")).to_have_text("2 of 3 checks passed", timeout=CHECK_MS)
    expect(pane.get_by_role("list", name="Check results")).to_contain_text(
        "did you forget to add into its .grad?")
    frame_fits_content(page)  # the frame grew with the results
    screenshot(page, "exercise-embed-1400x900", page.locator("iframe"))
    # Open in playground: the exercise in the full page, with the learner's code.
    link = frame.get_by_role("link", name="Open in playground")
    expect(link).to_have_attribute("href", re.compile(r"\?exercise#v1\."))
    unedited = link.get_attribute("href")
    assert "embed" not in urlsplit(unedited).query
    frame.get_by_role("textbox").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("# my attempt\n")
    expect(link).not_to_have_attribute("href", unedited)
    with page.context.expect_page() as opened:
        link.click()
    full = opened.value
    expect(full.get_by_role("region", name="Lesson").get_by_role(
        "heading", name="Square, checked")).to_be_visible()
    expect(full.get_by_role("textbox")).to_contain_text("# my attempt")
    full.close()


HOSTILE = """# <b>Bold</b> title <img src=x onerror=alert(1)>

Inline <img src="http://evil.example/pixel.png" onerror="alert(1)"> and <script>alert(2)</script>.

<div onclick="alert(3)"><iframe src="http://evil.example/"></iframe>raw block</div>

[click me](javascript:alert(4)) and [fine](https://example.org/) and [rel](?lesson=x)
![a tracking pixel](http://evil.example/t.png)

$\\href{javascript:alert(5)}{x}$ and $\\includegraphics{http://evil.example/m.png}$ and
$\\htmlClass{x}{y}$ and $x^2$.

<style>body { display: none }</style>
"""
HOSTILE_STARTER = "print('the code ran')\n"
HOSTILE_CHECKS = """print("the checks ran")
from lessoncheck import check


@check("nothing")
def nothing(ns):
    print("a check ran")
"""


def test_hostile_exercise_text_is_shown_as_text(page: Page, site_url):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    link = f"{site_url}?exercise#{exercise_fragment(HOSTILE, HOSTILE_STARTER, HOSTILE_CHECKS)}"
    page.goto(link)
    pane = page.get_by_role("region", name="Lesson")
    heading = pane.get_by_role("heading", level=2)
    expect(heading).to_have_text("<b>Bold</b> title <img src=x onerror=alert(1)>")
    text = pane.get_by_role("region", name="Your task")  # the exercise's text is its task
    expect(text).to_contain_text('<img src="http://evil.example/pixel.png" onerror="alert(1)">')
    expect(text).to_contain_text("<script>alert(2)</script>")
    expect(text).to_contain_text('<div onclick="alert(3)">')
    expect(text).to_contain_text("<style>body { display: none }</style>")
    expect(text).to_contain_text("[image: a tracking pixel]")
    expect(text.locator(".katex").first).to_be_visible()  # $x^2$ still typesets
    # Nothing became markup: no element a link could smuggle in, no script link.
    for tag in ("img", "script", "iframe", "style", "div[onclick]", "object", "embed"):
        expect(pane.locator(tag)).to_have_count(0)
    links = text.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.org/")
    expect(links).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(text).to_contain_text("click me")
    assert page.evaluate("() => [...document.querySelectorAll('[href^=\"javascript\"]')]"
                         ".length") == 0
    expect(page.locator("body")).to_be_visible()
    # Nothing ran: no script's alert, not the checks (they print), not the code.
    page.wait_for_function("() => window.adPlayground !== undefined")
    page.wait_for_timeout(1000)
    assert dialogs == []
    expect(page.get_by_role("log", name="Output")).to_have_text("")
    # The same text in the form: the preview shows it as text and says so.
    dialog = open_form(page)
    fill(dialog, task=HOSTILE)
    preview = dialog.get_by_role("region", name="Task preview")
    expect(preview).to_contain_text("<script>alert(2)</script>")
    for tag in ("img", "script", "iframe", "style"):
        expect(preview.locator(tag)).to_have_count(0)
    expect(dialog.locator(".form-problems")).to_contain_text("Raw HTML is shown as text")
    screenshot(page, "exercise-hostile-form-1400x900", preview)
    # The page guard (conftest) fails this test if any request left the site's origin.


def test_an_exercise_too_long_for_a_link_gets_a_clear_message(page: Page, site_url):
    dialog = make_exercise(page, site_url)
    fill(dialog, checks="# " + secrets.token_urlsafe(60_000))  # does not compress
    dialog.get_by_role("button", name="Copy link").click()
    status = dialog.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"needs a link of [\d,]+ characters"))
    expect(status).to_contain_text("at most 32,000")
    expect(dialog.get_by_role("textbox", name="Exercise link")).to_be_hidden()
    # A link that long, made by hand, is refused with the same limit.
    long = exercise_fragment("# T", "", "# " + secrets.token_urlsafe(60_000))
    page.goto(f"{site_url}?exercise#{long}")
    expect(page.get_by_role("alert")).to_contain_text("more than the 32,000")
    expect(page.get_by_role("region", name="Lesson")).to_be_hidden()


def test_build_py_checks_files_against_an_exercise_link(tmp_path):
    link = f"https://example.org/ad/?exercise#{exercise_fragment(TASK, STARTER, CHECKS)}"
    starter, solution = tmp_path / "starter.py", tmp_path / "solution.py"
    starter.write_text(STARTER)
    solution.write_text(SOLUTION)
    command = [sys.executable, str(build.ROOT / "build.py"), "run", "--exercise", link]
    passed = subprocess.run([*command, str(solution)], capture_output=True, text=True,
                            timeout=600)
    assert passed.returncode == 0, passed.stderr[-3000:]
    assert "Exercise: Square, checked" in passed.stdout
    assert "solution.py: All checks passed" in passed.stdout
    failed = subprocess.run([*command, "--json", str(starter), str(solution)],
                            capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1, failed.stderr[-3000:]
    wrong, right = json.loads(failed.stdout)
    assert not wrong["passed"] and wrong["summary"] == "2 of 3 checks passed"
    assert any("did you forget to add into its .grad?" in (c["hint"] or "")
               for c in wrong["checks"] if not c["passed"])
    assert right["passed"]
    broken = subprocess.run([*command[:-1], link[:-40], str(solution)], capture_output=True,
                            text=True, timeout=600)
    assert broken.returncode == 2
    assert "damaged" in broken.stderr
