"""Template source rules that Django does not enforce itself."""

import re
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


def _templates():
    for path in sorted(REPO.glob("**/templates/**/*.html")):
        if ".venv" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_every_table_scrolls_sideways_in_a_table_responsive_box():
    """On a phone a table scrolls sideways instead of squeezing its columns until every
    heading and button breaks one character a line (issue 13): each <table> sits directly in a
    <div class="table-responsive">."""
    bare = []
    for path, text in _templates():
        for match in re.finditer(r"<table\b", text):
            before = text[: match.start()]
            opening = before[before.rfind("<div") :]
            tag, _, between = opening.partition(">")
            if "table-responsive" not in tag or between.strip():
                bare.append(f"{path.relative_to(REPO)}:{before.count(chr(10)) + 1}")
    assert bare == []


def test_buttons_and_tabs_never_wrap():
    css = (REPO / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    rule = re.search(r"^\.btn, \.nav-link[^{]*\{([^}]*)\}", css, re.MULTILINE)
    assert rule is not None
    assert "white-space: nowrap" in rule.group(1)
