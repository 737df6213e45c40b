"""All settings, read from ``KB_*`` environment variables with embedded-mode defaults.

Embedded default: SQLite and a Whoosh index under ``KB_DATA_DIR``, Celery eager.
Server deployment: ``KB_DATABASE_URL=postgres://…``, ``KB_BROKER_URL=redis://…``,
``KB_SEARCH_BACKEND=postgres``. Nothing here touches the disk or configures anything at
import time; directories are created by the commands that need them.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from kb.env import email_url_mailer, env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("KB_DEBUG", False)

KB_DATA_DIR = Path(env_str("KB_DATA_DIR", str(BASE_DIR / "var"))).resolve()

# KB_SECRET_KEY, or KB_SECRET_KEY_FILE naming a file that holds it (make run writes one
# once, mode 0600, into KB_DATA_DIR/secret_key).
SECRET_KEY = env_secret("KB_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KB_SECRET_KEY is not set (nor KB_SECRET_KEY_FILE). Set it to a long random "
            "string, or set KB_DEBUG=1 for local development (make dev does this)."
        )
    # A fixed, obviously insecure key for development only: stable across processes.
    SECRET_KEY = "kb-development-only-insecure-key"  # noqa: S105

ALLOWED_HOSTS = env_list("KB_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KB_CSRF_TRUSTED_ORIGINS", [])

# Password of the ``admin`` user created by ``manage.py ensure_admin`` (make run).
KB_ADMIN_PASSWORD = env_str("KB_ADMIN_PASSWORD", "admin" if DEBUG else "")

INSTALLED_APPS = [
    "incidents",
    "kb.api",
    "kb.search",
    "kb.briefings",
    "kb.letters",
    "kb.audit",
    "kb.roles",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Wagtail's PostgreSQL search tables and our own full-text backend need it.
    "django.contrib.postgres",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Django's CSP middleware; the admin's relaxed policy under /admin/ (kb/security.py).
    "kb.security.KbContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "incidents.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # After authentication: answers a locked-out login attempt (django-axes).
    "axes.middleware.AxesMiddleware",
    # Last: under DEBUG, our 404/403 pages instead of Django's technical ones.
    "incidents.site.errors.ErrorPagesMiddleware",
]

ROOT_URLCONF = "kb.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # csp_nonce for the few inline scripts of the strict policy (API docs).
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "kb.wsgi.application"

_database_url = env_str("KB_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(KB_DATA_DIR / "kb.sqlite3"),
            # WAL: readers never wait for the writer (gunicorn's workers, Celery).
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it counts failed logins (site and admin) and refuses a locked-out
# username before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("KB_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_int("KB_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Lock-out is per account (axes.W006 asks for the address too): ten wrong passwords lock
# that username whatever the address, and one office behind a NAT is not locked out by
# one colleague's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# A shared cache (Redis) when configured: API throttles and lock-outs then hold across
# processes and hosts. Otherwise each process has its own memory cache.
KB_CACHE_URL = env_str("KB_CACHE_URL")
if KB_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": KB_CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = KB_DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = KB_DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Mail: KB_EMAIL_URL names an SMTP server (smtp://user:pass@host:587?tls=1 for STARTTLS,
# smtps://… for implicit TLS). Without it: printed to the console under DEBUG, otherwise
# not sent (kb.mail logs each discarded message).
KB_EMAIL_URL = env_secret("KB_EMAIL_URL")
if KB_EMAIL_URL:
    MAILERS = {"default": email_url_mailer(KB_EMAIL_URL)}
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "kb.mail.DisabledEmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("KB_EMAIL_FROM", "kb@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail -------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Distillation incident KB"
WAGTAILADMIN_BASE_URL = env_str("KB_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no calls to outside services
WAGTAIL_ENABLE_UPDATE_CHECK = False  # nor to releases.wagtail.org (the CSP refuses it)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "txt", "html", "csv", "json"]
# Documents are served by Wagtail's view (its permission checks), never from a media URL,
# and always as downloads: an uploaded HTML file is never rendered by the browser. The view
# adds "Content-Security-Policy: default-src 'none'" and nosniff.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True
# Uploads (ingest form, Wagtail documents and images): at most 10 MB a file.
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Celery --------------------------------------------------------------------------
KB_BROKER_URL = env_str("KB_BROKER_URL")
CELERY_BROKER_URL = KB_BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not KB_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = env_str("KB_RESULT_BACKEND", KB_BROKER_URL or "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Search --------------------------------------------------------------------------
KB_SEARCH_BACKEND = env_str("KB_SEARCH_BACKEND", "whoosh")
if KB_SEARCH_BACKEND not in {"whoosh", "postgres"}:
    raise ImproperlyConfigured(f"KB_SEARCH_BACKEND={KB_SEARCH_BACKEND!r}: use whoosh or postgres")
KB_SEARCH_INDEX_DIR = Path(env_str("KB_SEARCH_INDEX_DIR", str(KB_DATA_DIR / "index"))).resolve()
# Seconds an index write waits for the write lock before its task retries with backoff.
KB_SEARCH_LOCK_TIMEOUT = env_int("KB_SEARCH_LOCK_TIMEOUT", 30)

# --- REST API ------------------------------------------------------------------------
KB_API_THROTTLE_RATE = env_str("KB_API_THROTTLE_RATE", "1200/minute")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its challenge makes anonymous requests a 401, not a 403.
        "kb.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kb.api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["kb.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "kb.api.renderers.CSVRenderer",
    ],
    # JSON bodies of at most 1 MiB nested at most 32 deep: a 400, never a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["kb.api.parsers.LimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "kb.api.filters.StrictOrderingFilter",
        "kb.api.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kb.api.pagination.KbPagination",
    "PAGE_SIZE": env_int("KB_API_PAGE_SIZE", 50),
    "EXCEPTION_HANDLER": "kb.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Distillation incident KB API",
    "DESCRIPTION": "Incidents, campaigns, actors and their sourced figures.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages need a login (session or token) like the rest of the
    # API: anonymous gets the API's 401.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["kb.api.schema.only_api_paths"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kb.api.schema.add_errors_and_headers",
    ],
    # Swagger UI and Redoc from the sidecar package, served by the API: no CDN.
    "SWAGGER_UI_DIST": "/api/v1/docs/assets/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/api/v1/docs/assets/swagger-ui-dist/favicon-32x32.png",
    "REDOC_DIST": "/api/v1/docs/assets/redoc",
    "ENUM_NAME_OVERRIDES": {
        # An API token's state (kb/api/views/tokens.py): not a model field's choices.
        "TokenStatusEnum": ["active", "expired", "revoked"],
        **{f"{name}Enum": f"incidents.models.{name}"
           for name in ("Marking", "Qualifier", "DatePrecision", "ActorKind", "EventKind",
                        "RelationshipKind", "SourceKind", "ClaimKind", "ClaimStatus",
                        "IncidentStatus", "LetterStatus", "Reliability", "Granularity")},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KB_LOG_LEVEL", "INFO")},
    "loggers": {
        "whoosh": {"level": "WARNING"},
        # One INFO line per background task drowns the output of commands.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # WeasyPrint logs each layout step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Security headers ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail previews render in a same-origin iframe: SAMEORIGIN, not DENY (security.W019).
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]

# KB_HTTPS=1: the site is reached over HTTPS only (redirect, HSTS for a year, cookies
# marked Secure). KB_BEHIND_PROXY=1: a reverse proxy terminates TLS and sets
# X-Forwarded-Proto (it must overwrite any value a client sends).
KB_HTTPS = env_bool("KB_HTTPS", False)
KB_BEHIND_PROXY = env_bool("KB_BEHIND_PROXY", False)
if KB_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if KB_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (Django's middleware, kb/security.py). The site and the API:
# no inline script but a nonce'd one (the API docs) and the hashed
# onchange="this.form.submit()" of the briefing index's sort select; inline styles are
# allowed (the SVG charts use style attributes).
_FORM_SUBMIT_HANDLER = "'sha256-osjxnKEPL/pQJbFk1dKsF7PYFmTyMWGmVSiL9inhxJY='"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, CSP.UNSAFE_HASHES, _FORM_SUBMIT_HANDLER],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    # Redoc's search runs in a worker made from a blob: URL.
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
}
# Wagtail's admin (and the previews it renders) needs inline scripts and styles.
KB_CSP_ADMIN_PREFIX = "/admin/"
KB_CSP_ADMIN = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "frame-src": [CSP.SELF],
}
