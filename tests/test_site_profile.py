"""The site profile (网站信息): the organizer's page, the logo's checks, the header and footer of
every page, its cache (one query at most per page, none when cached) and its audit entries;
and the call documents the organizer adds to a call."""

import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from core import cache as caches
from core import site
from core.models import SiteProfile
from submissions.models import CallDocument

from . import access
from .factories import CallDocumentFactory, SiteProfileFactory, jpeg_bytes
from .imagegen import png_header_only
from .submissions.casekit import docx_bytes, pdf_bytes

PROFILE = {
    "portal_name": "某区文明创建案例征集评选平台",
    "host_org": "某区委宣传部 某区文明办",
    "contact_phone": "010-12345678",
    "contact_email": "wmb@example.gov.cn",
    "address": "某区人民路1号",
    "icp_number": "京ICP备12345678号-1",
    "police_number": "京公网安备11010502000001号",
}


def _png(size=(300, 120)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (179, 38, 30, 255)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def visitor():
    """Someone not logged in (`client` is the organizer's once `org_client` is used)."""
    return Client()


def _save(client, **files):
    return client.post(reverse("site_profile"), {**PROFILE, **files})


def test_organizer_fills_in_the_profile_and_every_page_shows_it(org_client, visitor, db):
    logo = SimpleUploadedFile("标志.png", _png(), content_type="image/png")

    response = _save(org_client, logo_file=logo)

    assert (response.status_code, response["Location"]) == (302, reverse("site_profile"))
    profile = SiteProfile.objects.get()
    assert profile.host_org == "某区委宣传部 某区文明办"
    assert profile.logo.name == f"site/logo-{profile.logo_token}.png"
    for page in (reverse("home"), reverse("accounts:login")):  # public and signed-in pages
        html = visitor.get(page).content.decode()
        footer = html.split('id="site-footer"')[1]
        assert "Hosted by 某区委宣传部 某区文明办" in footer
        assert '<a href="tel:010-12345678">010-12345678</a>' in footer
        assert '<span class="text-nowrap" id="footer-icp">京ICP备12345678号-1</span>' in footer
        assert '<span class="text-nowrap" id="footer-police">京公网安备11010502000001号' in footer
        assert "某区人民路1号" in footer
        brand = html.split('id="site-brand">')[1].split("</a>")[0]
        assert brand == (
            f'<img src="/site/logo/{profile.logo_token}.png" alt="" class="site-logo">'
            "<span>某区文明创建案例征集评选平台</span>"
        )
    org_html = org_client.get(reverse("submissions:call_list")).content.decode()
    assert "京ICP备12345678号-1" in org_html
    assert f'href="{reverse("site_profile")}" id="nav-site-profile"' in org_html


def test_logo_is_stored_as_a_small_png_and_served_to_anyone(org_client, visitor, db):
    _save(org_client, logo_file=SimpleUploadedFile("logo.jpg", jpeg_bytes(size=(1600, 400))))
    token = SiteProfile.objects.get().logo_token

    response = visitor.get(reverse("site_logo", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as img:
        assert (img.format, img.size) == ("PNG", (600, 150))
    assert visitor.get(reverse("site_logo", args=["0" * 32])).status_code == 404


def test_a_new_logo_replaces_the_old_one_under_a_new_name(
    org_client, visitor, db, django_capture_on_commit_callbacks
):
    _save(org_client, logo_file=SimpleUploadedFile("a.png", _png()))
    old = SiteProfile.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        _save(org_client, logo_file=SimpleUploadedFile("b.png", _png((100, 100))))

    new = SiteProfile.objects.get()
    assert new.logo_token != old.logo_token
    assert not old.logo.storage.exists(old.logo.name)
    assert visitor.get(reverse("site_logo", args=[old.logo_token])).status_code == 404
    assert visitor.get(reverse("site_logo", args=[new.logo_token])).status_code == 200


def test_removing_the_logo(org_client, visitor, db):
    _save(org_client, logo_file=SimpleUploadedFile("a.png", _png()))

    _save(org_client, remove_logo="on")

    assert SiteProfile.objects.get().logo == ""
    assert 'class="site-logo"' not in visitor.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.png", b"not a picture at all", "“logo.png” is not a PNG, JPEG or WebP picture"),
        ("logo.png", b"", "“logo.png” is empty (0 bytes)."),
        ("logo.gif", b"GIF89a" + b"\x00" * 40, "“logo.gif” is not a PNG, JPEG or WebP picture"),
        ("bomb.png", png_header_only(20000, 20000), "“bomb.png” is too large a picture"),
        ("logo.png.html", _png(), "“logo.png.html” is refused"),
        ("big.png", b"\x89PNG" + b"\x00" * (2 * 1024 * 1024), "“big.png” is larger than 2 MB."),
    ],
)
def test_a_bad_logo_is_refused_with_its_name_and_nothing_is_saved(
    org_client, db, name, data, message
):
    response = _save(org_client, logo_file=SimpleUploadedFile(name, data))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SiteProfile.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", access.LOGIN), ("unit", 403), ("editor", 403), ("organizer", 200)],
)
def test_only_organizers_edit_the_profile(client, db, organizer, editor, user_a, role, expected):
    people = {"anonymous": None, "unit": user_a, "editor": editor, "organizer": organizer}

    access.expect(client, people[role], reverse("site_profile"), expected)
    refused = access.expect(
        client,
        people[role],
        reverse("site_profile"),
        access.REDIRECT if role == "organizer" else expected,
        method="post",
        data=PROFILE,
    )

    assert SiteProfile.objects.filter(host_org=PROFILE["host_org"]).exists() == (
        role == "organizer"
    ), refused


