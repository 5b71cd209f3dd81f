"""The scientific stack, offline: packages load when a run imports them (never at start-up), with
progress in the output; matplotlib figures show as images; scipy, scikit-learn and pandas work
with ad; micropip installs a wheel the site serves and says so when the index is out of reach;
an import the site cannot satisfy says what there is instead."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

import build
from web.headless import CHROMIUM_ARGS, served_site

SITE_DIR = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)

PACKAGE_FILE = re.compile(r"/pyodide/([^/]+-[^/]+\.(?:whl|zip))$")  # name-version…
AT_START_UP = {"numpy", "ad"}  # the only package files a page fetches before a run asks
PNG = b"\x89PNG\r\n\x1a\n"


def package_files(urls: list[str]) -> list[str]:
    """The wheel and zip names among request URLs, in request order."""
    return [m.group(1) for url in urls if (m := PACKAGE_FILE.search(urlsplit(url).path))]


def project(file_name: str) -> str:
    return file_name.split("-", 1)[0].lower()


def automation_run(page: Page, code: str) -> dict:
    return page.evaluate("code => window.adPlayground.run(code)", code)


def test_start_up_fetches_numpy_and_ad_only_and_a_run_loads_what_it_imports(page: Page, ui,
                                                                            site_url: str):
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.goto(site_url)
    ui.run("print('plain python')\n")
    at_start = {project(name) for name in package_files(requests)}
    assert at_start == AT_START_UP, f"fetched before any run asked: {sorted(at_start)}"
    assert not any(name in url for url in requests for name in ("jedi", "completion"))

    before = len(requests)
    ui.run("import matplotlib.pyplot as plt\nprint(plt.get_backend())\n")
    expect(ui.output).to_contain_text(
        re.compile(r"Loaded matplotlib, fonttools, pillow and \d+ more \(9\.4 MB\) in "))
    expect(ui.output).to_contain_text("module://_playground_matplotlib")
    loaded = {project(name) for name in package_files(requests[before:])}
    assert {"matplotlib", "pillow", "fonttools", "kiwisolver", "six"} <= loaded
    assert not loaded & {"scipy", "pandas", "scikit_learn", "jedi", "openblas"}


def test_a_second_visit_loads_packages_from_the_browser_cache(browser, page_guard, site_url: str,
                                                              tmp_path):
    # NOTE: a profile on disk, as a visitor's browser has: a plain Playwright context caches in
    # memory only, and keeps no file over a few MB (the matplotlib wheel is 6.7 MB).
    # Service workers blocked: this is the browser's HTTP cache (test_offline.py: the worker's).
    context = browser.browser_type.launch_persistent_context(
        tmp_path, executable_path=build.find_browser(), args=CHROMIUM_ARGS, headless=True,
        service_workers="block")
    context.on("request", page_guard.on_request)
    sizes: dict[str, int] = {}

    def record(request) -> None:
        if PACKAGE_FILE.search(urlsplit(request.url).path):
            sizes[request.url] = request.sizes()["responseBodySize"]

    context.on("requestfinished", record)
    try:
        runs = []
        for _visit in range(2):
            sizes.clear()
            page = context.new_page()
            page.on("pageerror", page_guard.on_page_error)
            page.goto(site_url)
            page.wait_for_function("window.adPlayground !== undefined")
            result = automation_run(page, "import matplotlib.pyplot as plt\nprint('drawn')")
            assert result["ok"], result["error"]
            runs.append((result["packages"]["names"], dict(sizes), result["stderr"]))
            page.close()
    finally:
        context.close()
    (names, first, first_stderr), (again, second, second_stderr) = runs
    assert again == names and len(names) == 12
    # The site ships matplotlib's font list (build.py makes it): no visit scans the fonts.
    assert first_stderr == second_stderr == ""
    matplotlib = next(url for url in first if "/matplotlib-3" in url)
    assert first[matplotlib] > 6_000_000  # the first visit downloaded it
    # The dev server asks the browser to revalidate (304, no body): nothing is sent again.
    assert set(second) == set(first) and sum(second.values()) == 0, second
    page_guard.check()


def test_loading_is_shown_and_left_out_of_the_runs_stopwatch(booted):
    page = booted.page
    # `if False`: the code never runs the import, yet the run needs scipy, so it loads first.
    result = automation_run(page, "if False:\n    import scipy\nprint('quick')\n")
    assert result["ok"], result["error"]
    packages = result["packages"]
    assert packages["names"] == ["scipy", "openblas"] and packages["state"] == "loaded"
    assert packages["bytes"] == sum(
        (SITE_DIR / "pyodide" / name).stat().st_size
        for name in ("scipy-1.14.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "openblas-0.3.26.zip"))
    assert result["durationMs"] < packages["ms"], result
    expect(booted.output).to_contain_text(
        re.compile(r"^Loaded scipy, openblas \(18\.7 MB\) in [\d.]+ m?s\nquick\n$"))
    # Loaded once per worker: the next run needs nothing.
    again = automation_run(page, "import scipy\nprint(scipy.__version__)")
    assert again["packages"] is None and again["stdout"] == "1.14.1\n"


def test_a_package_that_fails_to_load_stops_the_run_and_the_next_run_retries(page: Page, ui,
                                                                             site_url: str):
    sqlite_wheel = re.compile(r"/pyodide/sqlite3-[^/]+\.whl$")
    page.context.route(sqlite_wheel, lambda route: route.abort("connectionreset"))
    page.goto(site_url)
    ui.run("import sqlite3\nprint('never')\n", re.compile(r"^ImportError after"))
    expect(ui.output).to_contain_text(re.compile(r"^Could not load sqlite3 \(0\.5 MB\)\n"))
    expect(ui.output).to_contain_text("Could not load sqlite3 from the site (")
    expect(ui.output).to_contain_text("Check the connection to the site and run again.")
    expect(ui.output).not_to_contain_text("never")
    page.context.unroute(sqlite_wheel)
    ui.run("import sqlite3\n"
           "print(sqlite3.connect(':memory:').execute('select 6 * 7').fetchone())\n")
    expect(ui.output).to_contain_text("(42,)")


MATPLOTLIB = """\
import os
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0, 2 * np.pi, 100)
plt.plot(x, np.sin(x), label="sin")
plt.title("sine wave")
plt.legend()
plt.savefig("sine.png")
print("saved", os.path.getsize("sine.png") > 1000)
plt.show()

