from django.contrib import admin

from .models import Installment, InstallmentVersion, Series


class InstallmentInline(admin.TabularInline):
    model = Installment
    fields = ["number", "headline", "publish_at", "scheduled", "current_version"]
    readonly_fields = ["current_version"]
    extra = 0
    show_change_link = True


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "call", "created_at"]
    search_fields = ["title", "slug"]
    inlines = [InstallmentInline]


@admin.register(InstallmentVersion)
class InstallmentVersionAdmin(admin.ModelAdmin):
    """Frozen versions are a record: readable here, never changed."""

    list_display = ["installment", "number", "published_at", "published_by"]
    list_select_related = ["installment__series", "published_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
