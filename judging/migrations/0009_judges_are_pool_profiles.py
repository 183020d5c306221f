"""A judge is now a user with a profile in the expert pool (judging.Judge); the flag
User.is_judge goes (accounts 0002). Every user the flag made a judge keeps being one: those
without a profile get one, named after the account."""

from django.db import migrations


def profiles_for_flagged_judges(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Judge = apps.get_model("judging", "Judge")
    flagged = User.objects.filter(is_judge=True, judge_profile__isnull=True)
    Judge.objects.bulk_create(
        Judge(user=user, name=(user.full_name or user.username)[:100]) for user in flagged
    )


def flags_for_profiles(apps, schema_editor):
    """Backwards: the flag again for every user in the pool (profiles created stay)."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(judge_profile__isnull=False).update(is_judge=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("judging", "0008_verbose_names"),
    ]
    run_before = [("accounts", "0002_remove_user_is_judge")]

    operations = [migrations.RunPython(profiles_for_flagged_judges, flags_for_profiles)]
