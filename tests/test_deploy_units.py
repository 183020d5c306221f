"""The shipped systemd units (deploy/systemd/) run what the README's production steps run, with
the settings the benchmarks were measured with: the Celery worker gives way to the web."""

import configparser
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNITS = REPO / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def command(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


@pytest.mark.parametrize(
    ("name", "program", "module_args"),
    [
        ("portal-web.service", "gunicorn", ["civiccases.wsgi"]),
        ("portal-worker.service", "celery", ["-A", "civiccases", "worker"]),
        ("portal-beat.service", "celery", ["-A", "civiccases", "beat"]),
    ],
)
def test_each_unit_runs_the_portal_from_its_virtualenv(name, program, module_args):
    args = command(name)
    assert args[0].endswith(f"/.venv/bin/{program}"), args
    assert args[1 : 1 + len(module_args)] == module_args
    service = unit(name)["Service"]
    assert service["EnvironmentFile"] == "/etc/civiccases/portal.env"
    assert service["User"] == "portal" and service["NoNewPrivileges"] == "true"


def test_the_worker_gives_way_to_the_web():
    """BENCHMARKS.md, the open-loop deadline day: with the worker at the web's priority the
    photo step's p95 at 5 cases/s was 2.6 s, with these settings 0.2–0.5 s."""
    web, worker = unit("portal-web.service")["Service"], unit("portal-worker.service")["Service"]
    assert int(worker["Nice"]) > int(web.get("Nice", "0"))
    # systemd's default CPUWeight and IOWeight are 100.
    assert int(worker["CPUWeight"]) < int(web.get("CPUWeight", "100"))
    assert int(worker["IOWeight"]) < int(web.get("IOWeight", "100"))


def test_the_web_runs_sync_workers():
    """README: threads made the judges' pages slower under load; sync workers, a set number."""
    args = command("portal-web.service")
    assert "--threads" not in args and "--worker-class" not in args
    assert int(args[args.index("--workers") + 1]) >= 1
    assert "--timeout" in args
