"""The public home's demo: the site profile with its logo, and the open call's document;
a second run changes nothing."""

import io

import docx
from PIL import Image

from core.models import SiteProfile
from publishing.demo_public import build_public_home, demo_logo
from submissions.models import CallDocument

from ..factories import CallFactory


def test_demo_fills_the_profile_and_the_open_calls_document_once(db, organizer):
    call = CallFactory(slug="2026-civic-cases", notice="各单位：\n现开展案例征集。")

    report = build_public_home("2026-civic-cases", actor=organizer)

    assert report == [
        "site profile: 某区委宣传部 某区文明办, with a logo",
        "call document of 2026-civic-cases: 征集通知（全文）",
    ]
    profile = SiteProfile.objects.get()
    assert (profile.host_org, profile.icp_number) == (
        "某区委宣传部 某区文明办",
        "京ICP备12345678号-1",
    )
    with profile.logo.open("rb") as fh, Image.open(fh) as img:
        assert (img.format, img.size) == ("PNG", (240, 240))
    doc = CallDocument.objects.get()
    assert (doc.call, doc.title, doc.extension) == (call, "征集通知（全文）", ".docx")
    with doc.file.open("rb") as fh:
        text = [p.text for p in docx.Document(fh).paragraphs]
    assert text[-2:] == ["各单位：", "现开展案例征集。"]

    assert build_public_home("2026-civic-cases", actor=organizer) == []
    assert CallDocument.objects.count() == 1


def test_demo_logo_is_a_picture_with_transparent_corners():
    with Image.open(io.BytesIO(demo_logo())) as img:
        assert img.getpixel((0, 0))[3] == 0
        assert img.getpixel((120, 12))[:3] == (179, 38, 30)
