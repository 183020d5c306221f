"""The design, the generating job, revoking; what the PDF and the verification page say."""

import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateJob
from judging.services.results import award_adjust
from messaging.models import Message
from submissions.models import Call
from submissions.outcomes import outcomes_for

from ..factories import CallFactory
from .kit import design, final_call, generate, organizer, png_upload

pytestmark = pytest.mark.django_db


def test_an_unknown_merge_field_is_refused_with_the_known_ones_listed():
    call = final_call()

    with pytest.raises(ValidationError) as exc:
        design(call, body="{unit}荣获{奖项}，编号{ number }。")

    assert exc.value.messages == [
        "Unknown merge field {奖项}、{ number }. The text may use: "
        "{unit} {case} {award} {category} {call} {date} {number}."
    ]


def test_a_seal_must_be_a_png_or_jpeg_within_the_caps():
    call = final_call()
    gif = png_upload("seal.gif", fmt="GIF")
    with pytest.raises(ValidationError) as exc:
        design(call, seal=gif)
    assert exc.value.messages == ["“seal.gif” is not a PNG or JPEG image."]
    huge = png_upload("big.png", size=(2100, 2000))
    with pytest.raises(ValidationError) as exc:
        design(call, seal=huge)
    assert exc.value.messages == [
        '"big.png" has too many pixels: at most 4 megapixels are allowed.'
    ]

    saved = design(
        call, seal=png_upload("我的公章.png"), background=png_upload("bg.jpg", fmt="JPEG")
    )

    assert saved.seal.name.startswith("certificates/design/") and saved.seal.name.endswith(".png")
    assert "公章" not in saved.seal.name
    assert saved.background.name.endswith(".jpg")


def test_a_job_issues_one_numbered_certificate_per_award_and_tells_each_unit_once(settings):
    call = final_call(top=2, excellent=1)
    org = organizer()
    design(call, actor=org)

    job = generate(call, actor=org)

    assert (job.status, job.done, job.total, job.errors) == ("done", 3, 3, [])
    certs = list(Certificate.objects.order_by("number"))
    assert [c.number for c in certs] == ["ZS2025-0001", "ZS2025-0002", "ZS2025-0003"]
    assert [c.award_name for c in certs] == ["十佳案例", "十佳案例", "优秀案例"]
    assert [c.case_title for c in certs] == ["案例标题1", "案例标题2", "案例标题3"]
    assert certs[0].text == (
        f"选送单位1：\n你单位选送的案例《案例标题1》在“{call.title}”中荣获十佳案例。\n"
        "特发此证，以资鼓励。"
    )
    assert all(c.pdf.read().startswith(b"%PDF") for c in certs)
    sent = Message.objects.filter(event="certificate_ready").order_by("address")
    assert [m.address for m in sent] == ["u1@example.cn", "u2@example.cn", "u3@example.cn"]
    assert sent[0].subject == "Award certificate: 案例标题1"
    assert f"No. {certs[0].full_number}" in sent[0].body
    assert f"{settings.PORTAL_BASE_URL}/certificates/mine/" in sent[0].body


