"""A real S3 API for the MEDIA_STORAGE=s3 tests: moto's server, started in this process on a
free port (one per test session), and a fixture that points the default storage of one test at
a fresh private bucket on it, with the options civiccases/settings.py builds from the S3_*
variables (so the tests run the configuration an operator gets).

Every FileField of the portal uses `default_storage`, a lazy object that Django's
setting_changed signal empties when STORAGES changes (django.test.signals.storages_changed):
overriding STORAGES through pytest-django's `settings` switches every field to the bucket and
back after the test. A test module takes the fixtures by importing `s3_endpoint_fixture` and
`s3_media_fixture` (named `s3_endpoint` and `s3_media`).
"""

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

import civiccases.settings as portal_settings

ACCESS_KEY = "portal-tests"
SECRET_KEY = "portal-tests-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session", name="s3_endpoint")
def s3_endpoint_fixture() -> Iterator[str]:
    """The address of an S3 API (moto) running in a thread of this process."""
    # The server logs every request through werkzeug: not the tests' business.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    """The bucket a test's media go to, read directly through boto3 (not the portal)."""

    name: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def grants(self, key: str) -> list[tuple[str, str]]:
        """(grantee type or URI, permission) of every grant on the object."""
        acl = self.client.get_object_acl(Bucket=self.name, Key=key)
        return sorted(
            (g["Grantee"].get("URI", g["Grantee"]["Type"]), g["Permission"]) for g in acl["Grants"]
        )


@pytest.fixture(name="s3_media")
def s3_media_fixture(settings, monkeypatch, s3_endpoint) -> Bucket:
    """This test's media in a new private bucket on the S3 API, configured as an operator does
    (MEDIA_STORAGE=s3 and the S3_* variables, read by civiccases.settings.media_storage)."""
    name = f"portal-{uuid.uuid4().hex[:16]}"
    for variable, value in {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_REGION": REGION,
        "PROTECTED_FILES": "python",
    }.items():
        monkeypatch.setattr(portal_settings, variable, value)
    settings.PROTECTED_FILES = "python"
    settings.STORAGES = {**settings.STORAGES, "default": portal_settings.media_storage()}
    # The storage's own boto3 client (the test reads and writes the bucket with plain S3 calls,
    # not through the portal's code); the operator creates the bucket, as here, private.
    client = cast(Any, storages["default"]).connection.meta.client
    client.create_bucket(Bucket=name, ACL="private")
    return Bucket(name=name, client=client)
