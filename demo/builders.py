"""Synthetic demo data: every capability visible within a minute of `make run`.

Idempotent: objects are looked up by natural keys and only created when missing.
"""

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from submissions import services
from submissions.models import Call, Case, Membership, Unit

PASSWORD = "demo12345"  # noqa: S105 — the documented demo password

UNITS = [
    "某某街道", "东城街道", "西湖社区", "区市场监管局", "区城管局", "区教育局", "区卫健委",
    "区交通运输局",
]
TITLES = [
    "“口袋公园”点亮老城区", "一张清单管到底", "老旧小区加装电梯的“加减法”", "文明餐桌从我做起",
    "志愿服务“时间银行”", "背街小巷焕新颜", "垃圾分类的“绿色账户”", "让烟火气与文明共生",
    "家门口的“幸福食堂”", "斑马线前的礼让", "社区“议事厅”议出好办法", "校园周边“护学岗”",
]
CAPTIONS = ["居民在新建成的口袋公园休憩。", "工作人员上门走访商户。", "志愿者在社区开展服务。"]
COLORS = [(196, 52, 45), (45, 120, 196), (60, 160, 90), (220, 160, 40), (120, 80, 160)]


def _user(username, *, full_name, **flags) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "email": f"{username}@example.org",
                                     **flags})
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


def build_collection() -> list[str]:
    now = timezone.now()
    organizer = _user("organizer", full_name="区委宣传部 王老师", is_organizer=True, is_staff=True)
    _user("editor", full_name="报社编辑 李记者", is_editor=True)
    for i in range(1, 6):
        _user(f"judge{i}", full_name=f"评审专家{i}", is_judge=True)
    units = []
    for i, name in enumerate(UNITS, start=1):
        unit, _created = Unit.objects.get_or_create(name=name)
        user = _user(f"unit{i}", full_name=f"{name}联络员")
        Membership.objects.get_or_create(unit=unit, user=user)
        units.append((unit, user))

    call, created = Call.objects.get_or_create(
        slug="2026-civic-cases",
        defaults={
            "title": "2026年度文明城市创建优秀案例征集",
            "host_line": "某区委宣传部 某区文明办",
            "notice": "请各单位围绕文明城市创建工作，选送具有代表性的优秀案例。\n"
                      "每个案例需附1至5张图片，并为每张图片填写图片说明。",
            "opens_at": now - timedelta(days=20), "closes_at": now + timedelta(days=30),
            "status": Call.Status.OPEN, "min_photos": 1, "max_photos": 5,
        },
    )
    if not created:
        return ["Demo collection already present."]

    statuses = ["accepted"] * 6 + ["submitted", "returned", "rejected", "draft", "resubmitted",
                                    "submitted"]
    for i, title in enumerate(TITLES):
        unit, user = units[i % len(units)]
        case = Case(call=call, unit=unit, title=title, contact_name="张某某",
                    contact_phone=f"1381234{5600 + i:04d}",
                    summary=f"{unit.name}探索“{title}”的做法与成效。",
                    body="\n".join(f"{title}：第{p}段正文。群众参与、部门联动，取得了良好的社会效果。"
                                   for p in range(1, 6)))
        photos = []
        for p in range(2):
            staged = services.photo_stage(upload=_photo(i * 10 + p), user=user, call=call)
            photos.append(services.PhotoRow(photo=staged, caption=CAPTIONS[(i + p) % 3],
                                             position=p + 1))
        case = services.case_save(case=case, actor=user, photos=photos)
        target = statuses[i]
        if target == "draft":
            continue
        services.case_submit(case=case, actor=user)
        if target in ("accepted", "rejected", "returned", "resubmitted"):
            action = {"accepted": "accept", "rejected": "reject"}.get(target, "return")
            reason = "" if action == "accept" else "请补充工作成效的具体数据。"
            services.cases_screen(cases=[case], actor=organizer, action=action, reason=reason)
        if target == "resubmitted":
            services.case_submit(case=case, actor=user)
    Call.objects.get_or_create(
        slug="2025-civic-cases",
        defaults={"title": "2025年度文明城市创建优秀案例征集",
                  "host_line": "某区委宣传部 某区文明办",
                  "opens_at": now - timedelta(days=400), "closes_at": now - timedelta(days=330),
                  "status": Call.Status.CLOSED},
    )
    return [f"Created call “{call.title}” with {len(TITLES)} cases from {len(units)} units."]


def build_all() -> list[str]:
    return build_collection()
