"""The rules a case must meet, in one place: the case form, the services (`case_save`,
`case_submit`) and the import of offline cases (submissions/importing.py, used by both the web
import page and `import_cases`) call these functions.

Every limit comes from the models: a field's `max_length`, or the call's own settings (photo
counts, body length, photo size). The functions are pure (they read nothing from the database)
and raise a ValidationError keyed by field — "title", "contact_name", "contact_phone",
"summary", "body", "photos", "caption" — holding every problem found, in the order a person
reads the form; `exc.messages` lists them all.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import uploads

from .models import Call, Case, Photo, Unit

#: The states an organizer may screen a case in (again): waiting for screening, or screened
#: already. A draft, a withdrawn case and one returned to its unit are not the organizer's.
SCREENABLE = (
    Case.Status.SUBMITTED,
    Case.Status.RESUBMITTED,
    Case.Status.ACCEPTED,
    Case.Status.REJECTED,
)

#: The case's text fields, in form order.
TEXT_FIELDS = ("title", "contact_name", "contact_phone", "summary", "body")
#: What a case needs before it is submitted (a draft needs only a title).
REQUIRED_FOR_SUBMISSION = {
    "title": gettext_lazy("title"),
    "contact_name": gettext_lazy("contact person"),
    "contact_phone": gettext_lazy("contact phone"),
    "summary": gettext_lazy("summary"),
    "body": gettext_lazy("body"),
}
#: Fields whose line breaks are stored as one character (browsers send CRLF).
MULTILINE = ("summary", "body")

PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|\d{7,8})$", re.ASCII)


# ---------------------------------------------------------------- limits


def max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def text_limit(call: Call, field: str) -> int:
    """The most characters `field` may hold: the call's body limit, else the model's."""
    if field == "body":
        return call.body_max_chars
    return max_length(Case, field)


def caption_limit() -> int:
    return max_length(Photo, "caption")


def unit_name_limit() -> int:
    return max_length(Unit, "name")


def photo_mb_limit() -> int:
    """The largest photo size (MB) a call may allow: the portal's own limit."""
    return settings.PHOTO_MAX_BYTES // (1024 * 1024)


def photo_max_bytes(call: Call) -> int:
    """The largest photo the call accepts (its own limit, never above the portal's)."""
    return min(settings.PHOTO_MAX_BYTES, call.max_photo_mb * 1024 * 1024)


# ---------------------------------------------------------------- single rules


def too_long(n: int, limit: int, *, field: str = "") -> ValidationError:
    """The message for text over its limit ("body" names the body, others "the text")."""
    if field == "body":
        message = _("The body has %(n)d characters; at most %(max)d are allowed.")
    else:
        message = _("The text has %(n)d characters; at most %(max)d are allowed.")
    return ValidationError(message, code="too_long", params={"n": n, "max": limit})


def phone_validate(value: str) -> str:
    """A mainland mobile (13812345678) or landline (010-12345678, 0571-8765432-123) number,
    cleaned; raises ValidationError (not keyed) otherwise."""
    # NFKC turns full-width input (１３８…, （０１０）, －) into ASCII; other scripts' digits stay
    # and are refused (re.ASCII).
    cleaned = re.sub(r"[\s\u3000()（）]", "", unicodedata.normalize("NFKC", value or ""))
    cleaned = cleaned.replace("—", "-").replace("－", "-")
    if not PHONE_RE.match(cleaned):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number. Use a mobile number such as 13812345678 "
                "or a landline such as 010-12345678."
            ),
            code="phone",
            params={"value": value},
        )
    return cleaned


def _collect(errors: dict[str, list[ValidationError]]) -> None:
    errors = {field: problems for field, problems in errors.items() if problems}
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- a case


