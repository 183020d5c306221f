"""Every Form, ModelForm and FormSet class of the project, and the Django forms its pages use,
is fuzzed by some test (tests/test_fuzz_*.py registers them with fuzzkit.fuzzes)."""

import importlib
import inspect
import pkgutil
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from .fuzzkit import FUZZED, form_key

REPO = Path(__file__).resolve().parent.parent


def project_apps() -> tuple[str, ...]:
    """Every installed app whose code is in this repository, and the project package itself
    (civiccases: settings, URLs, middleware), so a new app is checked without editing this."""
    names = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(REPO)
        and "site-packages" not in Path(config.path).parts  # a virtualenv inside the checkout
    }
    names.add(settings.ROOT_URLCONF.split(".")[0])
    return tuple(sorted(names))


APPS = project_apps()
#: Django's own forms that the project's pages show (login, password change).
DJANGO_FORMS_USED = (AuthenticationForm, PasswordChangeForm)
FUZZ_MODULES = sorted(
    p.stem for p in Path(__file__).parent.glob("test_fuzz_*.py") if p.stem != "test_fuzz_coverage"
)


def project_form_classes() -> set[str]:
    found = set()
    for app in APPS:
        package = importlib.import_module(app)
        modules = [package]
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or info.name.endswith((".wsgi", ".asgi")):
                continue
            modules.append(importlib.import_module(info.name))
        for module in modules:
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if not cls.__module__.startswith(APPS) or cls.__name__.startswith("_"):
                    continue
                if issubclass(cls, (forms.BaseForm, forms.BaseFormSet)):
                    found.add(form_key(cls))
    return found


def test_every_form_is_fuzzed():
    for name in FUZZ_MODULES:
        importlib.import_module(f"tests.{name}")
    expected = project_form_classes() | {form_key(cls) for cls in DJANGO_FORMS_USED}
    missing = sorted(expected - FUZZED)
    assert not missing, f"forms no fuzz test covers (register them with fuzzkit.fuzzes): {missing}"


def test_every_app_of_the_repository_is_enumerated():
    assert {
        "accounts",
        "audit",
        "civiccases",
        "core",
        "judging",
        "publishing",
        "submissions",
    } <= set(APPS)
    assert all((REPO / app).is_dir() for app in APPS)


def test_the_enumeration_finds_forms_in_views_too():
    """The enumeration is not vacuous: it sees forms of forms.py modules (views define none)."""
    found = project_form_classes()
    assert "audit.forms.LogFilterForm" in found
    assert "submissions.forms.CaseForm" in found
    assert "judging.forms.NoticeForm" in found
    assert "publishing.forms.PhotoRowForm" in found
    assert len(found) >= 30
