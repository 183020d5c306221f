from django.core.management.base import BaseCommand
from django.db import transaction

from demo import builders


class Command(BaseCommand):
    help = "Load demo calls, units, cases with photos and accounts (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            report = builders.build_all()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Every demo account's password is {builders.PASSWORD}"))
