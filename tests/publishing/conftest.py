import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Accounts are made in almost every test here; their password hashing is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
