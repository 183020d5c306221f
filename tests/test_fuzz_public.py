"""Hostile input in the forms of the public home: the organizer's site profile (网站信息: text
fields and the logo upload) and a call's documents. Never a server error; refused input is
shown on the page; what is saved shows on the public pages without breaking them."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.forms import SiteProfileForm
from core.models import SiteProfile
from submissions.forms import CallDocumentForm
from submissions.models import CallDocument

from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    assert_ok,
    fuzzes,
    get_ok,
    hostile,
    hostile_content,
    hostile_filename,
    hostile_small,
    post_ok,
    upload,
)

FIELDS = (
    "portal_name",
    "host_org",
    "contact_phone",
    "contact_email",
    "address",
    "icp_number",
    "police_number",
)


@fuzzes(SiteProfileForm)
@FUZZ
@given(values=st.fixed_dictionaries({f: hostile for f in FIELDS}), remove=hostile_small)
def test_site_profile_text(org_client, db, values, remove):
    response = post_ok(org_client, reverse("site_profile"), {**values, "remove_logo": remove})

    if response.status_code == 302:
        stored = SiteProfile.objects.get()
        assert "\x00" not in stored.host_org
        assert_ok(Client().get(reverse("home")))
    else:
        assert response.status_code == 400
        assert "invalid-feedback" in response.content.decode()


@FUZZ_FEW
@given(name=hostile_filename, content=hostile_content)
def test_site_profile_logo(org_client, db, name, content):
    response = post_ok(
        org_client,
        reverse("site_profile"),
        {"host_org": "某区委宣传部", "logo_file": upload(name, content)},
    )

    # No hostile content is a picture Pillow decodes: refused (the page says why), or the
    # part was dropped by the parser for its name (the rest is saved): never a logo.
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "invalid-feedback" in response.content.decode()
    assert SiteProfile.objects.filter(logo_token__gt="").count() == 0


@fuzzes(CallDocumentForm)
@FUZZ_FEW
@given(title=hostile, name=hostile_filename, content=hostile_content)
def test_call_document(org_client, call, title, name, content):
    url = reverse("submissions:call_document_add", args=[call.slug])

    response = post_ok(org_client, url, {"title": title, "file": upload(name, content)})

    assert response.status_code == 302
    assert CallDocument.objects.count() == 0  # nothing hostile is a PDF, Word or workbook
    get_ok(org_client, reverse("submissions:call_detail", args=[call.slug]))


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", "\u202e通知", "%(name)s"])
def test_hostile_document_titles_are_shown_as_text(org_client, call, title):
    from .submissions.casekit import pdf_bytes

    url = reverse("submissions:call_document_add", args=[call.slug])
    post_ok(org_client, url, {"title": title, "file": upload("通知.pdf", pdf_bytes())})

    html = get_ok(Client(), reverse("publishing:call_public", args=[call.slug])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert CallDocument.objects.get().title == title
