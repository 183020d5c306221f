"""Builders for the certificates tests: a final call with awards, a member per unit, a design."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image, ImageDraw

from certificates import services
from certificates.models import DEFAULT_BODY, CertificateDesign
from submissions.models import Call

from ..factories import UserFactory, unit_user
from ..publishing.kit import awarded_call


def png_upload(name="seal.png", size=(300, 300), fmt="PNG") -> SimpleUploadedFile:
    """A red seal-like circle on a transparent ground."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse(
        [10, 10, size[0] - 10, size[1] - 10], outline=(200, 20, 20), width=12
    )
    buf = io.BytesIO()
    (img if fmt == "PNG" else img.convert("RGB")).save(buf, fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def final_call(*, top: int = 2, excellent: int = 1) -> Call:
    """A FINAL call with awards; every unit has one member (username u<place>)."""
    call = awarded_call(top=top, excellent=excellent, photos=0)
    for n, case in enumerate(call.cases.order_by("pk"), start=1):
        unit_user(case.unit, username=f"u{n}", email=f"u{n}@example.cn")
    return call


def organizer():
    return UserFactory(username="org", is_organizer=True)


def design(call: Call, *, actor=None, **changes) -> CertificateDesign:
    values = {
        "title": "荣誉证书",
        "body": DEFAULT_BODY,
        "issuer": "某区文明办",
        "issued_on": datetime.date(2025, 12, 30),
        "orientation": CertificateDesign.Orientation.LANDSCAPE,
        **changes,
    }
    return services.design_save(call=call, actor=actor, **values)


def generate(call: Call, *, actor=None):
    """Start the job (tasks run eagerly in the tests: it is done on return)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.job_start(call=call, actor=actor)
    job.refresh_from_db()
    return job
