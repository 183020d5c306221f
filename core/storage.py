"""The media storage for an S3-compatible bucket (MEDIA_STORAGE=s3, civiccases/settings.py).

django-storages' S3Storage, with two changes the portal needs:
- `url()` never gives out an address of the bucket. S3Storage would answer a presigned URL
  (the store's endpoint and the access key's id, readable by anyone for minutes, past every
  access check) wherever Django asks a file for its URL, e.g. the admin's file widgets. Here it
  answers what the local storage answers, MEDIA_URL + name, which the portal never serves
  (404): files reach people only through the views' access checks (core.files).
- `stream()` reads an object with one request, straight from the store's answer, instead of
  `open()` (a HEAD request, then the whole object downloaded before the first byte goes out).

Imported only when the settings name it, so that processes with local media never load boto3.
"""

from urllib.parse import urljoin

from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)))

    def stream(self, name: str):
        """(body, length) of the object `name`: `body.read(n)` reads from the store's answer
        and `body.close()` ends it. FileNotFoundError when there is no such object."""
        key = self._normalize_name(clean_name(name))
        try:
            answer = self.bucket.Object(key).get()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") in ("NoSuchKey", "404") or status == 404:
                raise FileNotFoundError(name) from exc
            raise
        return answer["Body"], int(answer["ContentLength"])
