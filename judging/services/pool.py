"""The expert pool: judges and their accounts."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from submissions.models import Unit

from ..models import Judge


@dataclass
class NewJudge:
    judge: Judge
    password: str  # shown once when it was generated; empty for an existing account


@acts
def judge_create(
    *,
    name: str,
    username: str,
    email: str = "",
    unit_name: str = "",
    affiliation: str = "",
    expertise: str = "",
    password: str = "",
    must_change_password: bool = True,
    actor: User | None,
) -> NewJudge:
    """Add an expert to the pool, with a new account or an existing one of that user name. A new
    account's password is chosen by the organizer (or generated): the expert must change it at
    first login (civiccases/first_login.py); the demo's accounts keep theirs."""
    name, username = (name or "").strip(), (username or "").strip()
    if not name:
        raise ValidationError(_("The expert's name is empty."))
    if not username:
        raise ValidationError(_("The user name is empty."))
    # Length and characters first: a huge or NUL-holding name must not reach the database.
    User._meta.get_field("username").run_validators(username)
    unit = None
    if unit_name.strip():
        unit = Unit.objects.filter(name=" ".join(unit_name.split())).first()
        if unit is None:
            raise ValidationError(
                _(
                    "No unit is called “%(name)s”. Leave the unit empty for an expert from "
                    "outside the submitting units, and give the affiliation instead."
                ),
                params={"name": unit_name},
            )
    user = User.objects.filter(username__iexact=username).first()
    shown = ""
    if user is None:
        user = User(username=username, full_name=name, email=email.strip())
        user.full_clean(exclude=["password"])
        if password:
            validate_password(password, user)
        else:
            password = shown = secrets.token_urlsafe(9)
        user.set_password(password)
        user.must_change_password = must_change_password
    elif Judge.objects.filter(user=user).exists():
        raise ValidationError(
            _("“%(name)s” is already in the expert pool."), params={"name": username}
        )
    if user.pk is None:
        user.save()
    judge = Judge.objects.create(  # the profile is what makes the user a judge
        user=user,
        name=name,
        unit=unit,
        affiliation=affiliation.strip(),
        expertise=expertise.strip(),
    )
    return NewJudge(judge=judge, password=shown)


@acts
def judge_update(
    *,
    judge: Judge,
    name: str,
    email: str = "",
    unit: Unit | None = None,
    affiliation: str = "",
    expertise: str = "",
    fields: list[str] | None = None,
    region: str | None = None,
    title: str | None = None,
    available: bool | None = None,
    unavailable_reason: str | None = None,
    actor: User | None,
) -> Judge:
    """Change an expert's profile (and the account's e-mail address and full name). The pool
    fields (fields of expertise, region, title, availability) change when given."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The expert's name is empty."))
    judge.name, judge.unit = name, unit
    judge.affiliation, judge.expertise = affiliation.strip(), expertise.strip()
    if fields is not None:
        judge.fields = list(dict.fromkeys(" ".join(f.split()) for f in fields if f.strip()))
    if region is not None:
        judge.region = region.strip()
    if title is not None:
        judge.title = title.strip()
    if available is not None:
        judge.available = available
        judge.unavailable_reason = "" if available else (unavailable_reason or "").strip()
    judge.full_clean(exclude=["user"])
    user = judge.user
    user.full_name, user.email = name, (email or "").strip()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=["full_name", "email"])
        judge.save()
    return judge


JUDGE_MAX_LENGTHS = {
    "姓名": 100,
    "用户名": 150,
    "邮箱": 254,
    "单位": 200,
    "工作单位": 200,
    "专业领域": 300,
    "初始密码": 128,
}
JUDGE_COLUMNS = {
    "姓名": "name",
    "用户名": "username",
    "邮箱": "email",
    "单位": "unit_name",
    "工作单位": "affiliation",
    "专业领域": "expertise",
    "初始密码": "password",
}


@acts
@transaction.atomic
def judges_import(*, rows: list[tuple[int, dict]], actor: User | None) -> list[NewJudge]:
    """Create judges from (row number, fields) pairs; all or nothing, errors name the row."""
    created, errors = [], []
    for number, row in rows:
        try:
            with transaction.atomic():
                created.append(judge_create(**row, actor=actor))
        except ValidationError as exc:
            errors.append(
                _("Row %(row)d: %(error)s") % {"row": number, "error": " ".join(exc.messages)}
            )
    if errors:
        raise ValidationError(errors)
    return created
