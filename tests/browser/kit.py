"""What every browser flow does: sign in through the real login form; check a page with
axe-core."""

from pathlib import Path

from ..factories import PASSWORD

#: axe-core, vendored for the tests only (MPL-2.0, see vendor/README.md): the portal never
#: serves or loads it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: The impacts that fail a page; "minor" and "moderate" findings are left to review.
BLOCKING_IMPACTS = ("serious", "critical")


def login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign `username` in (the factories' password) and check the page shows the log-out form."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("form[action='/accounts/logout/']").count() == 1, "login failed"


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation (contrast, labels, names, ARIA …) on the
    page as it is shown now. axe is injected through the DevTools protocol, so the page's
    Content Security Policy (no inline script) does not stop it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [
        f"{v['id']} ({v['impact']}, {v['help']}): {[n['target'] for n in v['nodes'][:5]]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert found == [], f"{page.url}: {found}"
