"""Units and their accounts, registered one by one or in bulk by organizers."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import organizer_required
from core.fields import bound_upload
from core.flash import flash_form_errors
from core.forms import TableUploadForm
from core.tabular import read_table
from core.uploads import takes_uploads

from .. import invitations, rules, services
from ..forms import InviteAccountsForm, UnitForm
from ..models import Unit

UNIT_COLUMNS = {
    "单位名称": "unit",
    "用户名": "username",
    "姓名": "full_name",
    "邮箱": "email",
    "初始密码": "password",
}
#: Each column's limit, from the models (the password as long as Django's password field).
UNIT_MAX_LENGTHS = {
    "单位名称": rules.unit_name_limit(),
    "用户名": rules.max_length(get_user_model(), "username"),
    "姓名": rules.max_length(get_user_model(), "full_name"),
    "邮箱": rules.max_length(get_user_model(), "email"),
    "初始密码": rules.max_length(get_user_model(), "password"),
}


@organizer_required
def unit_list(request):
    form = UnitForm(request.POST or None)
    new_accounts = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                unit, created = services.unit_get_or_create(name=data["name"], actor=request.user)
                if data["username"]:
                    new_accounts.append(
                        services.unit_account_create(
                            unit=unit,
                            username=data["username"],
                            full_name=data["full_name"],
                            email=data["email"],
                            password=data["password"],
                            actor=request.user,
                        )
                    )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
            if not new_accounts:
                return redirect("submissions:unit_list")
            form = UnitForm()
    units = Unit.objects.annotate(
        n_members=Count("memberships", distinct=True), n_cases=Count("cases", distinct=True)
    ).prefetch_related("members")
    return render(
        request,
        "submissions/unit_list.html",
        {
            "form": form,
            "units": units,
            "new_accounts": new_accounts,
            "import_form": TableUploadForm(),
            "columns": UNIT_COLUMNS,
        },
    )


@takes_uploads()
@organizer_required
def unit_import(request):
    form = TableUploadForm(*bound_upload(request))
    new_accounts, errors = [], []
    if request.method == "POST" and form.is_valid():
        try:
            table = read_table(
                form.cleaned_data["file"],
                required=["单位名称"],
                optional=[c for c in UNIT_COLUMNS if c != "单位名称"],
                max_lengths=UNIT_MAX_LENGTHS,
            )
            rows = [
                {
                    "row": row.number,
                    **{UNIT_COLUMNS[k]: v for k, v in row.items() if k in UNIT_COLUMNS},
                }
                for row in table.rows
            ]
            new_accounts = services.units_import(rows=rows, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("%(n)d row(s) imported.") % {"n": len(rows)})
    return render(
        request,
        "submissions/unit_import.html",
        {
            "form": form,
            "errors": errors,
            "new_accounts": new_accounts,
            "columns": UNIT_COLUMNS,
        },
        status=400 if errors or form.errors else 200,
    )


def invite_posted(request, *, people=None) -> None:
    """Send the accounts the organizer chose (POST `users`, among `people`: by default units'
    members) their invitation (again): one flash message names who was invited, one per
    refusal says why. The expert pool's page uses it too."""
    form = InviteAccountsForm(request.POST, people=people)
    if not form.is_valid():
        flash_form_errors(request, form, labels=False)
        return
    invited, refused = invitations.accounts_invite(
        users=form.cleaned_data["users"], actor=request.user
    )
    for refusal in refused:
        messages.error(request, refusal)
    if invited:
        messages.success(
            request,
            _("Invitation sent to %(names)s.") % {"names": _(", ").join(invited)},
        )


@require_POST
@organizer_required
def account_invite(request):
    """Invite units' accounts (again), from the unit list or after creating or importing."""
    invite_posted(request)
    return redirect("submissions:unit_list")
