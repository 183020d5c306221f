"""Admin of judging: for looking things up. Scores, reviews and their audit are read-only here;
they change only through the services (scoring page, reopening, imports)."""

from django.contrib import admin

from .models import (
    Assignment,
    Award,
    AwardChange,
    Conflict,
    Criterion,
    Judge,
    Notice,
    Objection,
    Result,
    Round,
    Score,
    ScoreAudit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Judge)
class JudgeAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "affiliation", "unit", "expertise"]
    search_fields = ["name", "user__username", "affiliation", "expertise"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["unit"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "call", "number", "status", "blind", "rule", "mode"]
    list_filter = ["status", "blind", "rule"]
    list_select_related = ["call"]
    search_fields = ["name", "call__title"]
    readonly_fields = ["status", "results_computed_at"]
    filter_horizontal = ["panel"]
    raw_id_fields = ["call", "entry_round"]
    inlines = [CriterionInline]


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ["judge", "case", "reason", "declared_at"]
    list_select_related = ["judge", "case"]
    search_fields = ["judge__name", "case__title", "reason"]


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["criterion", "points"]


class ScoreAuditInline(ReadOnlyInline):
    model = ScoreAudit
    readonly_fields = ("at", "action", "actor", "reason", "before", "after")
    fields = readonly_fields


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["round", "judge", "case", "status", "total", "submitted_at"]
    list_filter = ["status", "round__call"]
    list_select_related = ["round__call", "judge", "case"]
    search_fields = ["judge__name", "case__title"]
    inlines = [ScoreInline, ScoreAuditInline]


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = [
        "round",
        "rank",
        "case",
        "n_judges",
        "mean",
        "trimmed_mean",
        "zscore",
        "rank_changes",
        "near_cut",
    ]
    list_filter = ["round__call", "rank_changes", "near_cut"]
    list_select_related = ["round__call", "case"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["call", "rank", "level", "case", "adjusted"]
    list_filter = ["call", "level"]
    list_select_related = ["call", "case"]


@admin.register(AwardChange)
class AwardChangeAdmin(ReadOnlyAdmin):
    list_display = ["call", "case", "before", "after", "actor", "at"]
    list_select_related = ["call", "case", "actor"]


class ObjectionInline(ReadOnlyInline):
    model = Objection
    readonly_fields = ("received_at", "submitter", "case", "text", "answer", "answered_at")
    fields = readonly_fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["call", "title", "starts_at", "ends_at", "finalized_at"]
    list_select_related = ["call"]
    inlines = [ObjectionInline]
