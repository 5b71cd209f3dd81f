"""The exercise link format as `build.py run --exercise` reads it (web/headless.py), without a
browser: `?exercise#v1.` + base64url(deflate-raw(UTF-8 JSON {kind, task, starter, checks})), the
page's format (tests/e2e/test_exercises.py proves the page's links read the same); links that
cannot be read are refused before a browser starts, saying why."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from web import headless
from web.headless import exercise_fragment, exercise_title, read_exercise_link

TASK = "# Ünïcode ∂ title\n\nWrite $\\frac{1}{2}$ of it.\n"


def pack(data: bytes) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return "v1." + base64.urlsafe_b64encode(packer.compress(data) + packer.flush()) \
        .decode().rstrip("=")


def test_a_link_reads_back_whole_as_a_url_or_a_fragment():
    fragment = exercise_fragment(TASK, "x = 1\n", "from lessoncheck import check\n")
    assert fragment.startswith("v1.") and "=" not in fragment
    want = {"task": TASK, "starter": "x = 1\n", "checks": "from lessoncheck import check\n"}
    assert read_exercise_link(fragment) == want
    assert read_exercise_link(f"https://example.org/ad/?exercise#{fragment}") == want
    assert exercise_title(TASK) == "Ünïcode ∂ title"
    assert exercise_title("no title line") == "Exercise"


def test_an_attempt_and_unknown_fields_are_ignored_but_the_three_are_required():
    data = {"kind": "ad-exercise", "task": "t", "starter": "s", "checks": "c",
            "attempt": "mine", "later": 1}
    assert read_exercise_link(pack(json.dumps(data).encode())) == \
        {"task": "t", "starter": "s", "checks": "c"}
    del data["checks"]
    with pytest.raises(ValueError, match="checks are missing"):
        read_exercise_link(pack(json.dumps(data).encode()))


@pytest.mark.parametrize(("link", "said"), [
    ("https://example.org/ad/?exercise", "no #v1"),
    ("https://example.org/ad/#v9.abc", "format v9"),
    (exercise_fragment("t", "s", "c")[:-6], "damaged"),
    ("v1.!!!", "no #v1"),
    (pack(b"print('a share link to code')\n"), "damaged"),
    (pack(json.dumps({"task": "t", "starter": "s", "checks": "c"}).encode()), "not an exercise"),
    (pack(b"\xff\xfe"), "damaged"),
])
def test_a_link_that_cannot_be_read_says_why(link, said):
    with pytest.raises(ValueError, match=said):
        read_exercise_link(link)


def test_a_link_is_limited_in_length_and_in_what_it_inflates_to():
    with pytest.raises(ValueError, match="more than the 32,000"):
        read_exercise_link("v1." + "A" * 32_000)
    bomb = pack(json.dumps({"kind": "ad-exercise", "task": "a" * 1_000_000, "starter": "",
                            "checks": ""}).encode())
    assert len(bomb) < 32_000  # a small link...
    with pytest.raises(ValueError, match="too large"):
        read_exercise_link(bomb)  # ...that would inflate to a megabyte


def test_the_command_line_refuses_a_bad_link_before_starting_a_browser(tmp_path, capsys,
                                                                       monkeypatch):
    answer = tmp_path / "answer.py"
    answer.write_text("x = 1\n")
    monkeypatch.setattr(headless, "launch_chromium", lambda *a: pytest.fail("a browser started"))
    not_one = pack(json.dumps({"task": "t", "starter": "s", "checks": "c"}).encode())
    code = headless.main(["--exercise", f"https://example.org/?exercise#{not_one}", str(answer)])
    assert code == 2
    assert "build.py run --exercise: this link is not an exercise" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one of --lesson and --exercise, not both
        headless.main(["--lesson", "01-the-seed", "--exercise", "v1.x", str(answer)])
