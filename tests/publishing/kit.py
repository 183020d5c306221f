"""Builders for the publishing tests: calls with final awards, photos of a given size, and the
installment of the example in docs/publication-layout.md."""

from django.core.files.base import ContentFile

from judging.models import Award
from publishing import services
from publishing.models import Installment, Series
from submissions.models import Call, Case, Photo, Unit

from ..factories import AwardFactory, CallFactory, CaseFactory, UnitFactory, jpeg_bytes


def photo_add(case: Case, *, size=(32, 24), caption: str = "", position: int = 0) -> Photo:
    """A real JPEG of `size` on the case (not processed: no web rendition yet)."""
    data = jpeg_bytes(size=size)
    photo = Photo(
        case=case,
        extension=".jpg",
        original_name="photo.jpg",
        caption=caption,
        position=position,
        width=size[0],
        height=size[1],
        size=len(data),
    )
    photo.image.save("x", ContentFile(data), save=False)
    photo.save()
    return photo


def _unit(name: str) -> Unit:
    return Unit.objects.filter(name=name).first() or UnitFactory.create(name=name)


def awarded_call(
    *,
    top: int = 3,
    excellent: int = 2,
    photos: int = 1,
    size=(32, 24),
    status: str = Call.Status.FINAL,
    titles: dict[int, tuple[str, str]] | None = None,
) -> Call:
    """A call whose `top` + `excellent` accepted cases have awards (ranks 1… per level).

    `titles` maps the 1-based place in the published order to (title, unit name)."""
    call = CallFactory.create(status=status, host_line="某区委宣传部 某区文明办")
    titles = titles or {}
    place = 0
    for level, n in ((Award.Level.TOP, top), (Award.Level.EXCELLENT, excellent)):
        for rank in range(1, n + 1):
            place += 1
            title, unit = titles.get(place, (f"案例标题{place}", f"选送单位{place}"))
            case = CaseFactory.create(
                call=call,
                unit=_unit(unit),
                title=title,
                status=Case.Status.ACCEPTED,
                contact_name="联系人王五",
                contact_phone="13900001111",
                summary="不公开的摘要",
                body=f"{title}的第一段。\n{title}的第二段。",
            )
            for p in range(photos):
                photo_add(case, size=size, caption=f"{title}的图片{p + 1}。", position=p + 1)
            AwardFactory(call=call, case=case, level=level, rank=rank)
    return call


def draft(
    call: Call,
    *,
    editor=None,
    slug: str = "xunli",
    per_installment: int = 5,
    title: str = "某区文明城市创建优秀案例巡礼",
) -> Series:
    return services.series_draft_from_awards(
        call=call, actor=editor, slug=slug, title=title, per_installment=per_installment
    )


def ready(
    installment: Installment, *, headline: str = "邻里守望 温暖同行", editor=None, **fields
) -> Installment:
    """Give an installment what publishing needs (a headline) and save."""
    return services.installment_update(
        installment=installment,
        headline=headline,
        editors_note=fields.get("editors_note", ""),
        byline=fields.get("byline", "文/记者 张某某 图/受访单位提供"),
        publish_at=fields.get("publish_at"),
        actor=editor,
    )


def published_series(
    *, cases: int = 1, photos: int = 1, slug: str = "xunli", editor=None, per_installment: int = 5
) -> Series:
    """A series whose every installment is published."""
    call = awarded_call(top=min(cases, 10), excellent=max(cases - 10, 0), photos=photos)
    series = draft(call, slug=slug, per_installment=per_installment, editor=editor)
    for inst in series.installments.order_by("number"):
        ready(inst)
        services.installment_publish(installment=inst, actor=editor)
    return series


DESIGN_TITLES = {5: ("“口袋公园”点亮老城区", "某某街道"), 6: ("一张清单管到底", "某区市场监管局")}


def design_example(editor=None) -> Installment:
    """Installment (三) of the example in docs/publication-layout.md, edited by an editor (messy
    input on purpose: Windows line ends, full-width indents, a typed ■, blank lines)."""
    call = awarded_call(top=4, excellent=2, photos=2, titles=DESIGN_TITLES)
    series = draft(call, per_installment=2, editor=editor)
    inst = series.installments.get(number=3)
    ready(
        inst,
        editor=editor,
        editors_note=(
            "编者按：文明城市创建，功夫在细微处。本报推出优秀案例巡礼，陆续刊发十佳案例和优秀案例。\r\n"
            "\r\n今天刊发第三期。"
        ),
    )
    park, checklist = inst.features.order_by("position")
    park_photos = list(park.photos.select_related("photo").order_by("position"))
    services.feature_update(
        feature=park,
        title="“口袋公园”点亮老城区",
        unit_line="某某街道",
        body="　　老城区见缝插绿，建成口袋公园十二处。\r\n\r\n　　居民在家门口就能休憩、健身。  ",
        photos=[
            services.FeaturePhotoRow(
                photo=park_photos[0].photo, position=1, caption="■居民在新建成的口袋公园休憩。"
            ),
            services.FeaturePhotoRow(
                photo=park_photos[1].photo, position=2, caption="口袋公园里的健身步道。"
            ),
        ],
        actor=editor,
    )
    check_photos = list(checklist.photos.select_related("photo").order_by("position"))
    services.feature_update(
        feature=checklist,
        title="一张清单管到底",
        unit_line="某区市场监管局",
        body="一张清单列明检查事项，商户心中有数。",
        photos=[
            services.FeaturePhotoRow(
                photo=check_photos[1].photo, position=1, caption="工作人员上门走访商户。"
            )
        ],
        actor=editor,
    )
    return Installment.objects.select_related("series").get(pk=inst.pk)
