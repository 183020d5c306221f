"""The audit trail page and its .xlsx export (organizers only)."""

from itertools import islice

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from accounts.roles import organizer_required
from core import spreadsheet

from . import display, selectors
from .forms import LogFilterForm

PAGE_SIZE = 50


def _filtered(request):
    form = LogFilterForm(request.GET or None)
    qs = selectors.log_visible(request.user)
    if form.is_bound:
        if not form.is_valid():
            return form, None
        qs = selectors.log_filter(qs, **form.filters())
    return form, selectors.log_page_rows(qs)


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP entries (counting a million rows costs more than the page):
    past that the page says "more than 10,000" and the filters narrow it down."""

    COUNT_CAP = 10_000
    object_list: QuerySet[LogEntry]  # given log entries only: sliced and counted in the database

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP


@organizer_required
@require_GET
def log(request):
    form, qs = _filtered(request)
    page, rows = None, []
    if qs is not None:
        page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = display.rows(page.object_list)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
        },
        status=200 if qs is not None else 400,
    )


COLUMNS = [
    (gettext_lazy("When"), 18),
    (gettext_lazy("Who"), 24),
    (gettext_lazy("Action"), 10),
    (gettext_lazy("What"), 16),
    (gettext_lazy("Object"), 40),
    (gettext_lazy("Field"), 24),
    (pgettext_lazy("audit", "Before"), 40),
    (pgettext_lazy("audit", "After"), 40),
    (gettext_lazy("Note"), 30),
    (gettext_lazy("Address"), 16),
]


@organizer_required
@require_GET
def export(request):
    form, qs = _filtered(request)
    if qs is None:
        return render(
            request,
            "audit/log.html",
            {
                "form": form,
                "page": None,
                "rows": [],
            },
            status=400,
        )
    cap = settings.AUDIT_EXPORT_MAX_ROWS
    wb = spreadsheet.XlsxBook()
    ws = wb.sheet(_("Audit trail"), widths=[width for _name, width in COLUMNS])
    entries = qs[: cap + 1].iterator(chunk_size=2000)  # a LIMIT lets the database use its index
    written = 0
    capped = False
    header_written = False
    while True:
        chunk = list(islice(entries, 2000))
        if not chunk:
            break
        if written + len(chunk) > cap:
            chunk, capped = chunk[: cap - written], True
        if not header_written:
            ws.append([str(name) for name, _w in COLUMNS])
            header_written = True
        for row in display.rows(chunk, limit=None):
            ws.append(
                [
                    row.when.strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor,
                    row.action,
                    row.kind,
                    row.object,
                    "\n".join(c.label for c in row.changes),
                    "\n".join(c.before for c in row.changes),
                    "\n".join(c.after for c in row.changes),
                    row.note,
                    row.address,
                ]
            )
        written += len(chunk)
        if capped:
            break
    if not header_written:
        ws.append([str(name) for name, _w in COLUMNS])
    if capped:
        note = _(
            "Only the newest %(n)s entries are in this file: narrow the filters (dates, "
            "who, what) to export the rest."
        ) % {"n": f"{cap:,}"}
        ws.append([])
        ws.append([note])
        messages.warning(request, note)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = spreadsheet.response(wb.to_bytes(), f"audit-{stamp}.xlsx")
    response["X-Audit-Rows"] = str(written)
    response["X-Audit-Capped"] = "1" if capped else "0"
    return response
