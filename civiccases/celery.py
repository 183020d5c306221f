"""The Celery app: `celery -A civiccases worker` and `celery -A civiccases beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiccases.settings")

app = Celery("civiccases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
