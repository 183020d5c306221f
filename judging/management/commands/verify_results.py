"""Tell whether an 评分汇总表 file is the one the judges, the panel leader and the supervisor
signed: its SHA-256 against the one kept when the results locked (printed on the notice)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from judging.services import signing
from submissions.models import Call


class Command(BaseCommand):
    help = (
        "Check an 评分汇总表 (.xlsx) against the signed one of a call: exit status 0 when it is "
        "the signed file, 1 when it is not (both SHA-256 are printed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, metavar="SLUG", help="the call's slug")
        parser.add_argument("file", metavar="FILE.xlsx", help="the file to check")

    def handle(self, *args, call, file, **options):
        found = Call.objects.filter(slug=call).first()
        if found is None:
            raise CommandError(f"No call has the slug “{call}”.")
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}")
        verdict = signing.results_verify(call=found, content=content)
        if not verdict.expected:
            raise CommandError(f"The results of “{found.title}” are not signed yet.")
        if verdict.ok:
            assert verdict.round is not None
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {file} is the signed 评分汇总表 of “{found.title} · "
                    f"{verdict.round.name}” (SHA-256 {verdict.actual})."
                )
            )
            return
        self.stdout.write(
            self.style.ERROR(
                f"NOT the signed file: {file} has SHA-256 {verdict.actual}, the signed "
                f"评分汇总表 has {verdict.expected}."
            )
        )
        raise SystemExit(1)
