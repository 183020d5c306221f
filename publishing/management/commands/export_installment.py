"""`python manage.py export_installment SERIES_SLUG NUMBER --format FORMAT -o FILE`

FORMAT: txt, docx, html or wechat.html (publishing/exports.py)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from publishing import exports
from publishing.models import Installment, InstallmentVersion


class Command(BaseCommand):
    help = (
        "Export an installment for the print desk: plain text in the newspaper layout, a "
        "Word file, or a self-contained web page. By default the current draft; "
        "--published exports what readers see, --published-version N an earlier one."
    )

    def add_arguments(self, parser):
        parser.add_argument("series_slug")
        parser.add_argument("number", type=int, help="installment number (1 for (一), …)")
        parser.add_argument(
            "--format", "-f", dest="fmt", choices=sorted(exports.FORMATS), default="txt"
        )
        parser.add_argument("-o", "--output", help="file to write (txt and html: default stdout)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--published",
            action="store_true",
            help="export the published version instead of the draft",
        )
        group.add_argument(
            "--published-version",
            dest="version_number",
            type=int,
            help="export this published version",
        )

    def handle(self, *args, series_slug, number, fmt, output, published, version_number, **options):
        inst = (
            Installment.objects.select_related("series")
            .filter(series__slug=series_slug, number=number)
            .first()
        )
        if inst is None:
            raise CommandError(f"No installment {number} in series “{series_slug}”.")
        try:
            exported = exports.export_installment(
                installment=inst, fmt=fmt, published=published, version=version_number
            )
        except InstallmentVersion.DoesNotExist:
            raise CommandError("That version does not exist (is the installment published?).")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if not output or output == "-":
            if fmt == "docx":
                raise CommandError("A Word file needs -o FILE.")
            self.stdout.write(exported.data.decode("utf-8"), ending="")
            return
        path = Path(output)
        try:
            path.write_bytes(exported.data)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}")
        self.stderr.write(self.style.SUCCESS(f"Wrote {path} ({len(exported.data)} bytes)."))
