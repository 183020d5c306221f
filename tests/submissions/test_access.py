"""Who reaches which page of the submissions app: every URL × every role, in the access-table
style of tests/access.py.

The table below must name every URL pattern of `submissions.urls`; a new URL without a row
fails `test_access_table_covers_every_url`, so whoever adds a page also decides who may reach it.

Roles: owner (the unit user who wrote the case), member (a colleague of the same unit), outsider
(another unit's user), judge, editor, organizer, anonymous. LOGIN = 302 to the login page with
?next=; REDIRECT = 302 somewhere else (the action ran or was refused with a message); 403 = the
role may not use the page at all; 404 = the object is not visible to this user (outsiders must
not even learn that it exists).
"""

from collections.abc import Callable

import pytest

from submissions.models import CallField, Case, CaseEvent, Category
from submissions.urls import urlpatterns

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import (
    CallDocumentFactory,
    CallFieldFactory,
    CategoryFactory,
    ChunkedUploadFactory,
    ImportJobFactory,
    MembershipFactory,
    ReceiptFactory,
    UserFactory,
    unit_user,
)
from .casekit import attachment_add, case_with_photos, photo_add

ROLES = ["anonymous", "owner", "member", "outsider", "judge", "editor", "organizer"]


def _roles(*, unit, judge, editor, organizer, anonymous=LOGIN, outsider=None) -> dict:
    """owner and member (same unit) get `unit`, the outsider the same unless told."""
    return dict(
        anonymous=anonymous,
        owner=unit,
        member=unit,
        outsider=unit if outsider is None else outsider,
        judge=judge,
        editor=editor,
        organizer=organizer,
    )


ORGANIZER_PAGE = _roles(unit=403, judge=403, editor=403, organizer=200)
ORGANIZER_ACTION = {**ORGANIZER_PAGE, "organizer": REDIRECT}
UNIT_PAGE = _roles(unit=200, judge=403, editor=403, organizer=200)
CASE_FILE = _roles(unit=200, outsider=404, judge=404, editor=404, organizer=200)
# Unit-only actions on a case: outsiders get 404 (not visible); people without any unit get 403
# from the role check before any lookup, whatever the id, so nothing leaks either way.
PUBLIC = _roles(unit=200, judge=200, editor=200, organizer=200, anonymous=200)
UNIT_CASE_ACTION = _roles(unit=REDIRECT, outsider=404, judge=403, editor=403, organizer=403)


def _call(w):
    return {"slug": w["call"].slug}


def _case(w):
    return {"pk": w["case"].pk}


def _field(w):
    return {"slug": w["call"].slug, "pk": w["field"].pk}


def _category(w):
    return {"slug": w["call"].slug, "pk": w["category"].pk}


def _document(w):
    return {"slug": w["call"].slug, "uid": w["document"].uid}


def _job(w):
    return {"pk": w["job"].pk}


def _upload(w):
    return {"uid": w["upload"].uid}


UPLOAD = {
    **_roles(unit=200, outsider=404, judge=403, editor=403, organizer=403),
    "member": 404,
}


def _photo(variant):
    return lambda w: {"uid": w["photo"].uid, "variant": variant}


