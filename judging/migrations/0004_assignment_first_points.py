from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_first_points(apps, schema_editor):
    """Existing reviews get the points of their round's first criterion (criteria are locked
    once scoring starts, so the first criterion cannot have changed since)."""
    Round = apps.get_model("judging", "Round")
    Criterion = apps.get_model("judging", "Criterion")
    Assignment = apps.get_model("judging", "Assignment")
    Score = apps.get_model("judging", "Score")
    for round_id in Round.objects.values_list("pk", flat=True):
        first = (Criterion.objects.filter(round_id=round_id).order_by("position", "id")
                 .values_list("pk", flat=True).first())
        if first is None:
            continue
        Assignment.objects.filter(round_id=round_id).update(first_points=Subquery(
            Score.objects.filter(assignment=OuterRef("pk"), criterion_id=first)
            .values("points")[:1]
        ))


class Migration(migrations.Migration):

    dependencies = [
        ("judging", "0003_result_rank_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="first_points",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True),
        ),
        migrations.RunPython(fill_first_points, migrations.RunPython.noop),
    ]
