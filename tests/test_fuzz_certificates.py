"""Hostile input in the certificates' forms: the design (text with braces, dates, orientation,
seal and background files of any name and content) and the reason for revoking; hostile
numbers on the public verification page. Never a server error; what is saved is what the rules
allow."""

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from certificates.forms import DesignForm, RevokeForm
from certificates.models import BRACED, MERGE_FIELDS, Certificate, CertificateDesign

from .certificates.kit import final_call
from .factories import CertificateFactory
from .fuzzkit import (
    FUZZ,
    fuzzes,
    hostile,
    hostile_content,
    hostile_datetime,
    hostile_filename,
    post_ok,
    upload,
)

pytestmark = pytest.mark.fuzz

braced = st.lists(
    st.sampled_from([*(f"{{{f}}}" for f in MERGE_FIELDS), "{", "}", "{}", "{单位}", "中文"])
    | hostile,
    max_size=6,
).map("".join)


@pytest.fixture
def final(db):
    return final_call(top=1, excellent=0)


@fuzzes(DesignForm)
@FUZZ
@given(
    title=hostile,
    body=braced,
    issuer=hostile,
    issued_on=hostile_datetime,
    orientation=st.sampled_from(["landscape", "portrait", "", "A3", "\x00"]),
    name=hostile_filename,
    content=hostile_content,
)
def test_design(org_client, final, title, body, issued_on, issuer, orientation, name, content):
    url = reverse("certificates:design", args=[final.slug])
    post_ok(
        org_client,
        url,
        {
            "title": title,
            "body": body,
            "issuer": issuer,
            "issued_on": str(issued_on),
            "orientation": orientation,
            "seal_upload": upload(name, content),
        },
    )
    design = CertificateDesign.objects.filter(call=final).first()
    if design is not None:
        assert design.orientation in ("landscape", "portrait")
        assert not design.seal  # no hostile content is a PNG or JPEG
        assert all(part in MERGE_FIELDS for part in BRACED.findall(design.body))


@fuzzes(RevokeForm)
@FUZZ
@given(reason=hostile)
def test_revoke(org_client, final, reason):
    cert = Certificate.objects.first() or CertificateFactory(call=final, case=final.cases.first())
    Certificate.objects.filter(pk=cert.pk).update(revoked_at=None, revoke_reason="")
    post_ok(org_client, reverse("certificates:revoke", args=[cert.pk]), {"reason": reason})
    cert.refresh_from_db()
    if cert.revoked_at is not None:
        assert cert.revoke_reason.strip() != ""


@FUZZ
@given(
    number=st.text(min_size=1, max_size=60).filter(lambda s: "/" not in s and s.strip("."))
    | st.sampled_from(["ZS2025-0001-", "-", "ZS2025-0001-７ＫＱ", "ZS2025-0001-\u00e9"])
)
def test_verify_numbers(client, final, number):
    response = client.get("/verify/" + quote(number, safe="") + "/")
    assert response.status_code == 404  # no certificate of the world has a printed number
    assert "No such certificate." in response.content.decode()
