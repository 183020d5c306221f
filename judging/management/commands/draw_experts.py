"""Draw experts at random for a round, as the round's drawing page does (commit, then draw)."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from judging import importing
from judging.services import drawing as services


class Command(BaseCommand):
    help = (
        "Draw experts at random for a round (verifiable: docs/drawing.md). Publishes the "
        "commitment, draws, reveals the seed and writes the record (-o). The invitations go "
        "out as after a drawing on the page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, metavar="SLUG", help="the call's slug")
        parser.add_argument("--round", required=True, type=int, metavar="N", help="round number")
        parser.add_argument("--count", required=True, type=int, help="experts to draw")
        parser.add_argument("--backups", type=int, default=0, help="backups, in order")
        parser.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="FIELD=N",
            help="N experts from this field, first (repeat; in the order given)",
        )
        parser.add_argument(
            "--exclude-own-unit",
            choices=[services.OWN_UNIT_OFF, services.OWN_UNIT_ROUND, services.OWN_UNIT_CALL],
            default=services.OWN_UNIT_CALL,
            help="exclude experts of the units of the round's cases, of the call's, or off",
        )
        parser.add_argument(
            "--no-relationships",
            action="store_true",
            help="do not exclude experts with a declared conflict on a case of the call",
        )
        parser.add_argument("--recent-calls", type=int, default=0, metavar="N")
        parser.add_argument("--max-draws-year", type=int, default=0, metavar="M")
        parser.add_argument(
            "--rating",
            choices=[services.RATING_OFF, services.RATING_DEPRIORITISE, services.RATING_EXCLUDE],
            default=services.RATING_OFF,
            help="experts rated 不称职 in the last --rating-calls calls",
        )
        parser.add_argument("--rating-calls", type=int, default=3, metavar="N")
        parser.add_argument("--operator", required=True, metavar="USER", help="an organizer")
        parser.add_argument("--witness", required=True, metavar="NAME")
        parser.add_argument("--reason", default="", help="the reason for a redraw")
        parser.add_argument("-o", "--output", metavar="RECORD.json")

    def handle(self, *args, **o):
        from audit.context import audit_context

        operator = get_user_model().objects.filter(username=o["operator"]).first()
        if operator is None or not roles.is_organizer(operator):
            raise CommandError(f"No organizer is named “{o['operator']}”.")
        try:
            rnd = importing.round_by_number(slug=o["call"], number=o["round"])
            rules = services.DrawingRules(
                count=o["count"],
                backups=o["backups"],
                quotas=[services.parse_quota(text) for text in o["field"]],
                own_unit=o["exclude_own_unit"],
                relationships=not o["no_relationships"],
                recent_calls=o["recent_calls"],
                max_draws_year=o["max_draws_year"],
                rating=o["rating"],
                rating_calls=o["rating_calls"],
            )
            with audit_context(via="command:draw_experts", actor=operator):
                record = services.drawing_commit(
                    round=rnd,
                    rules=rules,
                    witness=o["witness"],
                    redraw_reason=o["reason"],
                    actor=operator,
                )
                self.stdout.write(f"Commitment: {record.commitment}")
                record = services.drawing_reveal(record=record, actor=operator)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        data = services.record_json(record)
        names = data["result_names"]
        self.stdout.write(f"Seed: {record.seed}")
        self.stdout.write("Drawn: " + "、".join(names["drawn"]))
        self.stdout.write("Backups: " + "、".join(names["backups"]))
        for line in record.result.get("shortfall", []):
            self.stdout.write(f"Short: {line}")
        if o["output"]:
            Path(o["output"]).write_text(
                json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"Record written to {o['output']}.")