TABLE = [
    Row("submissions:call_list", UNIT_PAGE),
    Row("submissions:call_create", ORGANIZER_PAGE),
    Row("submissions:call_detail", UNIT_PAGE, kwargs=_call),
    Row("submissions:call_edit", ORGANIZER_PAGE, kwargs=_call),
    Row("submissions:call_copy", ORGANIZER_PAGE, kwargs=_call),
    Row(
        "submissions:call_status",
        ORGANIZER_ACTION,
        kwargs=_call,
        method="post",
        data=lambda w: {"status": "closed"},
    ),
    Row(
        "submissions:call_screen",
        ORGANIZER_ACTION,
        kwargs=_call,
        method="post",
        data=lambda w: {"cases": [w["case"].pk], "action": "accept"},
    ),
    Row("submissions:extension_grant", ORGANIZER_ACTION, kwargs=_call, method="post"),
    # the case form's editor: organizers only
    Row(
        "submissions:call_fields",
        ORGANIZER_PAGE,
        kwargs=_call,
    ),
    Row(
        "submissions:call_fields",
        ORGANIZER_ACTION,
        kwargs=_call,
        method="post",
        data=lambda w: {"new-name": "机关组"},
        label="add a category",
    ),
    Row("submissions:call_field_create", ORGANIZER_PAGE, kwargs=_call),
    Row("submissions:call_field_edit", ORGANIZER_PAGE, kwargs=_field),
    Row(
        "submissions:call_field_edit",
        ORGANIZER_ACTION,
        kwargs=_field,
        method="post",
        data=lambda w: {"kind": "integer", "label": "志愿者总人数", "judges_see": "on"},
        label="save",
    ),
    Row("submissions:call_field_delete", ORGANIZER_ACTION, kwargs=_field, method="post"),
    Row(
        "submissions:call_field_move",
        ORGANIZER_ACTION,
        kwargs=_field,
        method="post",
        data=lambda w: {"direction": "down"},
    ),
    Row(
        "submissions:category_edit",
        ORGANIZER_ACTION,
        kwargs=_category,
        method="post",
        data=lambda w: {f"cat{w['category'].pk}-name": "社区一组"},
    ),
    Row("submissions:category_delete", ORGANIZER_ACTION, kwargs=_category, method="post"),
    Row(
        "submissions:category_move",
        ORGANIZER_ACTION,
        kwargs=_category,
        method="post",
        data=lambda w: {"direction": "down"},
    ),
    Row(
        "submissions:case_create",
        _roles(unit=200, judge=403, editor=403, organizer=403),
        kwargs=_call,
    ),
    Row("submissions:import_start", ORGANIZER_PAGE, kwargs=_call),
    Row("submissions:import_template", ORGANIZER_PAGE, kwargs=_call),
    Row("submissions:call_cases_export", ORGANIZER_PAGE, kwargs=_call),
    Row("submissions:import_status", ORGANIZER_PAGE, kwargs=_job),
    Row("submissions:import_progress", ORGANIZER_PAGE, kwargs=_job),
    # people without a unit are sent to their own start page
    Row(
        "submissions:case_list",
        _roles(unit=200, judge=REDIRECT, editor=REDIRECT, organizer=REDIRECT),
    ),
    Row("submissions:case_detail", CASE_FILE, kwargs=_case),
    Row("submissions:case_edit", {**UNIT_CASE_ACTION, "owner": 200, "member": 200}, kwargs=_case),
    Row("submissions:case_submit", UNIT_CASE_ACTION, kwargs=_case, method="post"),
    Row("submissions:case_withdraw", UNIT_CASE_ACTION, kwargs=_case, method="post"),
    Row(
        "submissions:case_screen",
        ORGANIZER_ACTION,
        kwargs=_case,
        method="post",
        data=lambda w: {"action": "accept"},
    ),
    Row(
        "submissions:case_category",
        ORGANIZER_ACTION,
        kwargs=_case,
        method="post",
        data=lambda w: {"category": ""},
    ),
    Row("submissions:photo_file", CASE_FILE, kwargs=_photo("original"), label="original"),
    Row("submissions:photo_file", CASE_FILE, kwargs=_photo("web"), label="web"),
    Row("submissions:photo_file", CASE_FILE, kwargs=_photo("thumb"), label="thumb"),
    Row(
        "submissions:attachment_file",
        CASE_FILE,
        kwargs=lambda w: {"uid": w["attachment"].uid},
    ),
    Row("submissions:unit_list", ORGANIZER_PAGE),
    Row("submissions:unit_import", ORGANIZER_PAGE),
    Row(
        "submissions:account_invite",
        ORGANIZER_ACTION,
        method="post",
        data=lambda w: {"users": [w["people"]["owner"].pk]},
    ),
    # the receipt (回执) PDF of a submission: whoever sees the case
    Row("submissions:receipt_pdf", CASE_FILE, kwargs=lambda w: {"pk": w["case"].pk, "version": 9}),
    # chunked uploads of the case form's script: any unit user starts one for an open call; an
    # upload is its uploader's alone (a colleague of the same unit gets 404 too)
    Row(
        "submissions:upload_create",
        _roles(unit=201, judge=403, editor=403, organizer=403),
        method="post",
        data=lambda w: {"call": w["call"].slug, "kind": "photo", "name": "a.jpg", "size": "100"},
    ),
    Row("submissions:upload_detail", UPLOAD, kwargs=_upload),
    Row(
        "submissions:upload_detail",
        {**UPLOAD, "owner": 400},  # a chunk without its offset
        kwargs=_upload,
        method="patch",
    ),
    Row("submissions:upload_detail", {**UPLOAD, "owner": 204}, kwargs=_upload, method="delete"),
    Row(
        "submissions:upload_finish",
        {**UPLOAD, "owner": 400},  # nothing sent yet: not complete
        kwargs=_upload,
        method="post",
    ),
    # a call's documents: anyone downloads those of a call out of draft (a draft call's: 404,
    # tests/publishing/test_public_home.py); organizers add and remove them
    Row("submissions:call_document", PUBLIC, kwargs=_document),
    Row("submissions:call_document_add", ORGANIZER_ACTION, kwargs=_call, method="post"),
    Row("submissions:call_document_remove", ORGANIZER_ACTION, kwargs=_document, method="post"),
    # the import template of an open call, for anyone
    Row("submissions:call_template", PUBLIC, kwargs=_call),
]
# Actions without a page of their own (a page that also takes a form answers GET too).
POST_ONLY = [
    row
    for row in TABLE
    if row.method == "post" and not any(r.url == row.url and r.method == "get" for r in TABLE)
]


