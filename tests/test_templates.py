"""Template source rules that Django does not enforce itself."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_no_template_comment_spans_lines():
    """`{# … #}` ends on its own line: Django prints a comment spread over two lines as text on
    the page (the results page once showed one to organizers). Longer notes use
    {% comment %}…{% endcomment %}."""
    broken = []
    for path in sorted(REPO.glob("**/templates/**/*.html")):
        if ".venv" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.count("{#") != line.count("#}"):
                broken.append(f"{path.relative_to(REPO)}:{number}")
    assert broken == []
