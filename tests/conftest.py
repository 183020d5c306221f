import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from civiccases.celery import app as celery_app
from civiccases.session_idle import REFRESHED_KEY
from core import cache as caches
from core import site

from .factories import CallFactory, UnitFactory, UserFactory, unit_user

HERE = Path(__file__).resolve().parent
#: Markers given by where a test lives (pyproject.toml registers them; select with -m).
MARK_BY_FOLDER = {"browser": "browser", "live": "live"}
#: Markers implying `live`: they need the real broker and worker, or a PostgreSQL of their own.
LIVE_MARKERS = ("live_stack", "pg_cluster")
#: The slowest tests, marked `slow`: 4 s or more in `make test PYTEST_ARGS=--durations=40` on
#: SQLite, and the live-worker tests on PostgreSQL and Redis (2026-12-06). "path::function".
SLOW = frozenset(
    {
        "browser/test_accessibility_flow.py::test_every_roles_main_pages_pass_axe",
        "browser/test_audit_flow.py::test_organizer_reads_filters_and_exports_the_trail",
        "browser/test_usability_flow.py::"
        "test_body_counter_turns_red_past_the_limit_and_holds_the_form_back",
        "browser/test_usability_flow.py::"
        "test_on_a_phone_the_case_comes_first_and_the_total_says_what_it_leaves_out",
        "browser/test_usability_flow.py::"
        "test_in_a_round_that_allows_it_a_judge_changes_submitted_scores",
        "browser/test_collection_flow.py::test_case_submitted_returned_revised_and_accepted",
        "browser/test_collection_flow.py::"
        "test_non_image_upload_names_the_file_and_keeps_the_typed_text",
        "browser/test_judging_flow.py::"
        "test_judge_scores_two_cases_and_the_organizer_sees_100_percent",
        "browser/test_publishing_flow.py::"
        "test_editor_drafts_edits_and_publishes_and_a_reader_follows",
        "browser/test_results_flow.py::test_organizer_proposes_awards_and_downloads_the_summary",
        "browser/test_results_flow.py::test_organizer_publishes_the_notice_and_the_public_reads_it",
        "judging/test_assignment.py::test_properties_on_random_pools",
        "judging/test_assignment.py::test_impossible_cases_are_reported_with_the_right_ids",
        "judging/test_results_views.py::"
        "test_demo_results_build_on_the_judging_demo_and_are_idempotent",
        "judging/test_review_services.py::test_demo_judging_builds_once_through_the_services",
        "audit/test_audit.py::test_the_demo_fills_the_trail_with_every_roles_actions",
        "test_templates.py::test_no_page_of_any_role_shows_a_template_comment",
        "live/test_photo_worker.py::test_live_worker_strips_gps_and_makes_upright_renditions",
        "live/test_photo_worker.py::"
        "test_live_worker_marks_a_corrupted_original_failed_and_keeps_it",
        "live/test_readme_production.py::"
        "test_readme_production_steps_give_a_portal_a_superuser_logs_in_to",
        "live/test_postgres_restart.py::test_fast_restart_under_load_fails_cleanly_and_recovers",
        "live/test_postgres_restart.py::test_stopped_database_gives_503_then_recovers_when_started",
        "live/test_worker_killed.py::test_killed_pool_child_task_is_redelivered_and_processed_once",
        "live/test_worker_killed.py::"
        "test_whole_worker_killed_task_comes_back_after_the_visibility_timeout",
        "live/test_worker_killed.py::"
        "test_redelivery_while_the_first_attempt_holds_the_photo_lock_processes_once",
        "live/test_worker_killed.py::"
        "test_whole_worker_killed_without_beat_the_next_worker_redoes_the_photo_at_start",
        "test_fuzz_forms.py::test_call_form",
        "test_fuzz_forms.py::test_case_form",
        "test_fuzz_forms.py::test_scoring_form",
        "test_fuzz_forms.py::test_unit_form",
        "test_fuzz_judging.py::test_award_adjust",
        "test_fuzz_judging.py::test_judging_query_strings",
        "test_fuzz_judging.py::test_objection_record",
        "test_fuzz_judging.py::test_round_create",
        "test_fuzz_publishing.py::test_export_query_strings",
        "test_fuzz_publishing.py::test_feature_edit",
        "test_fuzz_publishing.py::test_installment_edit",
        "test_fuzz_publishing.py::test_series_settings",
        "test_fuzz_publishing.py::test_hostile_text_reaches_every_output",
        "test_fuzz_submissions.py::test_bulk_screening",
        "test_fuzz_submissions.py::test_case_list_query_strings",
        "test_fuzz_submissions.py::test_my_cases_query_string",
        "test_fuzz_uploads.py::test_case_import_cells",
        "test_static.py::"
        "test_collectstatic_with_production_storage_then_login_page_loads_its_css_and_js",
    }
)

#: An optional folder of external test files (the Pillow bad-image corpus in pillow-bad-images/).
#: The tests that read it skip without it; tests/imagegen.py makes the images every run needs.
TESTDATA_ENV = "CIVIC_TESTDATA"