def test_the_profile_costs_one_query_when_not_cached_and_none_when_cached(
    client, db, django_assert_num_queries
):
    SiteProfileFactory()
    cache.clear()

    with django_assert_num_queries(1):
        assert site.site_profile()["host_org"] == "某区委宣传部 某区文明办"
    with django_assert_num_queries(0):
        assert site.site_profile()["icp_number"] == "京ICP备12345678号-1"
        client.get(reverse("accounts:login"))


def test_saving_the_profile_refreshes_the_cached_header_and_home(org_client, visitor, db):
    before = visitor.get(reverse("home")).content.decode()
    assert "某区委宣传部 某区文明办" not in before

    _save(org_client)

    assert "某区委宣传部 某区文明办" in visitor.get(reverse("home")).content.decode()


def test_profile_changes_are_in_the_audit_trail(org_client, organizer, db):
    _save(org_client)

    entry = LogEntry.objects.get_for_model(SiteProfile).get()
    assert entry.actor == organizer
    assert entry.changes_dict["icp_number"] == ["None", "京ICP备12345678号-1"]


def test_empty_profile_shows_the_default_name(client, db):
    caches.site_profile_changed()

    html = client.get(reverse("home")).content.decode()

    assert "<span>文明创建案例征集评选平台</span>" in html


# ---------------------------------------------------------------- call documents


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.append(["单位", "联系人"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("通知.pdf", pdf_bytes(), ".pdf"),
        ("通知.docx", docx_bytes(), ".docx"),
        ("表.xlsx", _xlsx(), ".xlsx"),
    ],
)
def test_organizer_adds_a_document_anyone_downloads_it(
    org_client, visitor, call, name, data, extension
):
    url = reverse("submissions:call_document_add", args=[call.slug])

    response = org_client.post(
        url, {"title": "征集通知（全文）", "file": SimpleUploadedFile(name, data)}
    )

    assert response.status_code == 302
    doc = CallDocument.objects.get()
    assert (doc.title, doc.extension, doc.size) == ("征集通知（全文）", extension, len(data))
    download = visitor.get(doc.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert f"征集通知（全文）{extension}" in download["Content-Disposition"] or (
        "filename*=utf-8''" in download["Content-Disposition"]
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("通知.xlsx", docx_bytes(), "“通知.xlsx” cannot be opened as an Excel (.xlsx) file"),
        ("通知.pdf", _xlsx(), "“通知.pdf” holds a Word (.docx) file"),
        ("通知.txt", b"plain text", "“通知.txt” is not a PDF or Word file."),
        ("通知.xlsx", b"", "“通知.xlsx” is empty (0 bytes)."),
    ],
)
def test_a_document_that_is_not_what_it_says_is_refused(org_client, call, name, data, message):
    url = reverse("submissions:call_document_add", args=[call.slug])

    response = org_client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)

    assert message in response.content.decode()
    assert not CallDocument.objects.exists()


def test_organizer_removes_a_document_and_its_file(
    org_client, call, django_capture_on_commit_callbacks
):
    doc = CallDocumentFactory(call=call)
    name = doc.file.name

    with django_capture_on_commit_callbacks(execute=True):
        org_client.post(reverse("submissions:call_document_remove", args=[call.slug, doc.uid]))

    assert not CallDocument.objects.exists()
    assert not doc.file.storage.exists(name)


def test_the_units_call_page_links_the_documents(client, call, user_a):
    doc = CallDocumentFactory(call=call, title="征集通知（全文）")
    client.force_login(user_a)

    html = client.get(reverse("submissions:call_detail", args=[call.slug])).content.decode()

    link = f'<a href="{doc.get_absolute_url()}" data-document="{doc.uid}" download>'
    assert f"{link}征集通知（全文）</a>" in html
