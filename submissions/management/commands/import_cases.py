"""Import offline-collected cases (e.g. archives of past years) from a table, all or nothing."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from submissions import importing, services
from submissions.models import Call


class Command(BaseCommand):
    help = (
        "Import cases from an .xlsx or .csv table (photo paths in the 图片 column relative to "
        "the table's folder) or from a .zip holding one table and its photos. Columns: "
        + "、".join(importing.COLUMNS)
        + ". Nothing is imported when any row has an error; every error is listed."
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
            "(for archiving past years)",
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
        call_obj = Call.objects.filter(slug=call).first()
        created = False
        if call_obj is None:
            if not create_call:
                raise CommandError(
                    f"No call has the slug “{call}”. Check the slug, or add "
                    f"--create-call TITLE to create a closed call for an archive."
                )
            call_obj = self._create_call(slug=call, title=create_call, actor=actor)
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
    def _create_call(self, *, slug: str, title: str, actor) -> Call:
        now = timezone.now()
        call = Call(slug=slug, title=title, opens_at=now - timedelta(seconds=1), closes_at=now)
        try:
            call = services.call_save(call=call, actor=actor)
            # Collected offline: the call was open once and is closed now.
            for status in (Call.Status.OPEN, Call.Status.CLOSED):
                services.call_set_status(
                    call=call, status=status, actor=actor, reason="import_cases --create-call"
                )
            return call
        except ValidationError as exc:
            raise CommandError("The call cannot be created: " + " ".join(exc.messages)) from exc
