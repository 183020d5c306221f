"""Settings, read from the environment (see .env.example); every setting the code reads is
declared here.

DEBUG=true is a laptop: a SQLite file, Celery tasks run eagerly in-process, media in ./media, plain
HTTP. Without it the settings are production's: SECRET_KEY is required, HTTPS is on (HTTPS=false
for an HTTP-only intranet), and production also sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL
(Redis, which then holds the cache too) and ALLOWED_HOSTS (README, Production).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production (DEBUG=false) set SECRET_KEY to a long random "
            "string, kept secret and the same for every process (README, Production); on a laptop "
            "set DEBUG=true."
        )
    SECRET_KEY = "django-insecure-laptop-only"  # noqa: S105 — DEBUG only
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused by the CSRF check comes back with what was typed, to send again (core/errors.py).
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

INSTALLED_APPS = [
    "core.admin_site.PortalAdminConfig",  # django.contrib.admin, organizers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "auditlog",
    "accounts",
    "core",
    "messaging",
    "submissions",
    "judging",
    "publishing",
    "certificates",
    "demo",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database that is down or restarting gives a clean 503 page, not a traceback.
    "civiccases.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civiccases.middleware.SessionMiddleware",  # Django's, quiet on a 5xx when the DB is down
    "civiccases.session_idle.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A large body only for a signed-in user on an upload URL; 413 before reading it otherwise.
    "civiccases.middleware.RequestBodyLimitMiddleware",
    "audit.middleware.AuditMiddleware",  # who did it, from where (after authentication)
    "django.contrib.messages.middleware.MessageMiddleware",
    # An account with a password someone else chose changes it first (after authentication).
    "civiccases.first_login.FirstLoginMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login lockout; must come first
    "accounts.backends.UserBackend",  # Django's, loading the user with its role profiles
]

ROOT_URLCONF = "civiccases.urls"
WSGI_APPLICATION = "civiccases.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "core.context_processors.site",  # the header and footer (core/site.py)
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # A database host that does not answer fails the request (503) instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
    # The planner's cost of a random read, for SSD storage (PostgreSQL's default, 4, is for
    # spinning disks and makes it scan a whole table where an index serves a judge's 250 rows).
    # Empty: not sent (a pooler such as PgBouncer may refuse the startup option; then set it on
    # the server with ALTER DATABASE … SET random_page_cost = 1.1).
    _page_cost = env.str("DATABASE_RANDOM_PAGE_COST", default="1.1").strip()
    if _page_cost:
        try:
            if float(_page_cost) <= 0:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                f"DATABASE_RANDOM_PAGE_COST must be a positive number, not {_page_cost!r}"
            )
        _options = DATABASES["default"]["OPTIONS"]
        _options["options"] = " ".join(
            filter(None, [_options.get("options", ""), f"-c random_page_cost={_page_cost}"])
        )
    # Behind a transaction-mode pooler (PgBouncer, pool_mode=transaction) a server-side cursor
    # (QuerySet.iterator() on PostgreSQL) may land on another server connection: set true there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# Celery: without a broker URL every task runs eagerly in-process (the laptop default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")


def _default_cache_url(broker: str) -> str:
    """The cache every process shares: the broker's Redis, in the database numbered one above
    the broker's (redis://host:6379/0 → redis://host:6379/1: clearing the cache flushes its
    database, never the task queue). Without a Redis broker, a per-process cache (a laptop, or
    one server running its tasks in-process): nothing the portal decides depends on the cache
    (core/cache.py), only how long a copy can lag, within its lifetime."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(broker)
    if parts.scheme not in ("redis", "rediss"):
        return "locmemcache://"
    db = parts.path.strip("/") or "0"
    if not db.isdigit() or int(db) >= 15:
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL: the cache goes to the Redis database after the broker's ({db!r}),"
            " and a Redis has databases 0 to 15: set CACHE_URL (README, Production)."
        )
    return urlunsplit(parts._replace(path=f"/{int(db) + 1}"))


