from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Portal roles"),
            {"fields": ("full_name", "phone", "is_organizer", "is_editor")},
        ),
    )
    list_display = ("username", "full_name", "email", "is_organizer", "is_editor", "judge")
    list_select_related = roles.PROFILES

    @admin.display(boolean=True, description=_("judge (in the expert pool)"))
    def judge(self, obj) -> bool:
        return hasattr(obj, "judge_profile")
