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


# ---- every page as every role sees it -------------------------------------------------------

HREF = re.compile(r'href="(/[^"#]*)"')
# Not pages: leaving, switching language, files and downloads.
NOT_PAGES = re.compile(
    r"^/(accounts/logout|i18n/)|/(photos|attachments)/|\.(xlsx|csv|docx|txt|zip|jpg|json)$"
    r"|/export\.|/sheets/|/feed/|^/static/|^/media/|^/admin/"
)
PER_KIND = 3  # pages of one URL pattern visited (case 1, 2, 3 … say the same)


def _crawl(client, start: list[str], limit: int = 300) -> dict[str, str]:
    """The HTML of every page reachable from `start` by links, at most PER_KIND per URL name."""
    from django.urls import Resolver404, resolve

    seen: set[str] = set()
    kinds: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = list(start)
    while queue and len(pages) < limit:
        url = queue.pop(0).replace("&amp;", "&")
        if url in seen or NOT_PAGES.search(url.split("?")[0]):
            continue
        seen.add(url)
        try:
            match = resolve(url.split("?")[0])
        except Resolver404:
            continue
        kind = f"{match.namespace}:{match.url_name}"
        if kinds.get(kind, 0) >= PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(HREF.findall(html))
    return pages


def test_no_page_of_any_role_shows_a_template_comment(client, db):
    """Every page each demo account reaches by following links (and the public pages) is
    free of `{#` and `#}`: a comment Django did not take as one shows on the page (the
    results page once showed one to organizers)."""
    import io

    from django.core.management import call_command

    from accounts.models import User

    call_command("load_demo", stdout=io.StringIO())
    shown = {}
    visited = {}
    for username in (None, "organizer", "unit1", "judge1", "judge4", "editor"):
        client.logout()
        if username:
            client.force_login(User.objects.get(username=username))
        pages = _crawl(client, ["/", "/series/", "/judging/notice/2025-civic-cases/"])
        visited[username] = len(pages)
        shown.update(
            {
                f"{username}: {url}": html
                for url, html in pages.items()
                if "{#" in html or "#}" in html
            }
        )
    assert list(shown) == []
    # the walk really reached the pages of each role
    assert visited["organizer"] > 40 and visited["unit1"] > 5 and visited["judge1"] > 5
    assert visited["editor"] > 5 and visited[None] >= 2
