"""Playwright (sync API) + the system Chromium against pytest-django's `live_server`.

Skip rule: without /usr/bin/chromium (or the playwright package) the browser tests are skipped on
a laptop, but under CI=true they fail: CI must really drive a browser.
`playwright install` is never used; the system Chromium is launched by path.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
MIN_SCREENSHOT_BYTES = 10 * 1024
IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"chromium is missing: {CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is missing"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip early (before the test database is built) when the browser cannot run, unless CI."""
    here = Path(__file__).resolve().parent
    mine = [item for item in items if here in Path(str(item.path)).resolve().parents]
    reason = _missing() if mine and not IN_CI else None
    if reason:
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=reason))


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; CI=true, so the browser tests must run, not skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; DJANGO_ALLOW_ASYNC_UNSAFE only while Playwright runs.

    Playwright's sync API keeps an asyncio loop registered as running in the test thread, which
    makes Django refuse ORM calls from the test; the variable is restored afterwards.
    """
    reason = _missing()
    if reason:
        _unavailable(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()


@dataclass
class Browsing:
    """Opens browser contexts (one per person) and records what every page asked for."""

    browser: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def new_page(self):
        context = self.browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        # Context-level: covers every page and frame the context ever opens.
        context.on("request", lambda request: self.requests.append(request.url))
        context.on(
            "response",
            lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        return page

    def assert_only_local_requests(self):
        """No page loads anything from another host (government intranets have no internet)."""
        assert self.requests, "no request was recorded"
        prefix = self.base_url + "/"
        # data: URLs (inline SVG icons of Bootstrap) go to no host at all.
        outside = [u for u in self.requests if not (u.startswith(prefix) or u.startswith("data:"))]
        assert outside == [], f"requests left the live server {self.base_url}: {outside}"

    def assert_healthy(self):
        assert self.server_errors == [], f"server errors: {self.server_errors}"
        assert self.page_errors == [], f"JavaScript errors: {self.page_errors}"

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server):
    b = Browsing(browser=browser, base_url=live_server.url)
    yield b
    b.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(screenshot_dir):
    """`screenshot(page, "name")`: a full-page PNG in test-artifacts/screenshots/, checked."""

    def take(page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), full_page=True)
        assert path.is_file(), f"screenshot not written: {path}"
        size = path.stat().st_size
        assert size > MIN_SCREENSHOT_BYTES, f"{path.name} is only {size} bytes: blank page?"
        return path

    return take