# CACHE_URL chooses another cache (e.g. redis://cache-host:6379/0, or locmemcache://).
CACHES = {
    "default": env.cache_url_config(
        env.str("CACHE_URL", default="") or _default_cache_url(CELERY_BROKER_URL)
    )
}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis that is down costs a page a second at most, never a hang (core/cache.py then
    # goes on without the cache).
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Who sends the bytes of a protected file (photos, attachments) once a view has checked access
# (core.files.serve_protected): "python" streams it from the worker (`make run`, no proxy);
# "nginx" answers with an empty body and X-Accel-Redirect to PROTECTED_FILES_PREFIX + the file's
# name under MEDIA_ROOT, an `internal` location of nginx (deploy/nginx/portal.conf) that sends
# the file with ranges, sendfile and validators, and frees the worker at once.
PROTECTED_FILES = env.str("PROTECTED_FILES", default="python").strip().lower()
if PROTECTED_FILES not in ("python", "nginx"):
    raise ImproperlyConfigured(
        f'PROTECTED_FILES must be "python" or "nginx", not {PROTECTED_FILES!r}'
    )
PROTECTED_FILES_PREFIX = env.str("PROTECTED_FILES_PREFIX", default="/protected/")
if not (PROTECTED_FILES_PREFIX.startswith("/") and PROTECTED_FILES_PREFIX.endswith("/")):
    raise ImproperlyConfigured("PROTECTED_FILES_PREFIX must start and end with a slash")
# Where uploaded and generated files (photos, renditions, attachments, certificates, published
# copies) are stored: "local" (MEDIA_ROOT, the default and `make run`) or "s3", a bucket of an
# S3-compatible object store (MinIO, Ceph RGW, a cloud's) through django-storages. The bucket
# stays private (its own policy; S3_DEFAULT_ACL=private also sends that ACL with each object),
# objects are never overwritten, and the portal never hands out bucket URLs
# (core.storage.PrivateS3Storage): every file still goes through a view's access check and
# core.files.serve_protected, which streams it from the bucket (PROTECTED_FILES=python).
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local").strip().lower()
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f'MEDIA_STORAGE must be "local" or "s3", not {MEDIA_STORAGE!r}')
S3_BUCKET = env.str("S3_BUCKET", default="").strip()
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="").strip()
S3_ACCESS_KEY = env.str("S3_ACCESS_KEY", default="")
S3_SECRET_KEY = env.str("S3_SECRET_KEY", default="")
S3_REGION = env.str("S3_REGION", default="").strip()
S3_PREFIX = env.str("S3_PREFIX", default="").strip().strip("/")
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path").strip().lower()
S3_CA_BUNDLE = env.str("S3_CA_BUNDLE", default="").strip()
S3_DEFAULT_ACL = env.str("S3_DEFAULT_ACL", default="").strip()


def media_storage() -> dict:
    """STORAGES["default"] for MEDIA_STORAGE (checked: an S3 store needs its bucket, both keys
    or neither, and the python file sender)."""
    if MEDIA_STORAGE == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not S3_BUCKET:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET (the bucket's name)")
    if bool(S3_ACCESS_KEY) != bool(S3_SECRET_KEY):
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 needs both S3_ACCESS_KEY and S3_SECRET_KEY, or neither (then "
            "boto3 finds credentials itself: AWS_* variables, its config file, an instance role)"
        )
    if S3_ADDRESSING_STYLE not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured(
            f'S3_ADDRESSING_STYLE must be "path", "virtual" or "auto", not {S3_ADDRESSING_STYLE!r}'
        )
    if PROTECTED_FILES == "nginx":
        # nginx's X-Accel-Redirect sends a file from MEDIA_ROOT on its own disk; the objects of
        # a bucket are not there. Refused rather than quietly changed: the nginx config and the
        # worker count were chosen for nginx sending the bytes.
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 needs PROTECTED_FILES=python: nginx (X-Accel-Redirect) can only "
            "send files from a local folder, and the media files are in the bucket. Set "
            "PROTECTED_FILES=python (the portal then streams each file from the bucket after "
            "its access check)."
        )
    return {
        "BACKEND": "core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY or None,
            "secret_key": S3_SECRET_KEY or None,
            "region_name": S3_REGION or None,
            "location": S3_PREFIX,
            "addressing_style": S3_ADDRESSING_STYLE,
            "signature_version": "s3v4",
            "verify": S3_CA_BUNDLE or None,
            # No ACL header unless asked (Amazon S3 then also wants s3:PutObjectAcl, and a
            # bucket with ACLs switched off refuses most ACLs); never overwritten (a new name
            # instead, as on disk). No URL of the bucket is ever given out (PrivateS3Storage.url).
            "default_acl": S3_DEFAULT_ACL or None,
            "file_overwrite": False,
            # An object read whole (a photo to process) is spooled to a temporary file past
            # 5 MB instead of being held in memory (django-storages' default: never).
            "max_memory_size": 5 * 1024 * 1024,
        },
    }


STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Request bodies. Any request is refused (413) before its body is read when its Content-Length
# exceeds DATA_UPLOAD_MAX_MEMORY_SIZE, except a signed-in user's on an upload URL (views marked
# with core.uploads.takes_uploads): those may reach UPLOAD_MAX_REQUEST_BYTES (five 20 MB photos
# and an attachment fit), or IMPORT_MAX_UPLOAD_BYTES on the page importing cases.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=110 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Chunked uploads (the case form's script sends each photo and attachment on its own as soon as
# it is chosen; docs/uploads.md): the largest chunk taken (at most DATA_UPLOAD_MAX_MEMORY_SIZE:
# the chunk URL is not an upload URL, nginx's default body limit applies), where the partial
# files are kept (empty: "partial" under MEDIA_ROOT, shared by every app host as the media
# folder is), how many unfinished uploads one person may have, and the hours after which an
# upload without a new chunk, or a staged file never saved on a case, is removed.
UPLOAD_CHUNK_MAX_BYTES = env.int("UPLOAD_CHUNK_MAX_BYTES", default=2 * 1024 * 1024)
UPLOAD_PARTIAL_DIR = env.str("UPLOAD_PARTIAL_DIR", default="")
UPLOAD_OPEN_MAX = env.int("UPLOAD_OPEN_MAX", default=30)
UPLOAD_ABANDONED_HOURS = env.int("UPLOAD_ABANDONED_HOURS", default=48)
if not 0 < UPLOAD_CHUNK_MAX_BYTES <= DATA_UPLOAD_MAX_MEMORY_SIZE:
    raise ImproperlyConfigured(
        f"UPLOAD_CHUNK_MAX_BYTES must be above 0 and at most {DATA_UPLOAD_MAX_MEMORY_SIZE} "
        f"({UPLOAD_CHUNK_MAX_BYTES} given)"
    )
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis: a task taken by a worker that died (acks_late) goes back to the queue once it has been
# unacknowledged for the visibility timeout; workers look for such tasks every
# interval × throttle seconds. The timeout must exceed the longest task (CELERY_TASK_TIME_LIMIT).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request never waits long on a broker that is down (the data is saved; sweeps catch up).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = TIME_ZONE