# ---- markers and parallel runs (pytest-xdist) ---------------------------------------------------
#
# The live tests (tests/live/) start Celery workers on the shared Redis broker, most of them on
# the default queue: two of them at once in two xdist processes would take each other's tasks,
# and a task would then look for its photo in the other process's test database. So they all
# run in one xdist process, one after another; this also keeps the heaviest tests (a PostgreSQL
# cluster, gunicorn, worker processes killed on purpose) from competing for the cores.
# They carry the `xdist_group("live")` mark for `--dist loadgroup`, but pytest-xdist 3.8 cannot
# group under pytest 9.2 (it renames the test ids through a field pytest no longer reads:
# pytest-dev/pytest-xdist#1386), so the scheduler below groups them by folder itself.
LIVE_FOLDER = "tests/live/"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group markers
def pytest_collection_modifyitems(config, items):
    """Mark tests by folder (browser, live), file name (fuzz) and measured duration (slow)."""
    slow_found = set()
    for item in items:
        path = Path(str(item.path)).resolve()
        try:
            relative = path.relative_to(HERE)
        except ValueError:
            continue
        marker = MARK_BY_FOLDER.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if marker:
            item.add_marker(marker)
        if relative.name.startswith("test_fuzz_"):
            item.add_marker("fuzz")
        if marker == "live" or any(item.get_closest_marker(m) for m in LIVE_MARKERS):
            if marker != "live":
                item.add_marker("live")
            item.add_marker(pytest.mark.xdist_group("live"))
        if f"{relative.as_posix()}::{item.originalname}" in SLOW:
            item.add_marker("slow")
            slow_found.add(f"{relative.as_posix()}::{item.originalname}")
    # Every name listed must still exist (a renamed test must not silently lose its mark) when
    # the whole suite is collected.
    whole_suite = config.args in ([], ["tests"]) and not (
        config.option.keyword or config.getoption("ignore") or config.getoption("ignore_glob")
    )
    if items and whole_suite:
        missing = SLOW - slow_found
        if missing:
            raise pytest.UsageError(
                f"tests/conftest.py SLOW lists unknown tests: {sorted(missing)}"
            )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n` with `--dist load` (xdist's default) or `loadgroup`: each test is its own unit of work,
    except every test of tests/live/, which go to one xdist process together."""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class LiveTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "live" if nodeid.startswith(LIVE_FOLDER) else super()._split_scope(nodeid)

    return LiveTogether(config, log)


@pytest.fixture(autouse=True, scope="session")
def _eager_tasks():
    """Tasks run in-process unless a test starts a live worker (tests/live/)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False
    yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The test client's login() passes no request, which the lockout backend needs; the lockout
    # itself is tested in tests/test_security.py with the backend switched back on.
    settings.AUTHENTICATION_BACKENDS = ["accounts.backends.UserBackend"]
    settings.AXES_ENABLED = False
    # Accounts are made in almost every test and PBKDF2 is slow on purpose; hashing itself is
    # not under test (a password still has to match: check_password works the same).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the page cache must not carry one test's pages into the next
    # Every page shows the site profile (header, footer), read once and then cached: start
    # each test with the empty profile cached, as a running portal has it, so that query
    # counts do not depend on which request of a test comes first (tests/test_site_profile.py
    # counts the query itself).
    caches.site_profile(site.default_profile)
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions quote the English source texts (pages and services alike);
    tests/test_i18n.py checks the Chinese default."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _force_login_like_a_real_login(monkeypatch):
    """A real login's response passes civiccases.session_idle, which marks the new session as
    refreshed; the test client's force_login skips the middleware. Mark it the same way, so a
    test's first request costs what any later one does (query counts stay comparable)."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[REFRESHED_KEY] = int(time.time())
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def organizer(db):
    return UserFactory(is_organizer=True, username="organizer")


@pytest.fixture
def unit_a(db):
    return UnitFactory(name="甲街道")


@pytest.fixture
def unit_b(db):
    return UnitFactory(name="乙街道")


@pytest.fixture
def user_a(unit_a):
    return unit_user(unit_a, username="alice")


@pytest.fixture
def user_b(unit_b):
    return unit_user(unit_b, username="bob")


@pytest.fixture
def org_client(client, organizer):
    """A client logged in as the organizer, asking for English pages."""
    client.force_login(organizer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def judge(db):
    return UserFactory(is_judge=True, username="judge")


@pytest.fixture
def editor(db):
    return UserFactory(is_editor=True, username="editor")


@pytest.fixture
def call(db):
    return CallFactory(slug="civic-2026")


def testdata_problem() -> str | None:
    """Why the external test data cannot be used, or None."""
    value = os.environ.get(TESTDATA_ENV, "").strip()
    if not value:
        return (
            f"external test corpus not configured: set {TESTDATA_ENV} to the shared testdata "
            "folder to run it (.ci/run does on the CI machine, where it exists)"
        )
    if not Path(value).is_dir():
        return f"{TESTDATA_ENV}={value} is not a folder"
    return None


@pytest.fixture
def testdata() -> Path:
    """The external test data folder ($CIVIC_TESTDATA): an extra, the test skips without it."""
    reason = testdata_problem()
    if reason:
        pytest.skip(reason)
    return Path(os.environ[TESTDATA_ENV].strip())


@pytest.fixture
def lock_timeout():
    """PostgreSQL: a statement waiting over 3 s for a row lock fails (tests/concurrency.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
