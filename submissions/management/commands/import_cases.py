"""Import offline-collected cases (e.g. archives of past years) from a table, all or nothing."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from submissions import importing, services
from submissions.forms import CallForm
from submissions.models import Call

#: An archive's call without --opens/--closes: open this long, closing now.
DEFAULT_OPEN_DAYS = 30


def _local_datetime(text: str, *, end_of_day: bool) -> datetime:
    """ "2019-06-30" or "2019-06-30 17:00" (Beijing time) as an aware datetime; a date alone is
    the start of the day, or its last minute with `end_of_day`."""
    text = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end_of_day:
            value = datetime.combine(value.date(), time(23, 59))
        return timezone.make_aware(value)
    raise CommandError(f"“{text}” is not a date; write it as 2019-06-30 or 2019-06-30 17:00.")


class Command(BaseCommand):
    help = (
        "Import cases from an .xlsx or .csv table (photo paths in the 图片 column relative to "
        "the table's folder) or from a .zip holding one table and its photos. Columns: "
        + "、".join(importing.COLUMNS)
        + ", plus 组别 when the call has categories and one column per field of the call's form "
        "(its Chinese or English label; `import_template` writes the call's template). Nothing "
        "is imported when any row has an error; every error is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .csv or .zip file")
        parser.add_argument(
            "--call",
            required=True,
            metavar="SLUG",
            help="short name (slug) of the call to import into",
        )
        parser.add_argument(
            "--create-call",
            metavar="TITLE",
            help="when no call has this slug, create a closed call with this title "
            "(for archiving past years); --opens, --closes, --host-line, --top-n and "
            "--excellent-m give its details",
        )
        parser.add_argument(
            "--opens",
            metavar="DATE",
            help="with --create-call: when the call opened, 2019-03-01 or 2019-03-01 09:00 "
            f"(Beijing time; default: {DEFAULT_OPEN_DAYS} days before it closed)",
        )
        parser.add_argument(
            "--closes",
            metavar="DATE",
            help="with --create-call: when the call closed, 2019-06-30 (the end of that day) "
            "or 2019-06-30 17:00 (Beijing time; default: now)",
        )
        parser.add_argument(
            "--host-line", default="", help="with --create-call: the host line (主办：…)"
        )
        parser.add_argument(
            "--top-n",
            type=int,
            metavar="N",
            help="with --create-call: the number of top cases (十佳; default 10)",
        )
        parser.add_argument(
            "--excellent-m",
            type=int,
            metavar="M",
            help="with --create-call: the number of excellent cases (优秀; default 20)",
        )
        parser.add_argument(
            "--imported-reason",
            default="",
            help="with --create-call: why the call is imported (recorded and shown on its "
            "pages instead of a public notice; default: an archive of a past call)",
        )
        parser.add_argument(
            "--actor",
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the user recorded as having imported the cases",
        )

    def handle(self, *args, username=None, **options):
        from audit.context import audit_context

        actor = None  # the acting user, looked up once and passed to the services
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user is named “{username}”.")
        with audit_context(via="command:import_cases", actor=actor):
            return self._handle(*args, actor=actor, **options)

    def _handle(self, *args, file, call, create_call=None, actor, **options):
        details = {
            k: options.get(k) for k in ("opens", "closes", "host_line", "top_n", "excellent_m")
        }
        call_obj = Call.objects.filter(slug=call).first()
        created = False
        if call_obj is None:
            if not create_call:
                raise CommandError(
                    f"No call has the slug “{call}”. Check the slug, or add "
                    f"--create-call TITLE to create a closed call for an archive."
                )
            call_obj = self._create_call(slug=call, title=create_call, actor=actor, **details)
            services.call_mark_imported(
                call=call_obj,
                reason=options.get("imported_reason")
                or "历史征集活动存档导入，评选结果已在门户启用前确定。",
                actor=actor,
            )
            created = True
            self.stdout.write(f"Created the closed call “{call_obj.title}” ({call_obj.slug}).")

        verbose = options.get("verbosity", 1) >= 1
        shown = {"step": -1}

        def progress(processed, total):
            step = 10 * processed // total if total else 10
            if verbose and step != shown["step"]:
                shown["step"] = step
                self.stdout.write(f"  {10 * step}% ({processed}/{total})")

        try:
            report = importing.cases_import_file(
                path=file, call=call_obj, actor=actor, progress=progress
            )
        except ValidationError as exc:
            if created:
                call_obj.delete()  # all or nothing: no empty call is left behind
            messages = exc.messages
            raise CommandError(
                f"Nothing was imported; {len(messages)} problem(s):\n" + "\n".join(messages)
            ) from exc
        except BaseException:
            if created and not call_obj.cases.exists():
                call_obj.delete()
            raise
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.created_count} case(s) with {report.photo_count} photo(s) into "
                f"“{call_obj.title}”."
            )
        )
        if report.units_created:
            self.stdout.write(
                f"Created {len(report.units_created)} unit(s): " + "、".join(report.units_created)
            )

    @transaction.atomic
    def _create_call(
        self,
        *,
        slug: str,
        title: str,
        actor,
        opens: str | None = None,
        closes: str | None = None,
        host_line: str | None = "",
        top_n: int | None = None,
        excellent_m: int | None = None,
    ) -> Call:
        """A closed call for an archive, validated by the very form organizers edit it with."""
        closes_at = (
            _local_datetime(closes, end_of_day=True)
            if closes
            else timezone.localtime().replace(second=0, microsecond=0)
        )
        opens_at = (
            _local_datetime(opens, end_of_day=False)
            if opens
            else closes_at - timedelta(days=DEFAULT_OPEN_DAYS)
        )
        if not closes and opens and opens_at >= closes_at:
            closes_at = opens_at + timedelta(days=DEFAULT_OPEN_DAYS)
        defaults = Call()
        data = {
            "title": title,
            "slug": slug,
            "host_line": host_line or "",
            "notice": "",
            "opens_at": timezone.localtime(opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": timezone.localtime(closes_at).strftime("%Y-%m-%dT%H:%M"),
            "min_photos": defaults.min_photos,
            "max_photos": defaults.max_photos,
            "max_photo_mb": defaults.max_photo_mb,
            "body_max_chars": defaults.body_max_chars,
            "award_top_n": defaults.award_top_n if top_n is None else top_n,
            "award_excellent_m": defaults.award_excellent_m if excellent_m is None else excellent_m,
        }
        form = CallForm(data=data)
        if not form.is_valid():
            problems = [
                str(m) if name == "__all__" else f"{name}: {m}"
                for name, messages in form.errors.items()
                for m in messages
            ]
            raise CommandError("The call cannot be created: " + " ".join(problems))
        try:
            call = services.call_save(call=form.instance, actor=actor)
            # Collected offline: the call was open once and is closed now.
            for status in (Call.Status.OPEN, Call.Status.CLOSED):
                services.call_set_status(
                    call=call, status=status, actor=actor, reason="import_cases --create-call"
                )
            return call
        except ValidationError as exc:
            raise CommandError("The call cannot be created: " + " ".join(exc.messages)) from exc