# Results (judging/services/results.py): bootstrap samples of the rank-stability estimate, and
# the work (submitted reviews × samples) done inside a request (more goes to the Celery task) and
# inside that task (about a minute of one core; fewer samples for bigger rounds).
RESULTS_STABILITY_SAMPLES = env.int("RESULTS_STABILITY_SAMPLES", default=1000)
RESULTS_SYNC_WORK = env.int("RESULTS_SYNC_WORK", default=3_000_000)
RESULTS_TASK_WORK = env.int("RESULTS_TASK_WORK", default=100_000_000)
# Seconds between a change that makes results stale and their recomputation by a worker.
RESULTS_REFRESH_DELAY = env.int("RESULTS_REFRESH_DELAY", default=30)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# The portal's name in messages ({portal}) and documents.
PORTAL_NAME = env.str("PORTAL_NAME", default="文明创建案例征集评选平台")
# Text messages (messaging/backends/sms/): empty = no SMS channel. A dotted path to a backend
# class, in the style of EMAIL_BACKEND, e.g. messaging.backends.sms.console.SmsBackend.
SMS_BACKEND = env.str("SMS_BACKEND", default="")
# How fast one worker sends messages (Celery's rate_limit: "20/s", "300/m"), and how often a
# refused message is tried before it is shown as failed.
MESSAGES_RATE_LIMIT = env.str("MESSAGES_RATE_LIMIT", default="20/s")
MESSAGES_MAX_RETRIES = env.int("MESSAGES_MAX_RETRIES", default=4)
# A message still queued (or due for a retry) this many seconds after it was due lost its task
# (the broker was down, a worker died with a pending retry): the sweep queues it again.
MESSAGES_SWEEP_AFTER = env.int("MESSAGES_SWEEP_AFTER", default=1800)
# The file SMS backend (messaging.backends.sms.filebased.SmsBackend) writes one file per
# message into this folder (development and tests).
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sent-sms"))
# China Mobile 云MAS HTTP gateway (messaging.backends.sms.cmcc_mas.SmsBackend): the submit
# address (e.g. http://112.35.1.155:1992/sms/norsubmit), the enterprise name (ecName), the
# interface account (apId) and its password (secretKey, never sent: it only enters the mac),
# the signature code (sign) from 云MAS 管理 → 接口管理, and the seconds to wait for an answer.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_EC_NAME = env.str("SMS_EC_NAME", default="")
SMS_AP_ID = env.str("SMS_AP_ID", default="")
SMS_SECRET_KEY = env.str("SMS_SECRET_KEY", default="")
SMS_SIGN = env.str("SMS_SIGN", default="")
SMS_ADD_SERIAL = env.str("SMS_ADD_SERIAL", default="")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)

# Photo rules (a call may be stricter, never looser).
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=20 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
# Memory one PNG/WebP/HEIC may take decoded (all frames, 4 bytes a pixel), checked from its
# header before decoding; and the CPU seconds the photos of one form submission may use.
PHOTO_MAX_DECODED_BYTES = env.int("PHOTO_MAX_DECODED_BYTES", default=96 * 1024 * 1024)
PHOTO_REQUEST_CPU_SECONDS = env.float("PHOTO_REQUEST_CPU_SECONDS", default=20.0)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=30 * 1024 * 1024)
# Importing cases on the web page (submissions/importing.py): the upload, its unpacked size and
# the number of files in a .zip.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=1024**3)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=1024**3)
IMPORT_MAX_ARCHIVE_FILES = env.int("IMPORT_MAX_ARCHIVE_FILES", default=10_000)

# Security. A session ends after SESSION_COOKIE_AGE seconds without a request (idle timeout).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=2 * 3600)
# Refreshed at most every SESSION_REFRESH_SECONDS (civiccases/session_idle.py), not on every
# request: the timeout holds to within that interval and most page views write nothing.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=300)
if not 0 < SESSION_REFRESH_SECONDS < SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        "SESSION_REFRESH_SECONDS must be above 0 and below SESSION_COOKIE_AGE "
        f"({SESSION_REFRESH_SECONDS} and {SESSION_COOKIE_AGE} given): sessions would end while "
        "people are working"
    )
SESSION_COOKIE_HTTPONLY = True
# HTTPS: on in production, off with DEBUG. The one switch is HTTPS=false, for a portal served over
# plain HTTP on an intranet (then logins and cookies cross the network unencrypted: README). The
# settings below can still be set one by one.
HTTPS = env.bool("HTTPS", default=not DEBUG)
# Behind the reverse proxy that ends TLS: it must set X-Forwarded-Proto (replacing the client's).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload asks browser makers to hard-code HTTPS for the domain and all its subdomains,
    # which cannot be undone quickly: a choice for the domain's owner (SECURE_HSTS_PRELOAD=true),
    # not a default for a portal on a government's domain.
    "security.W021",
]

