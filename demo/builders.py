"""Synthetic demo data: every capability visible within a minute of `make run`.

Idempotent: objects are looked up by natural keys and only created when missing.
"""

import io
import random
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from audit.context import acting_as
from submissions import services, services_fields
from submissions.models import Call, CallField, Case, Category, Membership, Unit

PASSWORD = "demo12345"  # noqa: S105 — the documented demo password

UNITS = [
    "某某街道",
    "东城街道",
    "西湖社区",
    "区市场监管局",
    "区城管局",
    "区教育局",
    "区卫健委",
    "区交通运输局",
]
TITLES = [
    "“口袋公园”点亮老城区",
    "一张清单管到底",
    "老旧小区加装电梯的“加减法”",
    "文明餐桌从我做起",
    "志愿服务“时间银行”",
    "背街小巷焕新颜",
    "垃圾分类的“绿色账户”",
    "让烟火气与文明共生",
    "家门口的“幸福食堂”",
    "斑马线前的礼让",
    "社区“议事厅”议出好办法",
    "校园周边“护学岗”",
]
CAPTIONS = ["居民在新建成的口袋公园休憩。", "工作人员上门走访商户。", "志愿者在社区开展服务。"]
COLORS = [(196, 52, 45), (45, 120, 196), (60, 160, 90), (220, 160, 40), (120, 80, 160)]


def _user(username, *, full_name, **flags) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "email": f"{username}@example.org", **flags},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    return user


