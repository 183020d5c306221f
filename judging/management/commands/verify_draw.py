"""Check a drawing record (the JSON the round's drawing page offers): re-run the draw."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from judging import drawing


class Command(BaseCommand):
    help = (
        "Verify a random drawing of experts from its record (RECORD.json): the commitment is "
        "SHA-256 of the seed with the pool snapshot, the rules and the facts, and the drawn "
        "experts and backups are what the published algorithm gives (docs/drawing.md). Says OK "
        "(exit code 0) or exactly what differs (exit code 1). Reads only the file."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("record", metavar="RECORD.json", help="the drawing record")

    def handle(self, *args, record, **options):
        try:
            data = json.loads(Path(record).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise CommandError(f"Cannot read {record}: {exc}")
        problems = drawing.verify(data)
        if problems:
            for problem in problems:
                self.stdout.write(f"DIFFERS: {problem}")
            raise CommandError("The drawing record is not valid.", returncode=1)
        result = data["result"]
        self.stdout.write(
            f"OK: commitment {data['commitment']}; drawn {result['drawn']}, "
            f"backups {result['backups']}."
        )
