"""The public verification page of a receipt (回执), at the site's root: /verify/receipt/<token>/
(its QR code leads there; no login)."""

from django.urls import path

from ..views import receipts

app_name = "receipts"

urlpatterns = [
    path("verify/receipt/<str:token>/", receipts.receipt_verify, name="verify"),
]
