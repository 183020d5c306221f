"""Import the scores of an offline review meeting into a round, all or nothing."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from judging import importing
from judging.exports import COL_CODE, COL_COMMENT, COL_JUDGE, COL_TITLE


class Command(BaseCommand):
    help = (
        f"Import scores from an .xlsx or .csv (UTF-8 or GB18030) table with the columns "
        f"{COL_JUDGE}, {COL_CODE} and/or {COL_TITLE}, one column per criterion (named as the "
        f"criterion), and {COL_COMMENT} (optional). Each row becomes a submitted review, also in a "
        f"closed round. The judge must be on the round's panel; a panel judge not yet assigned "
        f"the case is assigned it (unless he or she has a conflict of interest with it). "
        f"Nothing is imported when any row has an error; every error names its row and column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--call", required=True, metavar="SLUG", help="the call's slug")
        parser.add_argument(
            "--round",
            required=True,
            type=int,
            metavar="N",
            help="the round number (1 for 初评, 2 for 复评 …)",
        )
        parser.add_argument(
            "--actor",
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the user recorded in the audit as having imported the scores",
        )

    def handle(self, *args, username=None, **options):
        from audit.context import audit_context

        actor = None  # the acting user, looked up once and passed to the services
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user is named “{username}”.")
        with audit_context(via="command:import_scores", actor=actor):
            return self._handle(*args, actor=actor, **options)

    def _handle(self, *args, file, call, round, actor, **options):
        try:
            rnd = importing.round_by_number(slug=call, number=round)
            report = importing.scores_import(round=rnd, source=file, actor=actor)
        except ValidationError as exc:
            messages = exc.messages
            raise CommandError(
                f"Nothing was imported; {len(messages)} problem(s):\n" + "\n".join(messages)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.rows} row(s) as submitted reviews into “{rnd.call.title} · "
                f"{rnd.name}”: {len(report.judges)} judge(s), {report.created_assignments} new "
                f"assignment(s), {report.replaced} earlier review(s) replaced."
            )
        )
