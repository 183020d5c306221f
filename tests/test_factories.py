"""Every model of the project has a factory in tests/factories.py, and each factory builds a
valid, saved instance. A model added without a factory fails here."""

import factory
import pytest
from django.apps import apps

from . import factories

PROJECT_APPS = (
    "accounts",
    "audit",
    "core",
    "messaging",
    "submissions",
    "judging",
    "publishing",
    "certificates",
)
# CaseFactory leaves the author empty (as for an account since deleted): many tests count the
# accounts and audit entries a case brings, so the author is passed here rather than made there.
REQUIRED = {"submissions.Case": lambda: {"created_by": factories.UserFactory()}}


def _project_models() -> list:
    return sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
        ),
        key=lambda model: model._meta.label,
    )


def _factories() -> dict:
    """model → its factory (the one factory of tests/factories.py whose Meta names it)."""
    found = {}
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            model = value._meta.model
            if model is not None:
                assert model not in found, f"two factories for {model._meta.label}"
                found[model] = value
    return found


def _make(model):
    extra = REQUIRED.get(model._meta.label, dict)()
    return _factories()[model](**extra)


def test_every_model_of_the_project_has_a_factory():
    missing = [m._meta.label for m in _project_models() if m not in _factories()]

    assert missing == [], f"add a factory to tests/factories.py for: {missing}"


def test_the_project_models_are_found():
    labels = {m._meta.label for m in _project_models()}

    assert {"accounts.User", "submissions.Case", "judging.Score", "publishing.Feature"} <= labels


@pytest.mark.django_db
@pytest.mark.parametrize("model", _project_models(), ids=lambda m: m._meta.label)
def test_factory_builds_a_valid_saved_instance(model):
    instance = _make(model)

    assert instance.pk is not None
    stored = model.objects.get(pk=instance.pk)
    stored.full_clean()  # raises ValidationError (naming the field) when it is not valid


@pytest.mark.django_db
@pytest.mark.parametrize("model", _project_models(), ids=lambda m: m._meta.label)
def test_factory_builds_two_instances_side_by_side(model):
    """Sequences keep unique fields apart: a second instance is as valid as the first."""
    first, second = _make(model), _make(model)

    assert first.pk != second.pk
    second.full_clean()
