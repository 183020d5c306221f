from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Portal roles"),
            {"fields": ("full_name", "phone", "is_organizer", "is_editor", "is_judge")},
        ),
    )
    list_display = ("username", "full_name", "email", "is_organizer", "is_editor", "is_judge")