plt.rcParams["lines.linewidth"] = 5  # this run's setting, not the next run's
fig, ax = plt.subplots(figsize=(4, 3))
ax.scatter([1, 2, 3], [3, 1, 2])
ax.set_title("left open")
print("open figures", plt.get_fignums())
"""


def test_matplotlib_figures_show_as_images_and_download(booted):
    page = booted.page
    booted.run(MATPLOTLIB)
    log = booted.output
    expect(log).to_contain_text("saved True")
    expect(log).to_contain_text("open figures [1]")
    sine = log.get_by_role("img", name="sine wave")
    left_open = log.get_by_role("img", name="left open")  # still open at the end: shown too
    expect(sine).to_be_visible()
    expect(left_open).to_be_visible()
    assert sine.evaluate("img => img.complete && img.naturalWidth") == 1280  # 640 px at 2x
    assert left_open.evaluate("img => [img.width, img.height]") == [400, 300]
    # In order with the output printed around them.
    assert log.inner_text().index("saved True") < log.inner_text().index("open figures")
    figure = page.get_by_role("figure", name="sine wave")
    for fmt, magic in (("PNG", PNG), ("SVG", b"<?xml")):
        with page.expect_download() as download:
            figure.get_by_role("button", name=f"Download sine wave as {fmt}").click()
        assert download.value.suggested_filename == f"sine-wave.{fmt.lower()}"
        assert Path(download.value.path()).read_bytes().startswith(magic)
    # Figures were closed once shown, and settings put back: the next run starts clean.
    booted.run("import matplotlib.pyplot as plt\n"
               "print('figures', plt.get_fignums(), plt.rcParams['lines.linewidth'])\n")
    expect(log).to_have_text("figures [] 1.5\n")


ROSENBROCK = """\
import numpy as np
import ad
from scipy.optimize import minimize

def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2

def value_and_grad(v):
    p = ad.tensor(v)
    f = rosenbrock(p)
    f.backward()
    return float(f.data), p.grad.copy()

result = minimize(value_and_grad, np.array([-1.2, 1.0]), jac=True, method="BFGS")
print("success", result.success, "x", np.round(result.x, 5).tolist(), "f", f"{result.fun:.1e}")
"""


def test_scipy_minimize_with_the_gradient_from_ad_converges_on_rosenbrock(booted):
    booted.run(ROSENBROCK)
    expect(booted.output).to_contain_text("success True x [1.0, 1.0]")


MOONS = """\
import numpy as np
import ad
from ad import nn, optim
from ad.nn import functional as F
from sklearn.datasets import make_moons
import pandas as pd

