from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from audit.context import audit_context
from demo import builders


class Command(BaseCommand):
    help = "Load demo calls, units, cases with photos and accounts (idempotent)."

    def handle(self, *args, **options):
        # Demo notifications would flood the console: keep them in memory.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            # Every demo action is in the audit trail, done by its role's demo account.
            with transaction.atomic(), audit_context(via="demo"):
                report = builders.build_all()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Every demo account's password is {builders.PASSWORD}"
            )
        )