def test_generating_again_after_a_design_change_keeps_the_numbers_and_sends_nothing_more():
    call = final_call()
    design(call)
    generate(call)
    before = {c.case_id: (c.full_number, c.pdf.name) for c in Certificate.objects.all()}

    design(call, title="获奖证书", body="兹证明{unit}的《{case}》荣获{award}。")
    job = generate(call)

    assert job.status == "done"
    after = {c.case_id: c for c in Certificate.objects.all()}
    assert {k: v.full_number for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert all(after[k].pdf.name != v[1] for k, v in before.items())  # re-rendered
    assert {c.title for c in after.values()} == {"获奖证书"}
    assert (
        sorted(c.text for c in after.values())[0] == "兹证明选送单位1的《案例标题1》荣获十佳案例。"
    )
    assert Message.objects.filter(event="certificate_ready").count() == 3


def test_a_withdrawn_award_revokes_its_certificate_with_the_reason():
    call = final_call()
    design(call)
    generate(call)
    case = call.cases.get(title="案例标题3")
    Call.objects.filter(pk=call.pk).update(status=Call.Status.NOTICE)  # adjustments before final
    call.refresh_from_db()
    award_adjust(call=call, case=case, level=None, rank=None, reason="公示期异议核实", actor=None)
    Call.objects.filter(pk=call.pk).update(status=Call.Status.FINAL)
    call.refresh_from_db()

    generate(call)

    cert = Certificate.objects.get(case=case)
    assert cert.revoked_at is not None
    assert cert.revoke_reason == "The award was withdrawn. 公示期异议核实"
    with pytest.raises(ValidationError) as exc:
        services.certificate_restore(certificate=cert, actor=None)
    assert exc.value.messages == [
        "The case no longer has an award: this certificate stays revoked."
    ]


def test_only_a_final_call_with_a_design_generates():
    call = final_call()
    with pytest.raises(ValidationError) as exc:
        generate(call)
    assert exc.value.messages == ["Design the certificate first."]
    judging = CallFactory.create(status=Call.Status.JUDGING)
    design(judging)
    with pytest.raises(ValidationError) as exc:
        generate(judging)
    assert exc.value.messages == ["Certificates are generated once the call's awards are final."]


def _qr_texts(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_the_qr_code_of_the_pdf_opens_the_verification_page_that_says_the_same(client, settings):
    settings.PORTAL_BASE_URL = "https://cases.example.gov.cn"
    call = final_call()
    design(call, seal=png_upload())
    generate(call)
    cert = Certificate.objects.order_by("number").first()

    [url] = _qr_texts(cert.pdf.read())

    assert url == f"https://cases.example.gov.cn/verify/{cert.full_number}/"
    page = client.get(url.removeprefix("https://cases.example.gov.cn"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "This certificate is valid: it was issued by this portal." in html
    for line in cert.text.splitlines():
        assert f'<p class="mb-2">{line}</p>' in html
    assert "选送单位1" in html and "案例标题1" in html and "2025-12-30" in html


def test_a_revoked_certificate_says_so_and_an_unknown_number_is_a_404(client):
    call = final_call()
    design(call)
    generate(call)
    cert = Certificate.objects.order_by("number").first()
    cert = services.certificate_revoke(
        certificate=cert, reason="单位名称有误，已重新颁发", actor=None
    )

    html = client.get(reverse("certificates:verify", args=[cert.full_number])).content.decode()

    day = timezone.localtime(cert.revoked_at).date()  # Beijing time
    assert f"This certificate was revoked on {day:%Y-%m-%d}." in html
    assert '<span id="revoke-reason">单位名称有误，已重新颁发</span>' in html
    wrong_check = client.get(reverse("certificates:verify", args=[f"{cert.number}-AAAAAA"]))
    unknown = client.get(reverse("certificates:verify", args=["ZS2025-9999-AAAAAA"]))
    assert (wrong_check.status_code, unknown.status_code) == (404, 404)
    assert "No such certificate." in unknown.content.decode()


def test_the_zip_holds_every_valid_certificate(client):
    call = final_call()
    design(call)
    generate(call)
    first = Certificate.objects.order_by("number").first()
    services.certificate_revoke(certificate=first, reason="撤销", actor=None)
    client.force_login(organizer())

    response = client.get(reverse("certificates:download_all", args=[call.slug]))

    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        assert all(zf.read(n).startswith(b"%PDF") for n in names)
    others = Certificate.objects.exclude(pk=first.pk).order_by("number")
    assert names == [f"{c.full_number}_{c.unit_name}_{c.case_title}.pdf" for c in others]


def test_the_units_outcome_links_its_certificate_until_revoked():
    call = final_call()
    design(call)
    generate(call)
    cert = Certificate.objects.order_by("number").first()
    cases = list(call.cases.order_by("pk"))

    links = outcomes_for(cases)[cert.case_id].links
    assert [(link.label, link.url) for link in links] == [
        ("Award certificate", reverse("certificates:download", args=[cert.pk]))
    ]
    services.certificate_revoke(certificate=cert, reason="撤销", actor=None)
    assert outcomes_for(cases)[cert.case_id].links == []


def test_the_sweep_sends_again_a_job_whose_worker_died():
    from datetime import timedelta

    call = final_call()
    design(call)
    job = CertificateJob.objects.create(call=call, status="running", total=3, done=1)
    CertificateJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=6)
    )
    fresh = CertificateJob.objects.create(
        call=final_call_other(), status="running", heartbeat_at=timezone.now()
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        ids = services.jobs_requeue_lost(actor=None)

    assert ids == [job.pk]  # the fresh one is left alone
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 3, 3)  # run again to the end (eager)
    assert fresh.status == "running"
    assert Certificate.objects.filter(call=call).count() == 3


def final_call_other() -> Call:
    return CallFactory.create(status=Call.Status.FINAL)


def test_making_a_pdf_leaves_pillow_refusing_truncated_images():
    """WeasyPrint's import sets ImageFile.LOAD_TRUNCATED_IMAGES for the whole process; core/pdf
    undoes it, so photo validation keeps working in a process that made a certificate."""
    from PIL import ImageFile

    from submissions.images import inspect_upload

    from ..factories import jpeg_upload

    call = final_call()
    services.preview_pdf(design=design(call))

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    info = inspect_upload(jpeg_upload(), name="photo.jpg", max_bytes=10**7, max_pixels=10**7)
    assert (info.format, info.width, info.height) == ("JPEG", 640, 480)


def test_a_number_taken_meanwhile_by_another_call_is_replaced_by_the_next(monkeypatch):
    from ..factories import CertificateFactory

    call = final_call(top=1, excellent=0)
    design(call)
    other = CallFactory.create(status=Call.Status.FINAL)
    CertificateFactory(call=other, case__call=other, number="ZS2025-0001")
    real, asked = services._new_number, []

    def racing(year):
        asked.append(year)  # the first answer was read before the other call's job committed
        return "ZS2025-0001" if len(asked) == 1 else real(year)

    monkeypatch.setattr(services, "_new_number", racing)

    job = generate(call)

    assert (job.status, job.errors, asked) == ("done", [], [2025, 2025])
    assert Certificate.objects.get(call=call).number == "ZS2025-0002"


@pytest.mark.parametrize("where", ["media", "network", "elsewhere"])
def test_a_pdf_template_fetches_nothing_but_data_uris_and_static_files(where, settings, tmp_path):
    """core/pdf.py: a stored upload is never read by its path (seals and backgrounds come
    through the storage as data: URIs), nothing from the network, no other file."""
    from core.pdf import PdfRefused, html_to_pdf, static_url

    settings.MEDIA_ROOT = str(tmp_path / "media")
    stored = tmp_path / "media" / "certificates" / "design" / "seal.png"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(png_upload().read())
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(stored.read_bytes())
    url = {
        "media": stored.as_uri(),
        "network": "http://198.51.100.7/seal.png",
        "elsewhere": outside.as_uri(),
    }[where]
    # A static file is read (a stylesheet of the portal's own static folder).
    styled = html_to_pdf(f'<link rel="stylesheet" href="{static_url("css/publication.css")}">')
    assert styled.startswith(b"%PDF-")

    with pytest.raises(PdfRefused):
        html_to_pdf(f'<p>证书</p><img src="{url}">')