def case_text(call: Call, values: dict[str, str]) -> dict[str, str]:
    """Clean and check the text fields present in `values`: line breaks (CRLF → LF), the
    phone's format (an empty phone stays empty), each length. Returns the cleaned values;
    raises ValidationError keyed by field."""
    cleaned = dict(values)
    errors: dict[str, list[ValidationError]] = {}
    for field in TEXT_FIELDS:
        if field not in values:
            continue
        value = values[field] or ""
        if field in MULTILINE:
            value = value.replace("\r\n", "\n")
        if field == "contact_phone" and value.strip():
            try:
                value = phone_validate(value)
            except ValidationError as exc:
                errors.setdefault(field, []).append(exc)
                continue
        elif field == "contact_phone":
            value = ""
        limit = text_limit(call, field)
        if len(value) > limit:
            errors.setdefault(field, []).append(too_long(len(value), limit, field=field))
        cleaned[field] = value
    _collect(errors)
    return cleaned


def photo_count(call: Call, n: int, *, for_submission: bool) -> None:
    """At most `call.max_photos` photos; when submitting, at least `call.min_photos`."""
    problems = []
    if for_submission and n < call.min_photos:
        problems.append(
            ValidationError(
                _("At least %(min)d photo(s) are required; the case has %(n)d."),
                code="too_few_photos",
                params={"min": call.min_photos, "n": n},
            )
        )
    if n > call.max_photos:
        problems.append(
            ValidationError(
                _("At most %(max)d photos are allowed; this case has %(n)d."),
                code="too_many_photos",
                params={"max": call.max_photos, "n": n},
            )
        )
    _collect({"photos": problems})


def photo_rows_limit(call: Call) -> int:
    """The most photo rows one case form may send: a new or kept photo for each the call
    allows, a row for each photo already on the case that it removes (at most as many), and a
    few rows left empty."""
    return 2 * call.max_photos + 5


def photo_rows(call: Call, *, n_rows: int, n_kept: int) -> None:
    """The photo rows of one form, counted before any file in them is read: at most
    `photo_rows_limit` rows, and at most `call.max_photos` of them keeping or adding a photo."""
    problems = []
    if n_rows > photo_rows_limit(call):
        problems.append(
            ValidationError(
                _("The form has %(n)d photo rows; at most %(max)d are allowed. Nothing was saved."),
                code="too_many_rows",
                params={"max": photo_rows_limit(call), "n": n_rows},
            )
        )
    elif n_kept > call.max_photos:
        problems.append(
            ValidationError(
                _("At most %(max)d photos are allowed; this case has %(n)d."),
                code="too_many_photos",
                params={"max": call.max_photos, "n": n_kept},
            )
        )
    _collect({"photos": problems})


def captions(values: list[str]) -> None:
    """Each caption within the photo's caption field."""
    limit = caption_limit()
    _collect({"caption": [too_long(len(c), limit) for c in values if len(c) > limit]})


def case_for_submission(call: Call, values: dict[str, str], *, n_photos: int) -> None:
    """Everything a case needs before it is submitted: the required fields, the phone's format,
    the lengths and the photo count. Raises ValidationError keyed by field with every problem,
    missing fields first."""
    errors: dict[str, list[ValidationError]] = {}
    for field, label in REQUIRED_FOR_SUBMISSION.items():
        if not (values.get(field) or "").strip():
            errors[field] = [
                ValidationError(_("The %(field)s is missing.") % {"field": label}, code="required")
            ]
    present = {f: values.get(f) or "" for f in TEXT_FIELDS if f not in errors}
    for rule in (
        lambda: case_text(call, present),
        lambda: photo_count(call, n_photos, for_submission=True),
    ):
        try:
            rule()
        except ValidationError as exc:
            for field, problems in exc.error_dict.items():
                errors.setdefault(field, []).extend(problems)
    _collect(errors)


# ---------------------------------------------------------------- uploaded file names

#: Extensions a browser opens as a page or a script (the list lives in core, whose upload
#: field applies the same rule to every upload of the portal).
ACTIVE_EXTENSIONS = uploads.ACTIVE_EXTENSIONS


def upload_name(name: str) -> None:
    """Refuse a photo or attachment name ("photo.jpg.html", "plan.svg.pdf") with an extension a
    browser would open as a page or script anywhere after its first dot, case-insensitive: a
    copy saved under that name and opened later is a web page. The message names the file.
    The services and the import call it; the upload field (core.fields.UploadField) already
    refuses such names on every form."""
    uploads.name_check(name)
