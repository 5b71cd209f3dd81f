"""The lessons as files (web/lessons/NN-slug/), for the lesson tests in CPython and in the page.

Each mistake in a lesson's mistakes/ names, on a line `# expect-hint: ...`, the text the hint
of one of its failed checks must contain.
"""

from __future__ import annotations

import re
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


def expected_hint(code: str) -> str:
    match = EXPECT_HINT.search(code)
    if match is None:
        raise AssertionError("a mistake must name its hint on a line '# expect-hint: ...'")
    return match.group(1).strip()


LESSONS = tuple(LessonFiles(p) for p in sorted(LESSONS_DIR.iterdir())
                if p.is_dir() and FOLDER.match(p.name))