X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
inputs, targets = ad.constant(X), ad.constant(y.reshape(-1, 1).astype(float))
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = optim.Adam(model.parameters(), lr=0.05)
log = []
for step in range(300):
    logits = model(inputs)
    loss = F.binary_cross_entropy_with_logits(logits, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    log.append({"step": step, "loss": float(loss.data)})
accuracy = ((model(inputs).data > 0).ravel() == (y == 1)).mean()
frame = pd.DataFrame(log)
print(f"accuracy {accuracy:.2f}")
print("loss fell", frame.loss.iloc[-1] < frame.loss.iloc[0] / 10)
"""


def test_make_moons_from_scikit_learn_trains_an_ad_mlp(booted):
    booted.run(MOONS)
    expect(booted.output).to_contain_text(re.compile(r"Loaded pandas, scikit-learn, "))
    expect(booted.output).to_contain_text("loss fell True")
    accuracy = float(re.search(r"accuracy (\S+)", booted.output.inner_text()).group(1))
    assert accuracy >= 0.97


def test_an_import_the_site_cannot_satisfy_says_what_there_is(booted):
    booted.run("import numpy\nimport requests\n", re.compile(r"ModuleNotFoundError \(line 2\)"))
    log = booted.output
    expect(log).to_contain_text("No module named 'requests'")
    expect(log).to_contain_text(re.compile(r"It has the standard library and: ad, "
                                           r".*matplotlib, .*numpy, .*pandas, .*scipy, .*sklearn"))
    expect(log).to_contain_text("await micropip.install('requests')")
    expect(log).not_to_contain_text("Loading")  # nothing to load for it


def hello_wheel() -> bytes:
    """A pure-Python wheel, as a teacher might put one on the site beside the playground."""
    files = {
        "hello_site/__init__.py": "def greet():\n    return 'hello from a wheel on the site'\n",
        "hello_site-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: hello-site\n"
                                             "Version: 1.0\n",
        "hello_site-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
                                          "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files["hello_site-1.0.dist-info/RECORD"] = "".join(f"{name},,\n" for name in files) + \
        "hello_site-1.0.dist-info/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def site_with_a_wheel(tmp_path, site_url: str) -> str:
    """The built site (linked, not copied) with one more file: wheels/hello_site-1.0-….whl."""
    for entry in SITE_DIR.iterdir():
        (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "hello_site-1.0-py3-none-any.whl").write_bytes(hello_wheel())
    with served_site(tmp_path, urlsplit(site_url).path) as url:
        yield url


def test_micropip_installs_a_wheel_served_by_the_site(page: Page, ui, site_with_a_wheel: str,
                                                      page_guard):
    page_guard.origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_with_a_wheel))
    page.goto(site_with_a_wheel)
    ui.run("import micropip\n"
           "await micropip.install('wheels/hello_site-1.0-py3-none-any.whl')\n"
           "import hello_site\n"
           "print(hello_site.greet())\n")
    expect(ui.output).to_contain_text("Loaded micropip, packaging (0.2 MB)")
    expect(ui.output).to_contain_text("hello from a wheel on the site")


def test_micropip_offline_says_so_and_the_page_stays_usable(page: Page, ui, site_url: str,
                                                            page_guard):
    index = []

    def offline(route) -> None:
        index.append(route.request.url)
        route.abort("internetdisconnected")

    # The snippet asks for the package index: that one origin may be tried, and it is offline.
    page_guard.allow("https://pypi.org")
    page.context.route("https://pypi.org/**", offline)
    page.goto(site_url)
    ui.run("import micropip\nawait micropip.install('snowballstemmer')\n",
           re.compile(r"AbortError \(line 2\)"))
    expect(ui.output).to_contain_text("micropip could not reach the package index")
    expect(ui.output).to_contain_text("Offline, the playground has the standard library and: ad,")
    expect(ui.output).to_contain_text("the browser looks offline")
    assert index and all(url.startswith("https://pypi.org/simple/") for url in index)
    ui.run("print('still here')\n")
    expect(ui.output).to_have_text("still here\n")


def test_the_pages_policy_lets_micropip_reach_the_package_index_and_nothing_else(page: Page,
                                                                                site_url: str):
    page.goto(site_url)
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["connect-src"].split() == [
        "'self'", "https://pypi.org", "https://files.pythonhosted.org"]
    assert directives["default-src"] == "'self'"
