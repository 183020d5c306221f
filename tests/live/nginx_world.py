"""The data behind tests/live/test_nginx.py and bench/nginx_files.py, built in a fresh database
by a subprocess (`manage.py shell -c "from tests.live.nginx_world import main; main()"` with
the portal's environment, NGINX_WORLD_JUDGES, NGINX_WORLD_WEB_BYTES and
NGINX_WORLD_THUMB_BYTES): a unit's accepted case
with four processed photos in a blind round of `judges` judges, and an open call taking uploads.
Prints the names, ids and paths as one line of JSON."""

import json
import os
import random

from django.core.files.base import ContentFile

from judging.models import Assignment
from submissions.models import Photo
from tests.factories import PASSWORD, CallFactory, UnitFactory, jpeg_bytes, unit_user
from tests.judging.setupkit import accepted_case, judge_profile, make_round

UNIT_NAME = "蓝鲸湾街道办事处"
PHOTOS = 4


def web_copy(size: int, seed: int) -> bytes:
    """A JPEG of about `size` bytes: a small picture followed by filler (browsers and nginx
    send it as it is; only its length matters to the transfer)."""
    head = jpeg_bytes(size=(64, 48))
    return head + random.Random(seed).randbytes(max(0, size - len(head)))


def build(*, judges: int, web_bytes: int, thumb_bytes: int) -> dict:
    call = CallFactory(slug="nginx-2026")
    unit = UnitFactory(name=UNIT_NAME)
    unit_login = unit_user(unit, username="unit-nginx")
    case = accepted_case(call, unit=unit, title="“口袋公园”点亮老城区", created_by=unit_login)
    photos = []
    for i in range(PHOTOS):
        photo = Photo(
            case=case,
            extension=".heic" if i == PHOTOS - 1 else ".jpg",  # a type nginx does not know
            original_name=f"{UNIT_NAME}-{i + 1}.jpg",
            caption=f"{UNIT_NAME}的照片{i + 1}",
            position=i + 1,
            width=64,
            height=48,
            size=web_bytes,
            processing=Photo.Processing.DONE,
        )
        data = web_copy(web_bytes, i)
        photo.image.save("x", ContentFile(data), save=False)
        photo.web.save(f"{photo.uid.hex}-web.jpg", ContentFile(data), save=False)
        thumb = web_copy(thumb_bytes, 100 + i)
        photo.thumb.save(f"{photo.uid.hex}-thumb.jpg", ContentFile(thumb), save=False)
        photo.save()
        photos.append(photo)
    panel = [judge_profile(f"judge-nginx-{n + 1}", name=f"评委{n + 1}") for n in range(judges)]
    rnd = make_round(call, judges=panel, blind=True, k=judges)
    assignments = {a.judge.user.username: a.pk for a in Assignment.objects.filter(round=rnd)}
    uploads = CallFactory(slug="uploads-2026", max_photos=9)
    return {
        "password": PASSWORD,
        "unit_user": unit_login.username,
        "unit_name": UNIT_NAME,
        "case": case.pk,
        "photos": [
            {
                "uid": str(p.uid),
                "hex": p.uid.hex,
                "image": p.image.name,
                "web": p.web.name,
                "thumb": p.thumb.name,
            }
            for p in photos
        ],
        "judges": sorted(assignments),
        "assignments": assignments,
        "round": rnd.pk,
        "upload_call": uploads.slug,
    }


def main() -> None:
    world = build(
        judges=int(os.environ.get("NGINX_WORLD_JUDGES", "1")),
        web_bytes=int(os.environ.get("NGINX_WORLD_WEB_BYTES", str(300 * 1024))),
        thumb_bytes=int(os.environ.get("NGINX_WORLD_THUMB_BYTES", str(30 * 1024))),
    )
    print("NGINX_WORLD " + json.dumps(world))
