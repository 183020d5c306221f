"""The content of an installment as readers see it, and its text layout.

The layout is described, with an example, in docs/publication-layout.md.

`draft_content` renders the editor's draft into a plain dict; publishing stores that dict (with
photo copies) as an InstallmentVersion. Every output — the web page, the preview, the feed, the
txt, docx and html exports — is made from such a dict, so all of them say the same thing.

Content keys: series_title, number, numeral, heading, host_line, headline, editors_note
(list of paragraphs), byline, features (title, unit_line, category when the case has one,
award when the case has one (十佳案例 / 优秀案例), paragraphs, photos: uid or source_uid, caption,
width, height). No contact data of a unit is
ever part of it.
"""

import copy
import re
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist

from core.text import xml_text

from .numerals import chinese_numeral, installment_heading

# Fixed words of the newspaper layout: part of the published text in every language.
CASE_LABEL = "案例"
UNIT_LABEL = "选送单位："
CATEGORY_LABEL = "组别："
HOST_LABEL = "主办："
NOTE_LABEL = "编者按："
CAPTION_MARK = "■"
#: The award tiers (judging.Award.Level values) as readers see them, in every language.
AWARD_LABELS = {"top": "十佳案例", "excellent": "优秀案例"}

_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_NOTE_PREFIX = re.compile(r"^编者按\s*[：:]\s*")


def clean_line(text: str) -> str:
    """One printed line: runs of ASCII whitespace become one space; ends are stripped
    (full-width indent spaces too: the web adds its own indent, print has its own style).
    Control characters are dropped: the feeds and the .docx are XML, which cannot hold them."""
    return xml_text(_SPACES.sub(" ", text or "")).strip()


def xml_safe(value):
    """A content dict (or any part of it) with every string fit for XML: versions published
    before control characters were cleaned still export and feed."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    return value


def paragraphs(text: str) -> list[str]:
    """Body or note text → its non-empty paragraphs (one per line)."""
    return [p for p in (clean_line(line) for line in (text or "").splitlines()) if p]


def clean_caption(text: str) -> str:
    """A caption without the ■ mark (submissions sometimes type it; the layout adds it)."""
    return clean_line(text).lstrip(CAPTION_MARK).strip()


def body_length(text: str) -> int:
    """Characters of a body as the print desk counts them: no spaces or line breaks."""
    return len(re.sub(r"\s", "", text or ""))


def draft_content(installment) -> dict:
    """The installment's draft as readers would see it (features and photos prefetched)."""
    series = installment.series
    features = []
    for feature in installment.features.all():
        category = feature.case.category
        award = _award_label(feature.case)
        features.append(
            {
                "case_id": feature.case_id,
                "title": clean_line(feature.title),
                "unit_line": clean_line(feature.unit_line),
                # Only a case of a call with categories carries the key (its category line).
                **({"category": clean_line(category.name)} if category is not None else {}),
                # The award tier (十佳案例, 优秀案例) frozen with the version; versions published
                # before it was recorded have no key and show none.
                **({"award": award} if award else {}),
                "paragraphs": paragraphs(feature.body),
                "photos": [
                    {
                        "source_uid": str(fp.photo.uid),
                        "caption": clean_caption(fp.caption),
                        "width": fp.photo.width,
                        "height": fp.photo.height,
                    }
                    for fp in feature.photos.all()
                ],
            }
        )
    return {
        "series_title": clean_line(series.title),
        "number": installment.number,
        "numeral": chinese_numeral(installment.number),
        "heading": installment_heading(clean_line(series.title), installment.number),
        "host_line": clean_line(series.host_line),
        "headline": clean_line(installment.headline),
        "editors_note": [_NOTE_PREFIX.sub("", p) for p in paragraphs(installment.editors_note)],
        "byline": clean_line(installment.byline),
        "features": features,
    }


def _award_label(case) -> str:
    """The tier of the case's award (judging.Award, prefetched as `case.award`), or ""."""
    try:
        award = case.award
    except ObjectDoesNotExist:
        return ""
    return AWARD_LABELS.get(award.level, "") if award is not None else ""


def comparable(content: dict) -> dict:
    """Content without what only differs between a draft and its frozen copy (photo files)."""
    data = copy.deepcopy(content)
    for feature in data.get("features", []):
        for photo in feature.get("photos", []):
            photo.pop("uid", None)
            photo.pop("url", None)
            photo.pop("width", None)
            photo.pop("height", None)
    return data


def with_photo_urls(content: dict, url_for: Callable[[dict], str]) -> dict:
    """A copy of the content whose photos carry the `url` a page or file shows them by."""
    data = copy.deepcopy(content)
    for feature in data["features"]:
        for photo in feature["photos"]:
            photo["url"] = url_for(photo)
    return data


def layout_lines(content: dict) -> list[str]:
    """The installment as printed text, line by line (docs/publication-layout.md)."""
    blocks: list[list[str]] = []
    head = [content["heading"]]
    if content.get("host_line"):
        head.append(HOST_LABEL + content["host_line"])
    blocks.append(head)
    if content.get("headline"):
        blocks.append([content["headline"]])
    note = content.get("editors_note") or []
    if note:
        blocks.append([NOTE_LABEL + note[0], *note[1:]])
    for feature in content["features"]:
        case_lines = [f"{CASE_LABEL} {feature['title']}", UNIT_LABEL + feature["unit_line"]]
        if feature.get("category"):
            case_lines.append(CATEGORY_LABEL + feature["category"])
        case_lines.extend(feature["paragraphs"])
        case_lines.extend(CAPTION_MARK + p["caption"] for p in feature["photos"] if p["caption"])
        blocks.append(case_lines)
    if content.get("byline"):
        blocks.append([content["byline"]])
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines.extend(block)
    return lines


def layout_text(content: dict) -> str:
    return "\n".join(layout_lines(content)) + "\n"


def summary(content: dict) -> str:
    """A short description for feeds and listings: the case titles."""
    return "；".join(f["title"] for f in content["features"])