def _photo(seed: int) -> SimpleUploadedFile:
    rnd = random.Random(seed)
    img = Image.new("RGB", (1600, 1200), COLORS[seed % len(COLORS)])
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rnd.randrange(1500), rnd.randrange(1100)
        r = rnd.randrange(40, 220)
        draw.ellipse((x, y, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{seed}.jpg", buf.getvalue(), content_type="image/jpeg")


K = CallField.Kind
PROJECT_KINDS = ["志愿服务", "移风易俗", "文明交通", "环境整治", "其他"]
COMMUNITIES = ["东风社区", "红旗社区", "向阳社区", "幸福社区"]
#: The open call's own fields: (kind, label, English label, settings).
FORM_FIELDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (K.INTEGER, "志愿者人数", "Volunteers", {"required": True, "min_value": 0}),
    (K.INTEGER, "受益群众人数", "People served", {"min_value": 0, "help_text": "估算即可。"}),
    (K.DATE_RANGE, "实施周期", "Period", {"required": True}),
    (
        K.CHOICE,
        "项目类型",
        "Kind of project",
        {"required": True, "choices": PROJECT_KINDS},
    ),
    (
        K.URL,
        "视频链接",
        "Video",
        {"blind_mask": True, "help_text": "如有宣传视频，请填写网址。"},
    ),
    (
        K.MULTI_CHOICE,
        "覆盖社区",
        "Communities covered",
        {"choices": COMMUNITIES, "max_value": 3},
    ),
]
#: The open call's categories: name, number of top and excellent cases.
CATEGORIES = [("社区组", 2, 3), ("机关组", 1, 2)]


def _case_form(call, organizer, *, categories=CATEGORIES, fields=FORM_FIELDS) -> list[Category]:
    """A call's categories and own fields, through the editor's services (the multiple
    choice is asked of the first category only)."""
    made = [
        services_fields.category_save(
            category=Category(call=call, name=name, award_top_n=top, award_excellent_m=excellent),
            actor=organizer,
        )
        for name, top, excellent in categories
    ]
    for kind, label, label_en, settings in fields:
        services_fields.call_field_save(
            field=CallField(call=call, kind=kind, label=label, label_en=label_en, **settings),
            categories=made[:1] if kind == K.MULTI_CHOICE else [],
            actor=organizer,
        )
    return made


def _answers(call, i: int, category: Category | None) -> dict:
    """Plausible answers of case `i` to the call's fields, keyed by field key."""
    by_label = {f.label: f for f in call.fields.all()}
    if not by_label:
        return {}
    start = timezone.localdate() - timedelta(days=200 - 7 * i)
    answers = {
        "志愿者人数": 20 + 7 * i,
        "受益群众人数": 300 + 150 * i,
        "实施周期": [start, start + timedelta(days=90 + 10 * i)],
        "项目类型": PROJECT_KINDS[i % 5],
        "视频链接": f"https://video.example.org/case-{i + 1}" if i % 3 == 0 else "",
    }
    if category is not None and category.name == "社区组":
        answers["覆盖社区"] = COMMUNITIES[i % 3 : i % 3 + 2]
    return {by_label[k].key: v for k, v in answers.items() if k in by_label}


def _cases(call, units, organizer, statuses: list[str], *, seed: int) -> None:
    """Cases with two generated photos each, taken through the real services to `statuses`
    (with a category and answers to the call's own fields when it has them)."""
    categories = list(call.categories.all())
    for i, target in enumerate(statuses):
        unit, user = units[(i + seed) % len(units)]
        title = TITLES[i % len(TITLES)] + ("" if i < len(TITLES) else f"（{i // len(TITLES) + 1}）")
        case = Case(
            call=call,
            unit=unit,
            title=title,
            contact_name="张某某",
            contact_phone=f"1381234{5600 + i:04d}",
            summary=f"{unit.name}探索“{title}”的做法与成效。",
            body="\n".join(
                f"{title}：第{p}段正文。群众参与、部门联动，取得了良好的社会效果。"
                for p in range(1, 6)
            ),
            category=categories[i % len(categories)] if categories else None,
        )
        photos = []
        for p in range(2):
            staged = services.photo_stage(
                upload=_photo(seed * 100 + i * 10 + p), actor=user, call=call
            )
            photos.append(
                services.PhotoRow(photo=staged, caption=CAPTIONS[(i + p) % 3], position=p + 1)
            )
        case = services.case_save(
            case=case, actor=user, photos=photos, answers=_answers(call, i, case.category)
        )
        if target == "draft":
            continue
        services.case_submit(case=case, actor=user)
        if target in ("accepted", "rejected", "returned", "resubmitted"):
            action = {"accepted": "accept", "rejected": "reject"}.get(target, "return")
            reason = "" if action == "accept" else "请补充工作成效的具体数据。"
            services.cases_screen(cases=[case], actor=organizer, action=action, reason=reason)
        if target == "resubmitted":
            # The unit revises what the organizer asked for (the case page shows the changes).
            case = Case.objects.get(pk=case.pk)
            case.body = case.body.replace(
                "第3段正文。群众参与", "第3段正文。全年服务居民2300人次，群众参与", 1
            )
            first = photos[0]
            case = services.case_save(
                case=case,
                actor=user,
                photos=[
                    services.PhotoRow(photo=first.photo, caption="补充：活动前后对比", position=2),
                    services.PhotoRow(photo=photos[1].photo, caption=photos[1].caption, position=1),
                ],
            )
            services.case_submit(case=case, actor=user)


def _call(slug: str, title: str, *, days_open: int, days_left: int, organizer) -> tuple[Call, bool]:
    """The call, created through the services and opened for submissions (once)."""
    existing = Call.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    call = services.call_save(
        call=Call(
            slug=slug,
            title=title,
            host_line="某区委宣传部 某区文明办",
            notice="请各单位围绕文明城市创建工作，选送具有代表性的优秀案例。\n"
            "每个案例需附1至5张图片，并为每张图片填写图片说明。",
            opens_at=now - timedelta(days=days_open),
            closes_at=now + timedelta(days=days_left),
            min_photos=1,
            max_photos=5,
            award_top_n=3,
            award_excellent_m=5,
        ),
        actor=organizer,
    )
    services.call_set_status(call=call, status=Call.Status.OPEN, actor=organizer)
    return call, True


def _accounts():
    organizer = _user(
        "organizer",
        full_name="区委宣传部 王老师",
        is_organizer=True,
        is_staff=True,
        is_superuser=True,
    )
    with acting_as(organizer):  # the organizer onboards the others
        _user("editor", full_name="报社编辑 李记者", is_editor=True)
        for i in range(1, 6):
            _user(f"judge{i}", full_name=f"评审专家{i}")  # judging.demo adds them to the pool
        units = []
        for i, name in enumerate(UNITS, start=1):
            unit, _created = Unit.objects.get_or_create(name=name)
            user = _user(f"unit{i}", full_name=f"{name}联络员")
            Membership.objects.get_or_create(unit=unit, user=user)
            units.append((unit, user))
    return organizer, units


OPEN_CALL = "2026-civic-cases"
JUDGING_CALL = "2026-spring-civic-cases"
FINAL_CALL = "2025-civic-cases"


def build_collection() -> list[str]:
    """Three calls: one open for submissions, one being judged, one finished (judged, final)."""
    organizer, units = _accounts()
    report = []
    with acting_as(organizer):
        call, created = _call(
            OPEN_CALL,
            "2026年度文明城市创建优秀案例征集",
            days_open=20,
            days_left=30,
            organizer=organizer,
        )
    if created:
        with acting_as(organizer):
            _case_form(call, organizer)
        statuses = ["accepted"] * 6 + [
            "submitted",
            "returned",
            "rejected",
            "draft",
            "resubmitted",
            "submitted",
        ]
        _cases(call, units, organizer, statuses, seed=0)
        report.append(f"Call “{call.title}”: open, {len(statuses)} cases in every state.")
    for slug, title, seed in (
        (JUDGING_CALL, "2026年上半年文明实践优秀案例征集", 1),
        (FINAL_CALL, "2025年度文明城市创建优秀案例征集", 2),
    ):
        with acting_as(organizer):
            call, created = _call(slug, title, days_open=60, days_left=1, organizer=organizer)
        if created:
            if slug == FINAL_CALL:  # two categories and four fields, answered by every case
                with acting_as(organizer):
                    _case_form(
                        call, organizer, categories=FINAL_CATEGORIES, fields=FINAL_FORM_FIELDS
                    )
            _cases(call, units, organizer, ["accepted"] * 10, seed=seed)
            now = timezone.now()
            with acting_as(organizer):
                services.call_set_status(call=call, status=Call.Status.CLOSED, actor=organizer)
            Call.objects.filter(pk=call.pk).update(  # its collection ended in the past
                opens_at=now - timedelta(days=90 * seed),
                closes_at=now - timedelta(days=90 * seed - 30),
            )
            report.append(f"Call “{title}”: 10 accepted cases.")
    return report or ["Demo collection already present."]


#: The finished call's categories (组别): name, 十佳 and 优秀 of each; every other case is in
#: each.
FINAL_CATEGORIES = [("社区组", 2, 2), ("机关组", 1, 2)]
#: The finished call's own fields: a required number and choice, a link hidden in blind rounds,
#: and the communities covered (asked of 社区组 only).
FINAL_FORM_FIELDS = [
    f for f in FORM_FIELDS if f[1] in ("志愿者人数", "项目类型", "视频链接", "覆盖社区")
]


def build_finished_call() -> list[str]:
    """The finished call: both rounds closed, results, awards, the notice over, finalized."""
    from judging.demo import build_judging
    from judging.demo_results import build_results
    from judging.demo_signing import build_signatures
    from judging.models import Notice, Round
    from judging.selectors import criteria_for
    from judging.services import notice_rules, reviews, rounds
    from judging.services import results as result_services

    call = Call.objects.get(slug=FINAL_CALL)
    if call.is_final:
        return []
    report = build_judging(FINAL_CALL)
    organizer = User.objects.get(username="organizer")
    rng = random.Random(2025)
    for rnd in call.rounds.filter(status=Round.Status.OPEN):
        for a in rnd.assignments.exclude(status="submitted").select_related("judge__user", "case"):
            criteria = criteria_for(round=rnd, category_id=a.case.category_id)
            points = {c.pk: int(float(c.max_points) * rng.uniform(0.6, 0.95)) for c in criteria}
            reviews.review_save(
                assignment=a,
                actor=a.judge.user,
                points=points,
                comment="材料翔实，成效明显。",
                submit=True,
            )
        rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    with acting_as(organizer):
        from judging.demo_consensus import build_consensus

        report += build_consensus(call, organizer)  # 合议 on a case of the last round
        report += build_results(FINAL_CALL)
        # The notice ran its minimum of working days, ending before today (公示 by the rules).
        now = timezone.now()
        starts = timezone.localtime(now - timedelta(days=20)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        ends = notice_rules.earliest_end(starts, call.notice_min_workdays)
        while ends > now - timedelta(days=1):
            starts -= timedelta(days=7)
            ends = notice_rules.earliest_end(starts, call.notice_min_workdays)
        final_round = call.rounds.order_by("-number").first()
        if final_round is not None:  # signed and locked two days before the notice started
            report += build_signatures(
                round=final_round, organizer=organizer, at=starts - timedelta(days=2)
            )
        # the units see their ranks on their case pages
        Notice.objects.filter(call=call).update(starts_at=starts, ends_at=ends, publish_ranks=True)
        notice = Notice.objects.get(call=call)
        objection = result_services.objection_record(
            notice=notice,
            text="对某案例的实施时间有疑问。",
            submitter="刘某",
            unit="某街道居民",
            contact="138****0000",
            received_at=starts + timedelta(days=1),
            actor=organizer,
        )
        result_services.objection_record(
            notice=notice,
            text="匿名来信：评选不公。",
            submitter="",
            received_at=starts + timedelta(days=2),
            actor=organizer,
        )
        result_services.objection_answer(
            objection=objection,
            actor=organizer,
            answer="经核实，该案例实施时间符合征集要求，维持原结果。",
        )
        result_services.call_finalize(call=call, actor=organizer)
    report.append(f"Call “{call.title}”: judged, notice over, awards final.")
    return report


def build_all() -> list[str]:
    from certificates.demo import build_certificates
    from judging.demo import build_judging
    from judging.demo_results import build_results
    from publishing.demo import build_publishing
    from publishing.demo_public import build_public_home

    report = build_collection()
    organizer = User.objects.get(username="organizer")
    with acting_as(organizer):  # judges, units and the editor act as themselves inside
        report += build_judging(JUDGING_CALL)
        report += build_results(JUDGING_CALL)
        report += build_finished_call()
        report += build_certificates(FINAL_CALL)
        report += build_publishing(FINAL_CALL)
        report += build_public_home(OPEN_CALL, actor=organizer)
        report += _build_messaging()
    return report


def _build_messaging() -> list[str]:
    from django.conf import settings

    from messaging.demo import build_messaging

    call = Call.objects.get(slug=OPEN_CALL)
    return build_messaging(call, call_url=settings.PORTAL_BASE_URL + call.get_absolute_url())
