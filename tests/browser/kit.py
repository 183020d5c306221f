"""What every browser flow does: sign in through the real login form."""

from ..factories import PASSWORD


def login(page, base_url: str, username: str) -> None:
    """Sign `username` in (the factories' password) and check the page shows the log-out form."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("form[action='/accounts/logout/']").count() == 1, "login failed"