@pytest.fixture
def world(call, unit_a, user_a, user_b, judge, editor, organizer):
    """Unit A's complete draft with a photo and an attachment, and an import job of the call."""
    case = case_with_photos(call=call, unit=unit_a, created_by=user_a)
    attachment = attachment_add(case, user=user_a)
    job = ImportJobFactory(call=call, created_by=organizer)
    # a receipt of an earlier submission (the POST rows submit the case: that one is the first)
    ReceiptFactory(case=case, version=9)
    field = CallFieldFactory(call=call, kind="integer", label="志愿者人数")
    CallFieldFactory(call=call, kind="text", label="口号")
    category = CategoryFactory(call=call, name="社区组")
    CategoryFactory(call=call, name="街道组")
    people = {
        "anonymous": None,
        "owner": user_a,
        "member": unit_user(unit_a, username="alice-colleague"),
        "outsider": user_b,
        "judge": judge,
        "editor": editor,
        "organizer": organizer,
    }
    return {
        "call": call,
        "case": case,
        "photo": case.photos.get(),
        "attachment": attachment,
        "job": job,
        "field": field,
        "category": category,
        "document": CallDocumentFactory(call=call),
        "people": people,
        "upload": ChunkedUploadFactory(user=user_a, call=call),
    }


def _case_state(world) -> tuple:
    stored = Case.objects.get(pk=world["case"].pk)
    form = (
        list(CallField.objects.values_list("label", "position", "kind")),
        list(Category.objects.values_list("name", "position")),
    )
    return (stored.status, stored.version, stored.title, CaseEvent.objects.count(), form)


def test_access_table_covers_every_url():
    assert access.missing_rows(TABLE, "submissions", urlpatterns) == []
    assert all(list(row.expect) == ROLES for row in TABLE)


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_access_url_role(client, world, row, role):
    access.check(client, world, row, role, state=_case_state)


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in POST_ONLY])
def test_access_post_only_url_refuses_get(client, world, row):
    role = "organizer" if row.expect["organizer"] == REDIRECT else "owner"

    access.check(client, world, Row(row.url, {role: 405}, kwargs=row.kwargs), role)


def test_access_outsider_post_edit_changes_nothing(client, world):
    edit = Row(
        "submissions:case_edit",
        {"outsider": 404},
        kwargs=_case,
        method="post",
        data=lambda w: {
            "title": "乙改的标题",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )

    access.check(client, world, edit, "outsider", state=_case_state)


def test_access_unknown_photo_variant_not_found(client, world):
    access.check(
        client, world, Row("submissions:photo_file", {"owner": 404}, kwargs=_photo("huge")), "owner"
    )


def test_access_unit_member_of_both_units_sees_both(client, world, unit_b):
    both = UserFactory(username="both")
    MembershipFactory(unit=world["case"].unit, user=both)
    MembershipFactory(unit=unit_b, user=both)
    world["people"]["both"] = both

    access.check(client, world, Row("submissions:case_detail", {"both": 200}, kwargs=_case), "both")


# ---------------------------------------------------------------- staged photos


@pytest.fixture
def staged(user_a):
    return photo_add(None, user=user_a)


def _staged_kwargs(variant: str) -> Callable[[dict], dict]:
    return lambda w: {"uid": w["staged"].uid, "variant": variant}


# A staged upload is its uploader's alone, even within the same unit, until it is saved.
STAGED = [
    Row(
        "submissions:photo_file",
        {"owner": 200, "member": 404, "outsider": 404},
        kwargs=_staged_kwargs(variant),
        label=f"staged {variant}",
    )
    for variant in ("original", "web", "thumb")
]


@pytest.mark.parametrize(("row", "role"), access.cases(STAGED))
def test_access_staged_photo(client, world, staged, row, role):
    response = access.check(client, {**world, "staged": staged}, row, role)

    if response.status_code == 200:
        assert response["Content-Type"] == "image/jpeg"


def test_access_outsider_cannot_attach_foreign_photo(client, staged, world, user_b):
    """Posting someone else's photo id (staged or on a case) attaches nothing."""
    foreign_ids = [staged.pk, world["photo"].pk]
    data = {
        "unit": str(user_b.memberships.get().unit_id),
        "title": "乙的案例",
        "photos-TOTAL_FORMS": "2",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
        "photos-0-photo": str(foreign_ids[0]),
        "photos-0-caption": "偷来的",
        "photos-0-position": "1",
        "photos-1-photo": str(foreign_ids[1]),
        "photos-1-caption": "偷来的",
        "photos-1-position": "2",
        "save": "1",
    }

    create = Row(
        "submissions:case_create",
        {"outsider": REDIRECT},
        kwargs=_call,
        method="post",
        data=lambda w: data,
    )

    access.check(client, world, create, "outsider")

    created = Case.objects.get(title="乙的案例")
    assert created.photos.count() == 0
    staged.refresh_from_db()
    world["photo"].refresh_from_db()
    assert (staged.case_id, staged.caption) == (None, "")
    assert world["photo"].case_id == world["case"].pk
