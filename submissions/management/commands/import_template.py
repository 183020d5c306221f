"""Write a call's case import template (.xlsx), the same file the import page offers."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from submissions import importsheet
from submissions.models import Call


class Command(BaseCommand):
    help = (
        "Write the import template of a call as .xlsx: the columns import_cases reads (the "
        "core columns, 组别 when the call has categories, one column per form field, the photos "
        "and their captions) with data validation, and a sheet 说明 explaining each column. "
        "Reads only; changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, metavar="SLUG", help="the call's slug")
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE.xlsx", help="the file to write"
        )
        parser.add_argument(
            "--language",
            default="zh-hans",
            help="the language of the explanations (default zh-hans; en for English)",
        )

    def handle(self, *args, call, output, language="zh-hans", **options):
        call_obj = Call.objects.filter(slug=call).first()
        if call_obj is None:
            raise CommandError(f"No call has the slug “{call}”.")
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx.")
        with translation.override(language):
            content = importsheet.template_workbook(call_obj)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
        n_fields = call_obj.fields.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the import template of “{call_obj.title}” ({n_fields} form field(s)) "
                f"to {path}."
            )
        )
