"""The round's record of invitations and signed pledges as an .xlsx (organizers)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheet import XlsxBook

from . import selectors
from .models import Round


def _at(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def pledges_workbook(*, round: Round) -> bytes:
    """One sheet of signed pledges (expert, name typed, signed at, address, units listed, the
    SHA-256 of the text signed, the text) and one of the invitations with their answers."""
    wb = XlsxBook()
    sheet = wb.sheet(_("Signed pledges"), widths=(14, 14, 20, 16, 40, 66, 60), freeze="A2")
    sheet.append(
        [
            _("Expert"),
            _("Name typed"),
            _("Signed at"),
            _("Address"),
            _("Units listed"),
            _("SHA-256 of the text signed"),
            _("Text signed"),
        ]
    )
    for p in selectors.round_pledges(round=round):
        sheet.append(
            [
                p.judge.name,
                p.typed_name,
                _at(p.signed_at),
                p.ip_address or "",
                "、".join(p.units_listed or []),
                p.text_hash,
                p.text,
            ]
        )
    inv_sheet = wb.sheet(_("Invitations"), widths=(14, 12, 6, 16, 20, 20, 20, 40, 14), freeze="A2")
    inv_sheet.append(
        [
            _("Expert"),
            _("Role"),
            _("Order"),
            _("Status"),
            _("Invited at"),
            _("Answer by"),
            _("Answered at"),
            _("Reason"),
            _("Replaces"),
        ]
    )
    for inv in selectors.round_invitations(round=round):
        inv_sheet.append(
            [
                inv.judge.name,
                inv.get_role_display(),
                inv.order,
                _("Accepted the invitation")
                if inv.status == inv.Status.ACCEPTED
                else inv.get_status_display(),
                _at(inv.invited_at),
                _at(inv.respond_by),
                _at(inv.answered_at),
                inv.reason,
                inv.replaces.judge.name if inv.replaces else "",
            ]
        )
    return wb.to_bytes()


def pledges_filename(round: Round) -> str:
    return f"承诺书-{round.call.slug}-{round.number}.xlsx"
