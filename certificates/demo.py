"""Demo data for certificates: the finished call's design (a seal drawn with Pillow), every
certificate generated, one revoked with its reason.

`build_certificates(slug)` is idempotent (a second run changes nothing) and works through the
services; the job runs in this process, whatever the broker.
"""

import datetime
import io
import math
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from submissions.models import Call

from . import services
from .models import Certificate, CertificateDesign, CertificateJob

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
SEAL_TEXT = "某区精神文明建设办公室"
REVOKE_REASON = "经复核，该案例部分图片未注明来源，撤销此证书。"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def seal_png(text: str = SEAL_TEXT, size: int = 600) -> bytes:
    """A red round seal on a transparent ground: a ring, a star, the text along the top."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (200, 22, 29, 235)
    c, r = size / 2, size / 2 - 12
    draw.ellipse([c - r, c - r, c + r, c + r], outline=red, width=16)
    star = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        rad = size * 0.16 if i % 2 == 0 else size * 0.065
        star.append((c + rad * math.cos(angle), c + rad * math.sin(angle)))
    draw.polygon(star, fill=red)
    font = _font(int(size * 0.1))
    span = math.radians(250)
    for i, ch in enumerate(text):  # each character turned to face the centre
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (int(size * 0.14), int(size * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), ch, font=font, fill=red, anchor="mm"
        )
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = c + (r - size * 0.11) * math.cos(angle) - glyph.width / 2
        y = c + (r - size * 0.11) * math.sin(angle) - glyph.height / 2
        img.alpha_composite(glyph, (int(x), int(y)))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build_certificates(slug: str) -> list[str]:
    call = Call.objects.filter(slug=slug).first()
    if call is None or not call.is_final:
        return []
    organizer = User.objects.filter(username="organizer").first()
    report = []
    if not CertificateDesign.objects.filter(call=call).exists():
        services.design_save(
            call=call,
            title="荣誉证书",
            body=(
                "{unit}：\n你单位选送的案例《{case}》在“{call}”中荣获{award}。\n"
                "特发此证，以资鼓励。"
            ),
            issuer=call.host_line or "某区精神文明建设办公室",
            issued_on=datetime.date(2025, 12, 30),
            orientation=CertificateDesign.Orientation.LANDSCAPE,
            seal=SimpleUploadedFile("seal.png", seal_png(), content_type="image/png"),
            actor=organizer,
        )
        report.append(f"certificate design for {slug}")
    if not Certificate.objects.filter(call=call).exists():
        job = CertificateJob.objects.create(call=call, created_by=organizer)
        job = services.job_execute(job=job, actor=organizer)
        report.append(f"{job.done} certificates for {slug}")
    if not Certificate.objects.filter(call=call, revoked_at__isnull=False).exists():
        last = Certificate.objects.filter(call=call).order_by("-number").first()
        if last is not None:
            services.certificate_revoke(certificate=last, reason=REVOKE_REASON, actor=organizer)
            report.append(f"certificate {last.full_number} revoked")
    return report
