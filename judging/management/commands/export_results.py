"""Write a round's 评分汇总表 (.xlsx), the same file the results page offers for download."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from judging import exports, importing
from judging.services import results as results_services
from judging.services import signing


class Command(BaseCommand):
    help = (
        "Export the 评分汇总表 of a round as .xlsx: every judge's total per case, every "
        "method's aggregate and rank, the flags and the awards (sheet 1), every criterion "
        "score and comment (sheet 2) and how the results were computed (sheet 3). Stale "
        "results are recomputed first (unless the call is final)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, metavar="SLUG", help="the call's slug")
        parser.add_argument(
            "--round",
            required=True,
            type=int,
            metavar="N",
            help="the round number (1 for 初评, 2 for 复评 …)",
        )
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE.xlsx", help="the file to write"
        )
        parser.add_argument(
            "--actor",
            dest="username",
            metavar="USERNAME",
            help="the user recorded in the audit as having recomputed stale results",
        )

    def handle(self, *args, call, round, output, username=None, **options):
        from audit.context import audit_context

        actor = None  # the acting user, looked up once and passed to the services
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user is named “{username}”.")
        with audit_context(via="command:export_results", actor=actor):
            return self._handle(call=call, round=round, output=output, actor=actor)

    def _handle(self, *, call, round, output, actor):
        try:
            rnd = importing.round_by_number(slug=call, number=round)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if results_services.results_state(round=rnd) != "fresh":
            if results_services.awards_locked(call=rnd.call):
                self.stderr.write("The call is final; exporting the results as stored.")
            else:
                samples = results_services.stability_samples_for(
                    rnd.assignments.filter(status="submitted").count()
                )
                n = results_services.results_compute(
                    round=rnd, stability_samples=samples, actor=actor
                )
                self.stdout.write(f"Recomputed the results of {n} case(s).")
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx.")
        try:
            # A signed round: the signed sheet itself (made as of its lock, the same bytes).
            path.write_bytes(
                signing.signed_sheet(rnd)
                if signing.is_locked(rnd)
                else exports.summary_workbook(round=rnd)
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}")
        n_results = rnd.results.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the 评分汇总表 of “{rnd.call.title} · {rnd.name}” ({n_results} case(s)) "
                f"to {path}."
            )
        )
