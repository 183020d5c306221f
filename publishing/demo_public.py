"""Demo data of the public home: the site profile (header and footer, a logo drawn with Pillow)
and the call document of the open call. Idempotent: a second run changes nothing."""

import io
import math

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from PIL import Image, ImageDraw

from core.models import SiteProfile
from core.site import site_profile_save
from submissions import services as submission_services
from submissions.models import Call, CallDocument

PROFILE = {
    "portal_name": "某区文明创建案例征集评选平台",
    "host_org": "某区委宣传部 某区文明办",
    "contact_phone": "010-12345678",
    "contact_email": "wmb@example.gov.cn",
    "address": "某市某区人民路1号区委大院3号楼",
    "icp_number": "京ICP备12345678号-1",
    "police_number": "京公网安备11010502000001号",
}
DOCUMENT_TITLE = "征集通知（全文）"


def demo_logo() -> bytes:
    """A round red emblem with a gold star and a white ring: PNG bytes."""
    size = 240
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((4, 4, size - 4, size - 4), fill=(179, 38, 30, 255))
    draw.ellipse((22, 22, size - 22, size - 22), outline=(255, 255, 255, 255), width=8)
    cx, cy, outer, inner = size / 2, size / 2 + 6, 78, 31
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy - r * math.sin(angle)))
    draw.polygon(points, fill=(255, 205, 0, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _document_docx(call: Call) -> bytes:
    """The call's notice as a Word file. (Not a PDF: importing WeasyPrint turns Pillow's
    LOAD_TRUNCATED_IMAGES on for the whole process, which the photo checks refuse.)"""
    document = docx.Document()
    heading = document.add_heading(call.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if call.host_line:
        host = document.add_paragraph(call.host_line)
        host.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in call.notice.splitlines():
        if line.strip():
            document.add_paragraph(line.strip()).paragraph_format.first_line_indent = Pt(24)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_public_home(open_call_slug: str, *, actor) -> list[str]:
    report = []
    profile = SiteProfile.current()
    if not profile.host_org:
        for field, value in PROFILE.items():
            setattr(profile, field, value)
        logo = SimpleUploadedFile("logo.png", demo_logo(), content_type="image/png")
        site_profile_save(profile=profile, logo=logo, actor=actor)
        report.append("site profile: 某区委宣传部 某区文明办, with a logo")
    call = Call.objects.filter(slug=open_call_slug).first()
    if call is not None and not CallDocument.objects.filter(call=call).exists():
        upload = SimpleUploadedFile(f"{DOCUMENT_TITLE}.docx", _document_docx(call))
        submission_services.call_document_add(
            call=call, title=DOCUMENT_TITLE, upload=upload, actor=actor
        )
        report.append(f"call document of {call.slug}: {DOCUMENT_TITLE}")
    return report
