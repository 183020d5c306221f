"""The organizer's pages (design, preview, list, generating, revoking) and the unit's."""

import pytest
from django.urls import reverse

from certificates import views
from certificates.models import Certificate, CertificateDesign
from judging.models import Award

from ..factories import AwardFactory, CaseFactory, CertificateFactory, UnitFactory
from .kit import design, final_call, generate, organizer, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(client):
    client.force_login(organizer())
    return client


def test_the_design_form_saves_and_names_an_unknown_merge_field(org):
    call = final_call()
    url = reverse("certificates:design", args=[call.slug])
    data = {
        "title": "荣誉证书",
        "body": "{unit}：你单位的《{案例}》荣获{award}。",
        "issuer": "某区文明办",
        "issued_on": "2025-12-30",
        "orientation": "portrait",
    }

    refused = org.post(url, data)

    assert refused.status_code == 400
    assert "Unknown merge field {案例}." in refused.content.decode()
    assert not CertificateDesign.objects.exists()

    saved = org.post(
        url,
        {**data, "body": "{unit}：你单位的《{case}》荣获{award}。", "seal_upload": png_upload()},
    )

    assert saved.status_code == 302
    d = CertificateDesign.objects.get()
    assert (d.body, d.orientation, d.issuer) == (
        "{unit}：你单位的《{case}》荣获{award}。",
        "portrait",
        "某区文明办",
    )
    assert d.seal.name.endswith(".png")
    assert "A seal image is uploaded." in org.get(url).content.decode()


def test_the_preview_is_an_inline_pdf_and_stores_nothing(org):
    call = final_call()
    design(call)

    response = org.get(reverse("certificates:preview", args=[call.slug]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="preview.pdf"'
    assert response.content.startswith(b"%PDF")
    assert Certificate.objects.count() == 0


def test_generate_goes_to_the_job_page_whose_progress_is_polled(
    org, django_capture_on_commit_callbacks
):
    call = final_call()
    design(call)

    with django_capture_on_commit_callbacks(execute=True):
        response = org.post(reverse("certificates:generate", args=[call.slug]))

    job = call.certificate_jobs.get()
    assert response["Location"] == reverse("certificates:job", args=[job.pk])
    page = org.get(response["Location"]).content.decode()
    assert "3 certificates are ready." in page
    assert org.get(reverse("certificates:job_progress", args=[job.pk])).json() == {
        "status": "done",
        "status_display": "Finished",
        "done": 3,
        "total": 3,
        "percent": 100,
        "errors": [],
        "finished": True,
        "message": "3 certificates are ready.",
    }


def test_revoke_needs_a_reason_and_restore_undoes_it(org):
    call = final_call()
    design(call)
    generate(call)
    cert = Certificate.objects.order_by("number").first()
    list_url = reverse("certificates:list", args=[call.slug])

    org.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "  "})
    cert.refresh_from_db()
    assert cert.revoked_at is None
    org.post(reverse("certificates:revoke", args=[cert.pk]), {"reason": "单位名称有误"})
    cert.refresh_from_db()
    assert (cert.revoke_reason, cert.revoked_at is not None) == ("单位名称有误", True)
    assert "1 certificate is revoked." in org.get(list_url).content.decode()

    org.post(reverse("certificates:restore", args=[cert.pk]))
    cert.refresh_from_db()
    assert (cert.revoke_reason, cert.revoked_at) == ("", None)


def test_a_unit_member_downloads_its_own_certificate_and_not_another_units(client):
    call = final_call()
    design(call)
    generate(call)
    mine, other = Certificate.objects.order_by("number")[:2]
    member = mine.case.unit.members.get()
    client.force_login(member)

    page = client.get(reverse("certificates:mine")).content.decode()
    own = client.get(reverse("certificates:download", args=[mine.pk]))
    theirs = client.get(reverse("certificates:download", args=[other.pk]))

    assert mine.full_number in page and other.full_number not in page
    assert own["Content-Type"] == "application/pdf"
    assert own["Content-Disposition"] == f'attachment; filename="{mine.full_number}.pdf"'
    assert b"".join(own.streaming_content).startswith(b"%PDF")
    assert theirs.status_code == 404


def _certificates(call, n, start):
    for i in range(start, start + n):
        case = CaseFactory(call=call, unit=UnitFactory(), status="accepted")
        AwardFactory(call=call, case=case, level=Award.Level.EXCELLENT, rank=100 + i)
        CertificateFactory(call=call, case=case, number=f"ZS2025-{i + 100:04d}")


def test_the_list_runs_as_many_queries_for_one_certificate_as_for_thirty(
    org, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 20)
    one, many = final_call(top=0, excellent=0), final_call(top=0, excellent=0)
    design(one)
    design(many)
    _certificates(one, 1, start=0)
    _certificates(many, 30, start=1)
    first_of_many = Certificate.objects.filter(call=many).order_by("pk")[:1]
    Certificate.objects.filter(pk__in=first_of_many).update(revoked_at="2026-01-05T10:00:00Z")
    org.get(reverse("certificates:list", args=[one.slug]))  # warm the session and caches

    with django_assert_num_queries(10):
        page_one = org.get(reverse("certificates:list", args=[one.slug]))
    with django_assert_num_queries(10):
        page_many = org.get(reverse("certificates:list", args=[many.slug]))

    assert page_one.content.decode().count("data-number=") == 1
    html = page_many.content.decode()
    assert html.count("data-number=") == 20  # a page of 20
    assert '<span class="badge text-bg-light" id="certificate-count">30</span>' in html
    assert '<p class="small" id="revoked-count">1 certificate is revoked.</p>' in html
    second = org.get(reverse("certificates:list", args=[many.slug]), {"page": "2"})
    assert second.content.decode().count("data-number=") == 10
