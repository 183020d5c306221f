"""Demo data of the public home: the site profile (header and footer, a logo drawn with Pillow)
and the call document of the open call. Idempotent: a second run changes nothing."""

import io
import math

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from PIL import Image, ImageDraw

from core.models import SiteProfile
from core.pdf import html_to_pdf
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


def _document_pdf(call: Call) -> bytes:
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in call.notice.splitlines() if line)
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><style>'
        "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:12pt;"
        "line-height:1.8;margin:2cm}h1{text-align:center;font-size:18pt;color:#b3261e}"
        "p{text-indent:2em;margin:0 0 .5em}</style></head><body>"
        f"<h1>{escape(call.title)}</h1><p style='text-align:center;text-indent:0'>"
        f"{escape(call.host_line)}</p>{paragraphs}</body></html>"
    )
    return html_to_pdf(html)


def build_public_home(open_call_slug: str, *, actor) -> list[str]:
    report = []
    profile = SiteProfile.load()
    if not profile.host_org:
        for field, value in PROFILE.items():
            setattr(profile, field, value)
        logo = SimpleUploadedFile("logo.png", demo_logo(), content_type="image/png")
        site_profile_save(profile=profile, logo=logo, actor=actor)
        report.append("site profile: 某区委宣传部 某区文明办, with a logo")
    call = Call.objects.filter(slug=open_call_slug).first()
    if call is not None and not CallDocument.objects.filter(call=call).exists():
        upload = SimpleUploadedFile(
            f"{DOCUMENT_TITLE}.pdf", _document_pdf(call), content_type="application/pdf"
        )
        submission_services.call_document_add(
            call=call, title=DOCUMENT_TITLE, upload=upload, actor=actor
        )
        report.append(f"call document of {call.slug}: {DOCUMENT_TITLE}")
    return report
