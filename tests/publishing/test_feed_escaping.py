"""Editors' text in the feeds is shown, never run (issue 12, finding 4).

A feed reader renders some elements as HTML: RSS <description> (channel and items) and Atom
text constructs with type="html". These tests read every element of both feeds the way a reader
does — the XML parsed (one level of entity decoding), then the HTML elements parsed as HTML — and
check that no element holds a live tag or a javascript: URL, and that the text a reader shows is
exactly what the editor typed.
"""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from publishing import services

from .kit import awarded_call, draft, ready

ATOM = "{http://www.w3.org/2005/Atom}"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
LINK = '<a href="javascript:alert(3)">点我</a>'
ENTITIES = "&lt;b&gt; &amp; R&D 'q' \"dq\""

SERIES_TITLE = f"巡礼{SCRIPT}"
HOST_LINE = f"主办方{ENTITIES}{IMG}"
CASE_1 = f"案例{IMG}"
CASE_2 = f"案例{LINK}{ENTITIES}"
HEADLINE = f"标题{LINK}"
NOTE = f"按语{SCRIPT}{ENTITIES}"
BYLINE = f"文/{IMG}"


class _Reader(HTMLParser):
    """What a feed reader makes of an HTML element: its tags and the text it shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.shown: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "br":
            self.shown.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags.append((f"/{tag}", []))

    def handle_data(self, data: str) -> None:
        self.shown.append(data)


def _shown_as_html(text: str) -> str:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    live = [tag for tag in reader.tags if tag != ("br", [])]
    assert live == [], f"live markup {live} in {text!r}"
    return "".join(reader.shown)


def _is_html(element: ET.Element, *, atom: bool) -> bool:
    if atom:
        assert element.get("type") != "xhtml"
        return element.get("type") == "html"
    return element.tag == "description"


def _shown(root: ET.Element, *, atom: bool) -> dict[ET.Element, str]:
    """Every element with text → the text a reader shows; checks every element and attribute."""
    shown = {}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not value.strip().lower().startswith("javascript:"), (element.tag, name)
        text = element.text or ""
        if not text.strip():
            continue
        assert not text.strip().lower().startswith("javascript:"), element.tag
        shown[element] = _shown_as_html(text) if _is_html(element, atom=atom) else text
    return shown


@pytest.fixture
def hostile_series(editor):
    call = awarded_call(
        top=2, excellent=0, photos=0, titles={1: (CASE_1, "单位1"), 2: (CASE_2, "单位2")}
    )
    series = draft(call, editor=editor, title=SERIES_TITLE)
    services.series_update(
        series=series,
        title=SERIES_TITLE,
        host_line=HOST_LINE,
        print_min_long_side=series.print_min_long_side,
        print_max_body_chars=series.print_max_body_chars,
        actor=editor,
    )
    inst = series.installments.get()
    ready(inst, headline=HEADLINE, editors_note=NOTE, byline=BYLINE, editor=editor)
    services.installment_publish(installment=inst, actor=editor)
    return series


def _feed(client, kind: str) -> ET.Element:
    response = client.get(f"/series/xunli/feed/{kind}/")
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 — the portal's own feed, made by this test


ITEM_TITLE = f"{SERIES_TITLE}(一) {HEADLINE}"
DESCRIPTION = f"编者按：{NOTE}\n{CASE_1}；{CASE_2}"


def test_rss_feed_shows_editors_text_as_typed_and_runs_none_of_it(client, hostile_series):
    root = _feed(client, "rss")
    shown = _shown(root, atom=False)
    channel = root.find("channel")
    item = channel.find("item")
    assert shown[channel.find("title")] == SERIES_TITLE
    assert shown[channel.find("description")] == f"主办：{HOST_LINE}"
    assert shown[item.find("title")] == ITEM_TITLE
    assert shown[item.find("description")] == DESCRIPTION
    assert shown[item.find("{http://purl.org/dc/elements/1.1/}creator")] == BYLINE
    assert channel.find("link").text == "http://testserver/series/xunli/"
    assert item.find("link").text == "http://testserver/series/xunli/1/"


def test_atom_feed_shows_editors_text_as_typed_and_runs_none_of_it(client, hostile_series):
    root = _feed(client, "atom")
    shown = _shown(root, atom=True)
    entry = root.find(f"{ATOM}entry")
    assert shown[root.find(f"{ATOM}title")] == SERIES_TITLE
    assert shown[root.find(f"{ATOM}subtitle")] == f"主办：{HOST_LINE}"
    assert shown[entry.find(f"{ATOM}title")] == ITEM_TITLE
    assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert shown[entry.find(f"{ATOM}summary")] == DESCRIPTION
    assert shown[entry.find(f"{ATOM}author/{ATOM}name")] == BYLINE
    assert [link.get("href") for link in root.iter(f"{ATOM}link")] == [
        "http://testserver/series/xunli/",
        "http://testserver/series/xunli/feed/atom/",
        "http://testserver/series/xunli/1/",
    ]


def test_feed_html_shows_line_breaks_and_escapes_markup():
    from publishing.feeds import _html

    assert _html('a<b>&amp;"\nc') == "a&lt;b&gt;&amp;amp;&quot;<br>c"
