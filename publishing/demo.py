"""Demo data for publishing: a series with installment (一) published and (二) scheduled.

`build_publishing()` is idempotent and works through the services. It drafts from the main demo
call ("2026-civic-cases") when its awards are final; otherwise it builds a small call of its own
("2024-civic-showcase": accepted cases with photos, final awards) so the demo always shows a
published series.
"""

import io
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from audit.context import acting_as
from judging.models import Award
from submissions import services as submission_services
from submissions.lifecycle import call_place_for_setup
from submissions.models import Call

from . import services
from .models import Series

MAIN_CALL = "2026-civic-cases"
SHOWCASE_CALL = "2024-civic-showcase"
SERIES_TITLE = "某区文明城市创建优秀案例巡礼"
HEADLINE = "邻里守望 温暖同行"
NOTE = (
    "文明城市创建，功夫在细微处。即日起，本报推出“文明城市创建优秀案例巡礼”栏目，"
    "陆续刊发本年度十佳案例和优秀案例，敬请关注。"
)
BYLINE = "文/记者 张某某 图/受访单位提供"

SHOWCASE_CASES = [  # (title, unit, award level, photo sizes)
    ("“口袋公园”点亮老城区", "某某街道", Award.Level.TOP, [(1800, 1200), (1600, 1200)]),
    ("一张清单管到底", "区市场监管局", Award.Level.TOP, [(1600, 1200)]),
    ("老旧小区加装电梯的“加减法”", "东城街道", Award.Level.TOP, [(1200, 900)]),
    ("志愿服务“时间银行”", "西湖社区", Award.Level.EXCELLENT, [(1600, 1200)]),
    ("背街小巷焕新颜", "区城管局", Award.Level.EXCELLENT, [(1600, 1067)]),
    ("家门口的“幸福食堂”", "某某街道", Award.Level.EXCELLENT, [(1600, 1200)]),
]
CAPTIONS = ["居民在新建成的口袋公园休憩。", "工作人员上门走访商户。", "志愿者在社区开展服务。"]
COLORS = [(196, 52, 45), (45, 120, 196), (60, 160, 90), (220, 160, 40), (120, 80, 160)]


def _jpeg(seed: int, size: tuple[int, int]) -> SimpleUploadedFile:
    rnd = random.Random(seed)
    img = Image.new("RGB", size, COLORS[seed % len(COLORS)])
    draw = ImageDraw.Draw(img)
    for _ in range(10):
        x, y = rnd.randrange(size[0] - 100), rnd.randrange(size[1] - 100)
        r = rnd.randrange(40, 200)
        draw.ellipse((x, y, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return SimpleUploadedFile(f"showcase-{seed}.jpg", buf.getvalue(), content_type="image/jpeg")


def _someone(**role) -> User | None:
    """An existing demo account with the role (the demo's users are made elsewhere)."""
    return get_user_model().objects.filter(is_active=True, **role).order_by("pk").first()


def _final_main_call(slug: str = MAIN_CALL) -> Call | None:
    call = Call.objects.filter(slug=slug).first()
    if call is not None and call.is_final and Award.objects.filter(call=call).exists():
        return call
    return None


@transaction.atomic
def _showcase_call(organizer) -> Call:
    """A closed-and-final call of its own with accepted, awarded cases (built once)."""
    call = Call.objects.filter(slug=SHOWCASE_CALL).first()
    if call is not None:
        return call
    now = timezone.now()
    call = submission_services.call_save(
        call=Call(
            slug=SHOWCASE_CALL,
            title="2024年度文明城市创建优秀案例征集",
            host_line="某区委宣传部 某区文明办",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
            min_photos=1,
            max_photos=5,
        ),
        actor=organizer,
    )
    submission_services.call_set_status(call=call, status=Call.Status.OPEN, actor=organizer)
    cases = []
    for i, (title, unit_name, _level, sizes) in enumerate(SHOWCASE_CASES):
        unit, _created = submission_services.unit_get_or_create(name=unit_name, actor=organizer)
        rows = [
            submission_services.PhotoRow(
                photo=submission_services.photo_stage(
                    upload=_jpeg(100 + i * 10 + p, size), actor=organizer, call=call
                ),
                caption=CAPTIONS[(i + p) % len(CAPTIONS)],
                position=p + 1,
            )
            for p, size in enumerate(sizes)
        ]
        case = submission_services.case_save(
            case=call.cases.model(
                call=call,
                unit=unit,
                title=title,
                contact_name="张某某",
                contact_phone=f"1381234{5700 + i:04d}",
                summary=f"{unit_name}的做法与成效。",
                body="\n".join(
                    f"{title}：第{p}段正文。群众参与、部门联动，取得了良好的社会效果。"
                    for p in range(1, 7)
                ),
            ),
            actor=organizer,
            photos=rows,
        )
        submission_services.case_submit(case=case, actor=organizer)
        cases.append(case)
    submission_services.cases_screen(cases=cases, actor=organizer, action="accept")
    for rank, (case, (_t, _u, level, _s)) in enumerate(
        zip(cases, SHOWCASE_CASES, strict=True), start=1
    ):
        Award.objects.create(call=call, case=case, level=level, rank=rank)
    # The call took place two years ago and its awards are final: placed there directly, as
    # it was never judged here (no rounds, awards made by hand).
    Call.objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=800), closes_at=now - timedelta(days=760)
    )
    call_place_for_setup(
        call=call, status=Call.Status.FINAL, note="Demo: a call judged in an earlier year."
    )
    call.refresh_from_db()
    return call


def build_publishing(slug: str = MAIN_CALL) -> list[str]:
    organizer = _someone(is_organizer=True)
    editor = _someone(is_editor=True)
    with acting_as(organizer):
        call = _final_main_call(slug) or _showcase_call(organizer)
    existing = Series.objects.filter(call=call).first()
    if existing is not None:
        return [f"Demo series “{existing.title}” already present."]
    with transaction.atomic():
        series = services.series_draft_from_awards(
            call=call,
            actor=editor,
            slug=call.slug,
            title=SERIES_TITLE,
            per_installment=3,
            by_category=call.categories.exists(),  # the finished demo call's 组别, in order
        )
        installments = list(series.installments.order_by("number"))
        now = timezone.now()
        first = installments[0]
        services.installment_update(
            installment=first,
            headline=HEADLINE,
            editors_note=NOTE,
            byline=BYLINE,
            publish_at=now,
            actor=editor,
        )
        feature = first.features.order_by("position").first()
        assert feature is not None  # the draft put cases in every installment
        services.feature_update(
            feature=feature,
            title=feature.title,
            unit_line=feature.unit_line,
            body="\n".join(feature.body.splitlines()[:2]),
            actor=editor,
            photos=[
                services.FeaturePhotoRow(photo=fp.photo, position=fp.position, caption=fp.caption)
                for fp in feature.photos.select_related("photo")
            ],
        )
        services.installment_publish(installment=first, actor=editor, now=now)
        report = [
            f"Series “{series.title}” drafted from “{call.title}”: "
            f"{len(installments)} installments, (一) published."
        ]
        if len(installments) > 1:
            second = installments[1]
            services.installment_update(
                installment=second,
                headline="小切口 大民生",
                editors_note="",
                byline=BYLINE,
                publish_at=now + timedelta(days=7),
                actor=editor,
            )
            services.installment_schedule(installment=second, actor=editor, now=now)
            report.append("Installment (二) is scheduled a week from now.")
    return report
