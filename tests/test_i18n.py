"""The interface is Simplified Chinese by default, English on request, and fully translated."""

import re
from pathlib import Path
from typing import Literal, TypedDict

import pytest
from django.urls import reverse
from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
PO = REPO / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def chinese_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    translation.activate("zh-hans")
    yield
    translation.activate("en")


def test_login_page_is_chinese_by_default(client, db, chinese_default):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_language_switch_to_english(client, db, chinese_default):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


class _PoEntry(TypedDict):
    flags: str
    msgid: str
    msgstr: str
    ctx: str
    plural: bool


_PO_KEYS: dict[str, Literal["msgid", "ctx"] | None] = {
    "msgid": "msgid",
    "msgid_plural": None,
    "msgctxt": "ctx",
}


def _po_entries(text: str) -> list[_PoEntry]:
    """A small .po reader: msgid, msgstr (plural forms joined) and flags of every entry."""
    entries = []
    for block in text.split("\n\n"):
        entry: _PoEntry = {"flags": "", "msgid": "", "msgstr": "", "ctx": "", "plural": False}
        key: Literal["msgid", "msgstr", "ctx"] | None = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgid_plural", "msgid ", "msgstr", "msgctxt")):
                word, rest = line.split(" ", 1)
                entry["plural"] |= word == "msgid_plural"
                key = _PO_KEYS.get(word, "msgstr")
                if key:
                    entry[key] += rest.strip()[1:-1]
            elif line.startswith('"') and key:
                entry[key] += line.strip()[1:-1]
        if entry["msgid"]:
            entries.append(entry)
    return entries


def test_every_message_is_translated_and_compiled():
    import gettext

    entries = _po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 500
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in entries if not e["msgstr"]] == []
    with PO.with_suffix(".mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    plain = [e for e in entries if not e["ctx"] and "\\" not in e["msgid"]]  # no escapes
    missing = [
        e["msgid"]
        for e in plain
        if (
            catalog.ngettext(e["msgid"], e["msgid"], 1)
            if e["plural"]
            else catalog.gettext(e["msgid"])
        )
        == e["msgid"]
        != e["msgstr"]
    ]
    assert missing[:5] == [], "the .mo is older than the .po: run `make messages`"
    # Chinese has one plural form: without the header's Plural-Forms, "318 entries" falls
    # back to English (the catalog would ask for a second form that does not exist).
    english_plurals = [
        e["msgid"]
        for e in plain
        if e["plural"] and catalog.ngettext(e["msgid"], e["msgid"] + "s", 318) == e["msgid"] + "s"
    ]
    assert english_plurals == []


def test_visitors_switch_language_with_a_link(client, db, chinese_default):
    response = client.get(reverse("language_switch", args=["en"]), {"next": "/series/"})
    assert (response.status_code, response["Location"]) == (302, "/series/")
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in html


def test_language_link_refuses_other_sites_and_unknown_languages(client, db):
    response = client.get(
        reverse("language_switch", args=["en"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert client.get(reverse("language_switch", args=["xx"])).status_code == 404


CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
ASCII_PUNCTUATION = r"[,:;().!?]"
HALF_WIDTH_BESIDE_CJK = re.compile(
    rf"{CJK}[ \t]*{ASCII_PUNCTUATION}|{ASCII_PUNCTUATION}[ \t]*{CJK}"
)
# What may hold ASCII punctuation beside Chinese: placeholders, addresses, file names and
# extensions, decimal numbers, and the series' installment numerals “(一)” as printed.
NOT_PROSE = re.compile(
    r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|https?://\S+|[\w-]*\.(?:xlsx|csv|zip|docx?|pdf|txt|html"
    r"|jpe?g|png)\b|\d+\.\d+|\([一二三四五六七八九十]+\)|…"
)


def test_chinese_messages_use_full_width_punctuation():
    """Chinese text takes ，：；（）。！？ — never ASCII ", : ; ( ) . ! ?" beside a Chinese
    character (“评分标准: 创新性” read as a typo to the people who judged the portal)."""
    catalogues = [PO, *sorted((REPO / "locale" / "pending").glob("*.po"))]
    half_width = [
        entry["msgstr"]
        for po in catalogues
        for entry in _po_entries(po.read_text(encoding="utf-8"))
        if HALF_WIDTH_BESIDE_CJK.search(NOT_PROSE.sub("x", entry["msgstr"]))
    ]
    assert half_width == []


BLOCKTRANSLATE = re.compile(r"\{% blocktranslate.*?\{% endblocktranslate %\}")


def test_templates_join_labels_with_a_translated_separator():
    """“{% translate 'Comment' %}: …” shows “评语: …”; a label and its value are joined by
    {% translate ": " %} (“：” in Chinese), also after a bold label (“<strong>平均分</strong>: …”
    once explained the results' methods)."""
    joined = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "templates").glob("**/*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(%\}|\}\}|</strong>|</b>):(\s|<|$)", BLOCKTRANSLATE.sub("", line))
    ]
    assert joined == []


def test_no_page_tells_people_to_run_manage_py():
    """Organizers work in the browser: a page never sends them to the command line."""
    hints = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "templates").glob("**/*.html"))
        if "manage.py" in path.read_text(encoding="utf-8")
    ]
    assert hints == []
