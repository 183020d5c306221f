"""Builders for the tests of judging setup and scoring: judges, accepted cases, rounds set up
through the services (as the organizer's pages do)."""

from decimal import Decimal

from django.core.files.base import ContentFile

from judging.models import Judge, Round
from judging.services import rounds
from judging.services.rounds import CriterionSpec
from submissions.models import Case, Photo

from ..factories import CaseFactory, JudgeFactory, UserFactory, jpeg_bytes

TINY_JPEG = jpeg_bytes(size=(16, 12))
CRITERIA = (("创新性", 40, "做法新颖"), ("实效性", 60, "成效明显"))


def judge_profile(
    username: str, *, unit=None, affiliation: str = "某大学", name: str | None = None
) -> Judge:
    return JudgeFactory.create(
        user=UserFactory(username=username),
        name=name or f"专家{username}",
        unit=unit,
        affiliation=affiliation,
    )


def accepted_case(call, **kwargs) -> Case:
    return CaseFactory.create(call=call, status=Case.Status.ACCEPTED, **kwargs)


def photo_add(
    case,
    *,
    caption: str = "",
    position: int = 1,
    original_name="photo.jpg",
    renditions: bool = True,
) -> Photo:
    """A processed-looking photo (original plus web and thumb renditions)."""
    photo = Photo(
        case=case,
        extension=".jpg",
        original_name=original_name,
        caption=caption,
        position=position,
        width=16,
        height=12,
        size=len(TINY_JPEG),
        processing=Photo.Processing.DONE if renditions else Photo.Processing.PENDING,
    )
    photo.image.save("x", ContentFile(TINY_JPEG), save=False)
    if renditions:
        photo.web.save(f"{photo.uid.hex}-web.jpg", ContentFile(TINY_JPEG), save=False)
        photo.thumb.save(f"{photo.uid.hex}-thumb.jpg", ContentFile(TINY_JPEG), save=False)
    photo.save()
    return photo


def make_round(
    call,
    *,
    judges,
    cases=None,
    name="初评",
    blind=True,
    step="1",
    mode=Round.Mode.ALL,
    k=2,
    criteria=CRITERIA,
    entry=Round.Entry.ACCEPTED,
    status=Round.Status.OPEN,
    actor=None,
    collection="close",
    pledge_required=False,
    **fields,
) -> Round:
    """A round through the services: criteria, panel, entries (all accepted cases, or `cases`
    hand-picked), assignment, and opened unless `status` says otherwise; `actor` (the organizer,
    or None) sets it up; `collection` answers what happens to a call still collecting cases
    ("close" or "keep", see rounds.round_set_status). Judges sign no pledge unless
    `pledge_required` (the tests of the pledge)."""
    if cases is not None:
        entry = Round.Entry.PICKED
    rnd = Round(
        call=call,
        name=name,
        blind=blind,
        score_step=Decimal(step),
        mode=mode,
        judges_per_case=k,
        entry=entry,
        pledge_required=pledge_required,
        **fields,
    )
    rounds.round_save(
        round=rnd,
        criteria=[CriterionSpec(name=n, max_points=m, description=d) for n, m, d in criteria],
        actor=actor,
    )
    rounds.round_set_panel(round=rnd, judges=judges, actor=actor)
    rounds.round_set_entries(
        round=rnd, case_ids=[c.pk for c in cases] if cases else None, actor=actor
    )
    if status == Round.Status.DRAFT:
        return rnd
    rounds.round_assign(round=rnd, actor=actor)
    rounds.round_set_status(round=rnd, status=Round.Status.OPEN, actor=actor, collection=collection)
    rnd.refresh_from_db()
    return rnd


def points_for(rnd: Round, *values) -> dict[int, object]:
    return {c.pk: v for c, v in zip(rnd.criteria.all(), values, strict=True)}


def form_data(rnd: Round, *values, comment: str = "", action: str = "save") -> dict:
    data = {f"c{c.pk}": v for c, v in zip(rnd.criteria.all(), values, strict=True)}
    data["comment"] = comment
    data[action] = "1"
    return data
