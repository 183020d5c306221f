from django.urls import path  # noqa: F401 — the designer, the downloads and /verify/<number>/

app_name = "certificates"

urlpatterns: list = []
