"""The demo's collection: the finished call (2025年度…) holds two categories and its own form
fields, answered by every case, so the demo shows a call with fields and categories from
collection to a published installment."""

from demo.builders import FINAL_CALL, build_collection
from submissions import casefields
from submissions.models import Call


def test_the_finished_call_has_categories_and_fields_answered_by_its_cases(db):
    build_collection()
    call = Call.objects.get(slug=FINAL_CALL)
    fields = list(call.fields.order_by("position").prefetch_related("categories"))
    assert [
        (f.label, f.required, f.blind_mask, [c.name for c in f.categories.all()]) for f in fields
    ] == [
        ("志愿者人数", True, False, []),
        ("项目类型", True, False, []),
        ("视频链接", False, True, []),
        ("覆盖社区", False, False, ["社区组"]),
    ]
    cases = list(call.cases.select_related("category").order_by("number"))
    assert [c.category.name for c in cases[:2]] == ["社区组", "机关组"]
    by_label = {f.label: f for f in fields}
    for case in cases:
        assert case.extra[by_label["志愿者人数"].key] > 0
        assert case.extra[by_label["项目类型"].key]
        assert (by_label["覆盖社区"].key in case.extra) == (case.category.name == "社区组")
        assert (
            casefields.submission_problems(fields, case.extra, category_id=case.category_id) == {}
        )
    assert sum(1 for c in cases if by_label["视频链接"].key in c.extra) == 4
    assert build_collection() == ["Demo collection already present."]