# Content Security Policy: everything from the portal itself, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # Bootstrap's style attributes
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login brute force: 5 failures lock that user name from that address for 30 minutes.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Audit trail (django-auditlog; the models tracked are listed in audit/registry.py).
AUDITLOG_CID_GETTER = "audit.context.current_cid"  # one id per request, task or command
AUDIT_EXPORT_MAX_ROWS = env.int("AUDIT_EXPORT_MAX_ROWS", default=20_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces itself at every start, management commands included (cron mails it).
    "loggers": {
        "axes.apps": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO; fontTools subsets fonts loudly.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Sweeps every Celery worker queues at its start and then every so many seconds (0: never), so
# that a worker alone recovers lost work, without beat (civiccases/celery.py). Each is safe to
# run from several workers at once.
WORKER_SWEEPS = {
    # Photos whose worker was killed mid-processing, or saved while the broker was down.
    "submissions.photos_sweep": env.int("PHOTOS_SWEEP_SECONDS", default=300),
    # Import jobs whose worker was killed mid-import, or created while the broker was down.
    "submissions.import_jobs_sweep": env.int("IMPORT_JOBS_SWEEP_SECONDS", default=300),
    # Round results whose recomputation was lost the same ways.
    "judging.results_sweep": env.int("RESULTS_SWEEP_SECONDS", default=300),
    # Invitations not answered in time: they expire and the next backups are invited.
    "judging.invitations_sweep": env.int("INVITATIONS_SWEEP_SECONDS", default=300),
    # Judges who did not sign their score sheet by the deadline: deemed to agree.
    "judging.signatures_sweep": env.int("SIGNATURES_SWEEP_SECONDS", default=300),
    # Certificate jobs whose worker was killed mid-job, or started while the broker was down.
    "certificates.jobs_sweep": env.int("CERTIFICATE_JOBS_SWEEP_SECONDS", default=300),
    # Messages whose send task was lost (broker down, worker gone): queued again, never twice.
    "messaging.messages_sweep": env.int("MESSAGES_SWEEP_SECONDS", default=300),
    # Units with no submitted case N days before a call's deadline get one reminder (催交).
    "submissions.deadline_reminders_sweep": env.int(
        "DEADLINE_REMINDERS_SWEEP_SECONDS", default=3600
    ),
    # Uploads staged by a form that was never saved are removed after UPLOAD_ABANDONED_HOURS.
    "submissions.staged_uploads_cleanup": 3600,
    # Chunked uploads not continued for UPLOAD_ABANDONED_HOURS, with their partial files.
    "submissions.chunked_uploads_sweep": 3600,
    # Upload files no row points to (a process killed between writing and committing), a day
    # old or more, are removed (submissions.services.storage_orphans_remove).
    "submissions.storage_orphans_sweep": 86400,
}
# Beat (`celery -A civiccases beat`, one process): what must happen at a set time.
CELERY_BEAT_SCHEDULE = {
    # Scheduled installments are published once their publication time has come.
    "publishing-publish-due": {"task": "publishing.publish_due", "schedule": 60.0},
}
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=1.0)
# /healthz answers 503 when the database is down (liveness). The broker, the workers and the
# cache are reported on it but fail it only when named here (comma-separated): all nodes share
# them, so by default their outage does not take every node out of the load balancer
# (core/health.py; README, Production).
HEALTHZ_REQUIRED = env.list("HEALTHZ_REQUIRED", default=[])
if not set(HEALTHZ_REQUIRED) <= {"broker", "worker", "cache"}:
    raise ImproperlyConfigured(
        f"HEALTHZ_REQUIRED names broker, worker or cache, comma-separated ({HEALTHZ_REQUIRED} "
        "given)"
    )
BENCHMARK_ENDPOINTS = env.bool("BENCHMARK_ENDPOINTS", default=False)
