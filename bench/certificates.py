"""Award certificates benchmark: one job making the certificates of 100 awarded cases (time
per certificate, progress saved after each), then the "download all" .zip streamed (its size,
time and the process's peak memory).

    .venv/bin/python bench/certificates.py              # 100 cases
    .venv/bin/python bench/certificates.py --cases 300

Runs on a scratch SQLite database and media folder under a temporary directory, in this
process: the job is the body of the `certificates.job_run` task (`services.job_execute`), as a
worker runs it; the zip is the download view's generator (`archive.stream_zip`), read to the
end chunk by chunk as a client would.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(tmp: str) -> None:
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        MEDIA_ROOT=f"{tmp}/media",
        DEBUG="true",
        CELERY_BROKER_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="civiccases.settings",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n: int):
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from accounts.models import User
    from certificates import services
    from certificates.demo import seal_png
    from judging.models import Award
    from submissions.models import Call, Case, Membership, Unit

    now = timezone.now()
    call = Call.objects.create(
        slug="bench-certificates",
        title="2025年度文明城市创建优秀案例征集",
        host_line="中共某区委宣传部　某区精神文明建设办公室",
        opens_at=now - datetime.timedelta(days=200),
        closes_at=now - datetime.timedelta(days=100),
        status=Call.Status.FINAL,
    )
    for i in range(1, n + 1):
        unit = Unit.objects.create(name=f"某区第{i}街道办事处")
        user = User.objects.create_user(username=f"u{i}", email=f"u{i}@example.cn")
        Membership.objects.create(unit=unit, user=user)
        case = Case.objects.create(
            call=call,
            unit=unit,
            number=i,
            title=f"“口袋公园”点亮老城区：老旧小区微更新的社区共治实践（{i}）",
            status=Case.Status.ACCEPTED,
        )
        level = Award.Level.TOP if i <= 10 else Award.Level.EXCELLENT
        Award.objects.create(call=call, case=case, level=level, rank=i if i <= 10 else i - 10)
    services.design_save(
        call=call,
        title="荣誉证书",
        body="{unit}：\n你单位选送的案例《{case}》在“{call}”中荣获{award}。\n特发此证，以资鼓励。",
        issuer=call.host_line,
        issued_on=datetime.date(2025, 12, 30),
        orientation="landscape",
        seal=SimpleUploadedFile("seal.png", seal_png(), content_type="image/png"),
        actor=None,
    )
    return call


def run(n: int) -> dict:
    from certificates import archive, services
    from certificates.models import Certificate, CertificateJob

    call = build(n)
    services.preview_pdf(design=call.certificate_design)  # fonts and WeasyPrint loaded once
    job = CertificateJob.objects.create(call=call)
    started = time.perf_counter()
    job = services.job_execute(job=job, actor=None)
    job_seconds = time.perf_counter() - started
    assert (job.status, job.done, job.total) == ("done", n, n), (job.status, job.errors)
    job_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pdf_sizes = [c.pdf.size for c in Certificate.objects.filter(call=call)]

    started = time.perf_counter()
    zip_bytes = 0
    chunks = 0
    certs = Certificate.objects.filter(call=call, revoked_at__isnull=True).order_by("number")
    for chunk in archive.stream_zip(certs.iterator(chunk_size=500)):
        zip_bytes += len(chunk)
        chunks += 1
    zip_seconds = time.perf_counter() - started
    return {
        "certificates": n,
        "job_seconds": round(job_seconds, 1),
        "seconds_per_certificate": round(job_seconds / n, 3),
        "pdf_kb_median": round(statistics.median(pdf_sizes) / 1024, 1),
        "zip_mb": round(zip_bytes / 1024**2, 1),
        "zip_seconds": round(zip_seconds, 2),
        "zip_chunks": chunks,
        "peak_rss_mb_job": round(job_peak / 1024, 1),
        "peak_rss_mb_after_zip": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        setup(tmp)
        for key, value in run(args.cases).items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
