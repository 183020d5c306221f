from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/resend-failed/", views.outbox_resend_failed, name="outbox_resend_failed"),
    path("outbox/<int:pk>/", views.message_detail, name="message_detail"),
    path("outbox/<int:pk>/resend/", views.message_resend, name="message_resend"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:event>/", views.template_edit, name="template_edit"),
    path("scoped/<slug:kind>/<slug:key>/templates/", views.templates, name="scope_templates"),
    path(
        "scoped/<slug:kind>/<slug:key>/templates/<slug:event>/",
        views.template_edit,
        name="scope_template_edit",
    ),
    path("channel/", views.channel, name="channel"),
]
