from django.contrib import admin

from .models import Call, Case, CaseEvent, DeadlineExtension, Membership, Photo, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "opens_at", "closes_at"]
    prepopulated_fields = {"slug": ["title"]}

    def get_readonly_fields(self, request, obj=None):
        """A final call keeps its status and award numbers here too (see services.call_save)."""
        if obj is not None and obj.is_final:
            return ["status", "award_top_n", "award_excellent_m"]
        return []


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["title", "call", "unit", "status", "updated_at"]
    list_filter = ["call", "status"]
    search_fields = ["title", "unit__name"]
    raw_id_fields = ["unit", "created_by"]


admin.site.register(DeadlineExtension)
admin.site.register(CaseEvent)
admin.site.register(Photo)
