"""The repository stands alone: no tracked file refers to a file outside it.

A clone must build, test and explain itself. So no tracked text file may name a folder beside the
checkout (`../shared/…`), an absolute path on one machine (`/work/…`, a home folder), or a
Markdown document that is not in the repository (a design note kept elsewhere). Test data is
made by the tests (tests/imagegen.py), design notes live in docs/.

Two files are exceptions: this one (it spells out the patterns it looks for) and `.ci/run`,
which uses the CI machine's optional image corpus beside the checkout when it is there (the
suite passes without it: tests/imagegen.py makes what every run needs).
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(REPO).as_posix()
EXCEPTIONS = {THIS_FILE, ".ci/run"}

#: (pattern, what it means) for paths that can only exist outside the repository.
OUTSIDE_PATTERNS = [
    (re.compile(r"\.\.[/\\]+(?:\.\.[/\\]+)*shared\b"), "a folder beside the repository"),
    (re.compile(r"/\s*[\"']shared[\"']"), "a folder beside the repository"),
    (re.compile(r"(?<![\w.])/work/"), "an absolute path on one machine"),
    (re.compile(r"(?<![\w.])(?:/home/|/Users/)[\w.-]+"), "a home folder"),
    (re.compile(r"(?<![\w.])/root/"), "a home folder"),
    (re.compile(r"(?<![\w.:])~/"), "a home folder"),
]
#: A Markdown document named in the text; a URL (with ://) is a web address, not a file.
MARKDOWN_NAME = re.compile(r"[\w./:-]*\w\.md\b")


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"`git ls-files` failed in {REPO}: this test needs a git checkout ({error})")
    return [name for name in listed.decode("utf-8").split("\0") if name]


def read_text(path: Path) -> str | None:
    """The file's text, or None for a binary file (images, compiled translations)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def document_exists(name: str, referrer: str, tracked: set[str]) -> bool:
    """Whether the Markdown document `name`, written in `referrer`, is in the repository:
    relative to the repository root, relative to the referring file, or as the end of a path."""
    name = name.removeprefix("./")
    candidates = {
        os.path.normpath(name),
        os.path.normpath(os.path.join(os.path.dirname(referrer), name)),
    }
    if candidates & tracked:
        return True
    return "/" not in name and any(path.endswith("/" + name) for path in tracked)


def outside_references(path: str, text: str, tracked: set[str]) -> list[str]:
    """One message per reference to a file outside the repository: `path:line: …`."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, meaning in OUTSIDE_PATTERNS:
            for found in pattern.finditer(line):
                problems.append(f"{path}:{number}: {found.group(0)!r} is {meaning}")
        for found in MARKDOWN_NAME.finditer(line):
            name = found.group(0)
            if "://" in name or document_exists(name, path, tracked):
                continue
            problems.append(
                f"{path}:{number}: {name!r} is a document that is not in the repository"
            )
    return problems


def test_no_tracked_file_refers_to_a_file_outside_the_repository() -> None:
    tracked = tracked_files()
    tracked_set = set(tracked)
    problems = []
    for name in tracked:
        path = REPO / name
        if name in EXCEPTIONS or not path.is_file():
            continue
        text = read_text(path)
        if text is not None:
            problems.extend(outside_references(name, text, tracked_set))
    assert problems == [], "Files outside the repository are named in:\n" + "\n".join(problems)


TRACKED_EXAMPLE = {"README.md", "docs/design.md", "docs/publication-layout.md", "tests/x.py"}
#: Documents that are not in the repository, spelled so that this file names none itself.
MISSING_DESIGN, MISSING_STYLE = "DESIGN" + ".md", "STYLE" + ".md"
MISSING = "is a document that is not in the repository"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "base = root.parent / '../shared/testdata'",
            "'../shared' is a folder beside the repository",
        ),
        ("see ..\\..\\shared\\DESIGN", "'..\\\\..\\\\shared' is a folder beside the repository"),
        ('REPO.parent / "shared" / "testdata"', "'/ \"shared\"' is a folder beside the repository"),
        ("open('/work/shared/DESIGN')", "'/work/' is an absolute path on one machine"),
        ("cp /home/alice/photos .", "'/home/alice' is a home folder"),
        ("cat ~/notes.txt", "'~/' is a home folder"),
        (f"as {MISSING_DESIGN} says", f"'{MISSING_DESIGN}' {MISSING}"),
        (f"see docs/{MISSING_DESIGN}", f"'docs/{MISSING_DESIGN}' {MISSING}"),
        (f"rules in {MISSING_STYLE}", f"'{MISSING_STYLE}' {MISSING}"),
    ],
)
def test_a_reference_outside_is_reported_with_file_and_line(text: str, message: str) -> None:
    problems = outside_references("tests/x.py", f"first line\n{text}\n", TRACKED_EXAMPLE)
    assert problems == [f"tests/x.py:2: {message}"]


@pytest.mark.parametrize(
    "text",
    [
        "the layout of docs/publication-layout.md",
        "[layout](publication-layout.md)",  # relative to docs/design.md
        "README.md tells how to run it",
        "https://github.com/floating-ui/popper-docs/blob/main/docs/v2/index.md",
        'upload("../../单位.csv")  # a path-traversal attempt, as test input',
        "https://example.org/work/home/",
    ],
)
def test_references_inside_the_repository_pass(text: str) -> None:
    assert outside_references("docs/design.md", text, TRACKED_EXAMPLE) == []
