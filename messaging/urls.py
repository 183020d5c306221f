from django.urls import path  # noqa: F401 — the outbox and the template editor come here

app_name = "messaging"

urlpatterns: list = []
