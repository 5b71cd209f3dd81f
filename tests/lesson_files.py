"""The lessons as files (web/lessons/NN-slug/), for the lesson tests in CPython and in the page.

Each mistake in a lesson's mistakes/ names, on a line `# expect-hint: TEXT`, the text that the
first hint (the nudge a failed check shows before More help) of one of its failed checks must
contain: the nudge must name that mistake, in terms of the reasoning, not the line to type.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent.parent / "web" / "lessons"
FOLDER = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*$")
EXPECT_HINT = re.compile(r"^# expect-hint: (.+)$", re.M)


@dataclass(frozen=True)
class LessonFiles:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def title(self) -> str:
        return (self.path / "lesson.md").read_text().splitlines()[0].removeprefix("# ").strip()

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    @property
    def starter(self) -> str:
        return self.read("starter.py")

    @property
    def solution(self) -> str:
        return self.read("solution.py")

    @property
    def checks(self) -> str:
        return self.read("checks.py")

    @property
    def mistakes(self) -> list[Path]:
        return sorted((self.path / "mistakes").glob("*.py"))

    @property
    def answer_lines(self) -> list[str]:
        """The solution's code lines the starter does not hold (comments dropped, whitespace
        normalised, lines under 12 characters left out): what no hint may show."""
        starter = set(code_lines(self.starter))
        return [line for line in code_lines(self.solution)
                if line not in starter and len(line) >= MIN_ANSWER_LINE]


MIN_ANSWER_LINE = 12  # shorter lines (`return`, `pass`, `visit(inp)`) say nothing on their own


def code_lines(source: str) -> list[str]:
    """Each line of code without its comment, whitespace runs made one space; no blank lines."""
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    return [" ".join(line.split()) for line in lines if line.strip()]


def expected_hint(code: str) -> str:
    match = EXPECT_HINT.search(code)
    if match is None:
        raise AssertionError("a mistake must name its hint on a line '# expect-hint: ...'")
    return match.group(1).strip()


LESSONS = tuple(LessonFiles(p) for p in sorted(LESSONS_DIR.iterdir())
                if p.is_dir() and FOLDER.match(p.name))
