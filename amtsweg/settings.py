"""Settings for Amtsweg, read from the environment.

AMTSWEG_MODE selects the profile: ``production`` (default), ``demo`` (local
platform with demo data) or ``test``. Production refuses to start with debug
defaults or missing secrets; demo and test fill in safe local defaults.

One module over 400 lines on purpose: every setting is read here once, in one order, so an operator
finds each environment variable in one place (docs/operations.md lists them).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
MODE = env.str("AMTSWEG_MODE", default="production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"AMTSWEG_MODE must be production, demo or test, not {MODE!r}")
LOCAL = MODE != "production"

# Off in every mode, the demo included: visitors see the real 404/500 pages, never settings.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key" if LOCAL else "")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if LOCAL else [])

if MODE == "production":
    # Refuse debug defaults: a production instance must be configured explicitly.
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must not be on in production.")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (at least 50 characters) in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")

# Where reference data lives (Destatis register, OZG catalogue, PLZ, FIM, xdomea).
SHARED_DATA_DIR = Path(env.str("AMTSWEG_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))
VAR_DIR = Path(env.str("AMTSWEG_VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "amtsweg.ops",  # app label "core" (see amtsweg/ops/apps.py)
    "amtsweg.directory",
    "amtsweg.catalog",
    "amtsweg.jurisdiction",
    "amtsweg.finder",
    "amtsweg.forms",
    "amtsweg.assistant",
    "amtsweg.submissions",
    "amtsweg.audit",
    "amtsweg.apiclients",
    "amtsweg.cases",
    "amtsweg.hub",
    "amtsweg.pages",
    # Installed in every mode: its `bootstrap` loads the reference data too; demo content only in demo mode.
    "amtsweg.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "amtsweg.web.locale.CookieLocaleMiddleware",  # language from the switcher's cookie (ADR 0025)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "amtsweg.urls"
WSGI_APPLICATION = "amtsweg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "amtsweg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "amtsweg.web.context_processors.site",
            ],
        },
    },
]

# SQLite (WAL, the OPTIONS below) is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'amtsweg.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # Wait for a writer instead of failing at once; IMMEDIATE avoids upgrade deadlocks.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Workers and web processes keep their connection: a new one per task costs ~20 ms.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=600))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# npm installs KERN UX, htmx and axe-core into node_modules; only the files we serve are collected.
STATICFILES_DIRS = [BASE_DIR / "amtsweg" / "static", ("vendor", BASE_DIR / "node_modules")]
# Uploads, receipts: outside STATIC_ROOT/MEDIA and never served directly, only through views
# that check access (amtsweg.submissions.views).
PRIVATE_STORAGE_DIR = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_DIR, "base_url": None, "file_permissions_mode": 0o600},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if LOCAL
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers and cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not LOCAL
CSRF_COOKIE_SECURE = not LOCAL
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not LOCAL)
SECURE_HSTS_SECONDS = 0 if LOCAL else 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not LOCAL else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["amtsweg.web.throttling.AnonClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("AMTSWEG_API_ANON_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "amtsweg.web.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Amtsweg API",
    "DESCRIPTION": "Leistungskatalog, Zuständigkeitsfinder und Gemeindeverzeichnis.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Redoc from our own static files (drf-spectacular-sidecar), so the strict CSP holds.
    "REDOC_DIST": "SIDECAR",
}

# Background tasks (docs/adr/0006-background-tasks.md): django-tasks with its database backend in
# every mode, so a task row is written in the same transaction as the data it works on. Workers:
# ``manage.py db_worker`` (several on PostgreSQL, one beside the web process on SQLite).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Outgoing mail (confirmation e-mails) goes through real SMTP; the host is given by the environment.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
# Locally the demo's SMTP sink (`manage.py demo_mail_sink`) listens on AMTSWEG_SMTP_PORT.
EMAIL_PORT = env.int("EMAIL_PORT", default=env.int("AMTSWEG_SMTP_PORT", default=1025) if LOCAL else 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Amtsweg <noreply@amtsweg.localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"strip_query": {"()": "amtsweg.ops.logging.StripQueryString"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["strip_query"]},
    },
    "root": {"handlers": ["console"], "level": env.str("AMTSWEG_LOG_LEVEL", default="INFO")},
    "loggers": {
        # runserver's access log: same handler, so query strings are stripped there too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Application assistant runtime (amtsweg.assistant): drafts expire this many days after their last
# change; uploads are stored outside the web root and never larger than AMTSWEG_UPLOAD_MAX_MB.
AMTSWEG_DRAFT_TTL_DAYS = env.int("AMTSWEG_DRAFT_TTL_DAYS", default=30)
AMTSWEG_UPLOAD_MAX_MB = env.int("AMTSWEG_UPLOAD_MAX_MB", default=10)
AMTSWEG_UPLOAD_DIR = Path(env.str("AMTSWEG_UPLOAD_DIR", default=str(VAR_DIR / "private" / "uploads")))

# Integrationsdienst (hub). Personal data in messages is encrypted with AMTSWEG_DATA_KEY
# (comma-separated Fernet keys, newest first; required in production, see docs/hub/message.md).
AMTSWEG_DATA_KEY = env.str("AMTSWEG_DATA_KEY", default="")
AMTSWEG_HUB_MAX_ATTEMPTS = env.int("AMTSWEG_HUB_MAX_ATTEMPTS", default=20)
AMTSWEG_HUB_API_RATE = env.str("AMTSWEG_HUB_API_RATE", default="600/min")
AMTSWEG_HUB_API_MAX_BODY_MB = env.int("AMTSWEG_HUB_API_MAX_BODY_MB", default=25)
AMTSWEG_DEMO_FACHVERFAHREN_URL = env.str("AMTSWEG_DEMO_FACHVERFAHREN_URL", default="http://127.0.0.1:8001/antraege")

# Operations: /metrics needs the token or a listed client address (loopback only outside production).
AMTSWEG_METRICS_TOKEN = env.str("AMTSWEG_METRICS_TOKEN", default="")
AMTSWEG_METRICS_ALLOWED_IPS = env.list("AMTSWEG_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"] if LOCAL else [])
AMTSWEG_HEALTH_MAX_BACKLOG = env.int("AMTSWEG_HEALTH_MAX_BACKLOG", default=10000)
AMTSWEG_HEALTH_MAX_TASK_AGE_SECONDS = env.int("AMTSWEG_HEALTH_MAX_TASK_AGE_SECONDS", default=3600)
# Probes reach the app over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# --- Task workers: heartbeat and takeover (amtsweg.ops.workers, ``manage.py worker``) ----------------
# A worker whose heartbeat is older than the lease is dead; any live worker then takes over its work.
AMTSWEG_WORKER_HEARTBEAT_SECONDS = env.float("AMTSWEG_WORKER_HEARTBEAT_SECONDS", default=5.0)
AMTSWEG_WORKER_LEASE_SECONDS = env.float("AMTSWEG_WORKER_LEASE_SECONDS", default=30.0)
AMTSWEG_WORKER_MAX_TAKEOVERS = env.int("AMTSWEG_WORKER_MAX_TAKEOVERS", default=3)
# On the same host (and PID namespace) a worker whose process is gone is dead at once, without the lease.
AMTSWEG_WORKER_LOCAL_PID_CHECK = env.bool("AMTSWEG_WORKER_LOCAL_PID_CHECK", default=True)
# Readiness (/health/ready): 503 when unfinished work is older than this, or — if workers are expected
# (set it where ``manage.py worker`` runs) — when no worker has been seen within the lease.
AMTSWEG_HEALTH_STUCK_SECONDS = env.int("AMTSWEG_HEALTH_STUCK_SECONDS", default=300)
AMTSWEG_HEALTH_EXPECT_WORKERS = env.bool("AMTSWEG_HEALTH_EXPECT_WORKERS", default=False)

# --- Abuse resistance (issue 8; docs/security.md) -----------------------------------------------
# One cache shared by all web processes (docs/adr/0010-shared-cache.md): API throttling and the
# rate limits count in the database, so N processes do not allow N x the limit. The table is
# created by the ops migration core 0002 (``createcachetable``). AMTSWEG_CACHE_URL may point
# to a real cache server instead (django-environ syntax, e.g. redis://…).
CACHES = {"default": env.cache_url("AMTSWEG_CACHE_URL", default="dbcache://amtsweg_cache")}
CACHES["default"].setdefault("TIMEOUT", 3600)
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    # Culling drops a third of the rows when full: keep it rare, it also drops live counters.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 200_000)
# Addresses (IPs or CIDR networks) of reverse proxies whose X-Forwarded-For is believed;
# empty: the connection's address is the client (amtsweg.web.clients.client_ip).
AMTSWEG_TRUSTED_PROXIES = env.list("AMTSWEG_TRUSTED_PROXIES", default=[])

# Login throttling (django-axes, docs/adr/0010-shared-cache.md): after AMTSWEG_LOGIN_FAILURE_LIMIT
# wrong passwords for one user name from one client address, that pair is locked for
# AMTSWEG_LOGIN_COOLOFF_MINUTES, even for the right password. Attempts live in the database, so
# every web process sees them; the address comes from client_ip (no forged X-Forwarded-For).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes requires
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AMTSWEG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AMTSWEG_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "amtsweg.web.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "amtsweg.web.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # keep failed attempts only; no log of every successful login's address
AXES_VERBOSE = False  # no start-up banner in every management command

# Upload quotas (amtsweg.assistant.quotas; docs/security.md): per draft, per client address within
# 24 hours, and for all drafts together. Uploads of drafts untouched for AMTSWEG_UPLOAD_ABANDONED_HOURS
# without a resume link are removed early (assistant.services.uploads_prune_abandoned).
AMTSWEG_UPLOAD_QUOTA_DRAFT_MB = env.int("AMTSWEG_UPLOAD_QUOTA_DRAFT_MB", default=50)
AMTSWEG_UPLOAD_QUOTA_CLIENT_MB = env.int("AMTSWEG_UPLOAD_QUOTA_CLIENT_MB", default=100)
AMTSWEG_UPLOAD_QUOTA_TOTAL_MB = env.int("AMTSWEG_UPLOAD_QUOTA_TOTAL_MB", default=5120)
AMTSWEG_UPLOAD_ABANDONED_HOURS = env.int("AMTSWEG_UPLOAD_ABANDONED_HOURS", default=24)
# --- Processes and scheduler (./dev start, deploy/, docs/operations.md) -------------------------------
# Ports of the local platform's processes, so that two instances can run side by side.
AMTSWEG_PORT = env.int("AMTSWEG_PORT", default=8000)
AMTSWEG_FV_PORT = env.int("AMTSWEG_FV_PORT", default=8001)
if "AMTSWEG_DEMO_FACHVERFAHREN_URL" not in env:
    # The demo target follows the demo Fachverfahren's port; bootstrap rewrites the target on each start.
    AMTSWEG_DEMO_FACHVERFAHREN_URL = f"http://127.0.0.1:{AMTSWEG_FV_PORT}/antraege"
# Periodic jobs of `manage.py scheduler` (amtsweg/ops/scheduler.py), interval in seconds, 0 = off.
AMTSWEG_SCHEDULE = {
    "deliveries_resume": env.int("AMTSWEG_SCHEDULE_RESUME_SECONDS", default=60),
    "receipts_resume": env.int("AMTSWEG_SCHEDULE_RESUME_SECONDS", default=60),
    "drafts_expire": env.int("AMTSWEG_SCHEDULE_DRAFTS_EXPIRE_SECONDS", default=3600),
    "uploads_prune_abandoned": env.int("AMTSWEG_SCHEDULE_UPLOADS_PRUNE_SECONDS", default=3600),
    "messages_unrouted_expire": env.int("AMTSWEG_SCHEDULE_UNROUTED_EXPIRE_SECONDS", default=86400),
    "audit_verify": env.int("AMTSWEG_SCHEDULE_AUDIT_VERIFY_SECONDS", default=86400),
    "task_results_prune": env.int("AMTSWEG_SCHEDULE_PRUNE_SECONDS", default=86400),
}
# Finished background-task rows (django-tasks-db) are deleted after this many days.
AMTSWEG_TASK_RESULTS_KEEP_DAYS = env.int("AMTSWEG_TASK_RESULTS_KEEP_DAYS", default=14)
# --- Mail and flood limits (docs/security-limits.md) ---------------------------------------------
# Counted in the "default" cache (shared by all processes once CACHES points at a shared cache).
# Windows: per hour, except the global mail limit (per minute). Values must be at least 1.
AMTSWEG_LIMIT_MAILS_PER_ADDRESS = env.int("AMTSWEG_LIMIT_MAILS_PER_ADDRESS", default=6)
AMTSWEG_LIMIT_MAILS_PER_CLIENT = env.int("AMTSWEG_LIMIT_MAILS_PER_CLIENT", default=20)
AMTSWEG_LIMIT_MAILS_PER_SESSION = env.int("AMTSWEG_LIMIT_MAILS_PER_SESSION", default=10)
AMTSWEG_LIMIT_MAILS_GLOBAL = env.int("AMTSWEG_LIMIT_MAILS_GLOBAL", default=300)
AMTSWEG_LIMIT_DRAFTS_PER_CLIENT = env.int("AMTSWEG_LIMIT_DRAFTS_PER_CLIENT", default=60)
AMTSWEG_LIMIT_SUBMISSIONS_PER_CLIENT = env.int("AMTSWEG_LIMIT_SUBMISSIONS_PER_CLIENT", default=30)
for _name in [n for n in dir() if n.startswith("AMTSWEG_LIMIT_") and n != "AMTSWEG_LIMITS_KEY_PREFIX"]:
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 (limits cannot be switched off).")
# Tests give each test its own prefix, so counters never leak from one test into the next.
AMTSWEG_LIMITS_KEY_PREFIX = env.str("AMTSWEG_LIMITS_KEY_PREFIX", default="")
# Attach the full receipt PDF (all answers, e.g. IBAN, birth date) to the confirmation e-mail.
# Off by default: e-mail is not a confidential channel. Switch on only as a knowing decision.
AMTSWEG_CONFIRMATION_ATTACH_RECEIPT = env.bool("AMTSWEG_CONFIRMATION_ATTACH_RECEIPT", default=False)
# --- Hardening (issue 8, finding 12) ---------------------------------------------------------------------------
# HSTS covers every subdomain too (outside local modes), so no sibling host can be reached over plain HTTP
# and used to plant cookies for this one. Preload stays an operator's decision (hard to undo).
SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOCAL
# Every DRF view parses JSON with bounded nesting and valid Unicode only (400, never a RecursionError 500).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["amtsweg.web.api.SafeJSONParser"]

# --- API docs under the strict CSP (issue 7, item 8) -----------------------------------------------------------
# Swagger UI from our own static files (drf-spectacular-sidecar) instead of Redoc: Redoc's styled-components
# inject <style> elements (would need a nonce or 'unsafe-inline' for style-src) and its template loads web fonts
# from Google. Swagger UI needs neither: one CSS file, scripts from 'self', no validator badge (external call).
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "tryItOutEnabled": False},
    }
)

# --- Accounts: Servicekonto, Organisationskonto, MFA, OpenID Connect (issue 10; docs/adr/0017) -----------------
# django-allauth: login by e-mail, mandatory verification, TOTP/WebAuthn/recovery codes, its own rate limits
# (counted in the shared cache above). The admin keeps django-axes; amtsweg.accounts.middleware demands a second
# factor in the session before any staff page, whatever way the staff member logged in.
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "amtsweg.accounts",
]
# Before axes (which must stay last): allauth's middleware, then the staff MFA rule that relies on it.
MIDDLEWARE[-1:-1] = [
    "allauth.account.middleware.AccountMiddleware",
    "amtsweg.accounts.middleware.StaffMfaMiddleware",
]
AUTHENTICATION_BACKENDS += ["allauth.account.auth_backends.AuthenticationBackend"]
# axes counts failures per user name: allauth's login posts the e-mail address instead of a user name.
AXES_USERNAME_CALLABLE = "amtsweg.accounts.adapter.axes_username"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_ADAPTER = "amtsweg.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "amtsweg.accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("AMTSWEG_EMAIL_CONFIRMATION_DAYS", default=3)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Amtsweg: "
ACCOUNT_SESSION_REMEMBER = False  # the session ends with the browser
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if LOCAL else "https"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Amtsweg"
# WebAuthn needs a secure context; locally that is http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = LOCAL
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never join an existing account just because the e-mail matches
SESSION_COOKIE_AGE = env.int("AMTSWEG_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"  # the OIDC callback is a top-level GET from the provider
# Paths that only staff use: a staff session needs a second factor before it reaches them.
AMTSWEG_STAFF_PATH_PREFIXES = ["/admin/"]
# Off only for the unit tests of other apps, whose staff log in with force_login (conftest.py); never in production.
AMTSWEG_STAFF_MFA_REQUIRED = env.bool("AMTSWEG_STAFF_MFA_REQUIRED", default=True)
if MODE == "production" and not AMTSWEG_STAFF_MFA_REQUIRED:
    raise ImproperlyConfigured("AMTSWEG_STAFF_MFA_REQUIRED cannot be switched off in production.")
# OpenID Connect identity providers (BundID, Landeskonto, ...), one entry per provider from the environment:
# AMTSWEG_OIDC_PROVIDERS='[{"id": "bundid", "name": "BundID", "client_id": "...", "secret": "...",
#   "server_url": "https://.../.well-known/openid-configuration"}]'
_OIDC_PROVIDERS = env.json("AMTSWEG_OIDC_PROVIDERS", default=[])
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": p["id"],
                "name": p["name"],
                "client_id": p["client_id"],
                "secret": p.get("secret", ""),
                "settings": {"server_url": p["server_url"], "fetch_userinfo": True},
            }
            for p in _OIDC_PROVIDERS
        ],
    }
}
# The login form posts to us and we redirect to the provider: CSP form-action covers redirects after a form post.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = ["'self'"] + sorted(
    {"{0.scheme}://{0.netloc}".format(urlsplit(p["server_url"])) for p in _OIDC_PROVIDERS}
)
# Vertrauensniveau (eIDAS/TR-03107): which claim values mean niedrig, substanziell or hoch. Checked in order;
# the first claim present decides. A login without any mapped claim counts as "niedrig", like a password login.
AMTSWEG_ASSURANCE_CLAIMS = env.json(
    "AMTSWEG_ASSURANCE_CLAIMS",
    default={
        # BundID: trust_level_authentication = STORK-QAA level
        "trust_level_authentication": {
            "level1": "niedrig",
            "level2": "niedrig",
            "level3": "substanziell",
            "level4": "hoch",
            "STORK-QAA-Level-1": "niedrig",
            "STORK-QAA-Level-2": "niedrig",
            "STORK-QAA-Level-3": "substanziell",
            "STORK-QAA-Level-4": "hoch",
        },
        "acr": {
            "http://eidas.europa.eu/LoA/low": "niedrig",
            "http://eidas.europa.eu/LoA/substantial": "substanziell",
            "http://eidas.europa.eu/LoA/high": "hoch",
            "urn:bund:loa:niedrig": "niedrig",
            "urn:bund:loa:substanziell": "substanziell",
            "urn:bund:loa:hoch": "hoch",
        },
    },
)
# Prefill from the profile (amtsweg.accounts.prefill): assistant field key -> profile source (given_name,
# family_name, birth_date, address, email). Only with the citizen's consent; marked on the step, changeable.
AMTSWEG_PREFILL_FIELDS = env.json(
    "AMTSWEG_PREFILL_FIELDS",
    default={
        "vorname": "given_name",
        "nachname": "family_name",
        "geburtsdatum": "birth_date",
        "anschrift": "address",
        "email": "email",
    },
)
# Organisation invitations are valid this long and only once.
AMTSWEG_INVITATION_DAYS = env.int("AMTSWEG_INVITATION_DAYS", default=7)

# --- Sachbearbeitung inbox (issue 10, branch inbox) ---------------------------------------------------------
INSTALLED_APPS += ["amtsweg.inbox"]
# The inbox is a staff area: a staff session needs its second factor there too (amtsweg.accounts.middleware).
AMTSWEG_STAFF_PATH_PREFIXES += ["/sachbearbeitung/"]

# --- Speed of the citizen's pages (issue 11; docs/standards/zustaendigkeit.md "Speed") ---------------
# Keep SQLite connections across requests too: opening one costs more than a whole Zuständigkeit answer
# (Django registers its SQL functions and runs the PRAGMAs above on every connect). Each gunicorn
# worker/thread keeps its own; autocommit holds no transaction open between requests, so WAL checkpoints
# are not blocked. PostgreSQL has had this since issue 8 (see above).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=600))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# --- Meine Anträge and Postfach (issue 10 section 5, branch postfach) -------------------------------------
INSTALLED_APPS += ["amtsweg.postfach"]
TEMPLATES[0]["OPTIONS"]["context_processors"] += ["amtsweg.postfach.context_processors.postfach"]
# Attach-later attempts (Vorgangsnummer + Zugangscode) per account and per client address and hour.
AMTSWEG_LIMIT_ATTACH_PER_USER = env.int("AMTSWEG_LIMIT_ATTACH_PER_USER", default=10)
AMTSWEG_LIMIT_ATTACH_PER_CLIENT = env.int("AMTSWEG_LIMIT_ATTACH_PER_CLIENT", default=30)
for _name in ("AMTSWEG_LIMIT_ATTACH_PER_USER", "AMTSWEG_LIMIT_ATTACH_PER_CLIENT"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 (limits cannot be switched off).")
# Scheme and host for the link in the Postfach notification e-mail (empty: the mail names no link).
AMTSWEG_PUBLIC_URL = env.str("AMTSWEG_PUBLIC_URL", default="")
# Largest file a citizen may attach to a reply in the Postfach.
AMTSWEG_POSTFACH_MAX_FILE = env.int("AMTSWEG_POSTFACH_MAX_FILE", default=10 * 1024 * 1024)

# --- Privacy: retention and deletion (docs/security.md "Retention and deletion") -----------------
# Days an application is kept after its case was closed (or, if never closed, after submission) when
# its Leistung sets no own period (catalog.Leistung.retention_days). Then amtsweg.ops.retention
# deletes data and files (scheduler job "retention_apply", daily).
AMTSWEG_RETENTION_DAYS_DEFAULT = env.int("AMTSWEG_RETENTION_DAYS_DEFAULT", default=365)
AMTSWEG_SCHEDULE["retention_apply"] = env.int("AMTSWEG_SCHEDULE_RETENTION_SECONDS", default=86400)

# --- Konfigurationsportal (issue 12 §1-2, branch konfig) ---------------------------------------------------
INSTALLED_APPS += ["amtsweg.konfig"]
# Kommunal-Admins configure services here: a staff area, second factor required (amtsweg.accounts.middleware).
AMTSWEG_STAFF_PATH_PREFIXES += ["/konfiguration/"]
# Scheduled go-lives are switched on by this job (seconds; 0 = off).
AMTSWEG_SCHEDULE["konfig_golive_due"] = env.int("AMTSWEG_SCHEDULE_KONFIG_GOLIVE_SECONDS", default=300)
# Test applications per authority and hour (each one is sent to a real system; docs/security-limits.md).
AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY = env.int("AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY", default=30)
if AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY < 1:
    raise ImproperlyConfigured("AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY must be at least 1.")
# --- Citizen side of issue 10 (branch citizen10; ADR 0023) -----------------------------------------------
# Applying "für die Organisation": assistant field key -> Organisationskonto value (accounts.prefill).
AMTSWEG_PREFILL_ORGANISATION_FIELDS = env.json(
    "AMTSWEG_PREFILL_ORGANISATION_FIELDS",
    default={
        "firma": "organisation_name",
        "registereintrag": "organisation_registered",
        "registergericht": "organisation_register_court",
        "registernummer": "organisation_register_number",
    },
)
# Sections of "Meine Daten herunterladen" contributed by apps above accounts (dotted paths of callables
# ``(user) -> (key, data)``), so accounts stays below them (ADR 0014, ADR 0023).
AMTSWEG_DATA_EXPORT_SECTIONS = [
    "amtsweg.postfach.export.vorgaenge_export",
    "amtsweg.assistant.export.drafts_export",
]

# --- OZG-Projektlandkarte and Beteiligung (issue 13, branch projekte) --------------------------------------
INSTALLED_APPS += ["amtsweg.projekte"]
# The Beteiligung's member and coordinator pages are a staff area: second factor required there too.
AMTSWEG_STAFF_PATH_PREFIXES += ["/beteiligung/"]
AMTSWEG_SCHEDULE["beteiligung_digest"] = env.int("AMTSWEG_SCHEDULE_BETEILIGUNG_DIGEST_SECONDS", default=86400)

# --- Roll-out monitor (issue 12 sections 3-8, branch rollout) --------------------------------------------
INSTALLED_APPS += ["amtsweg.rollout"]
# Further sections of the Kurzstatus (docs/standards/rollout.md): dotted paths of callables
# f(*, stichtag) -> {"title", "columns", "rows", "note"} | None, e.g. the Projektlandkarte's phase table.
AMTSWEG_KURZSTATUS_SECTIONS = env.list(
    "AMTSWEG_KURZSTATUS_SECTIONS", default=["amtsweg.projekte.selectors.kurzstatus_section"]
)
# --- Speed of the citizen's pages (docs/adr/0027-fragment-cache-and-nested-groups.md) -------------
# The same storages, with static URLs computed once per process.
STORAGES["staticfiles"]["BACKEND"] = {
    "django.contrib.staticfiles.storage.StaticFilesStorage": "amtsweg.web.staticfiles.MemoisedStaticFilesStorage",
    "whitenoise.storage.CompressedManifestStaticFilesStorage": (
        "amtsweg.web.staticfiles.MemoisedManifestStaticFilesStorage"
    ),
}.get(STORAGES["staticfiles"]["BACKEND"], STORAGES["staticfiles"]["BACKEND"])
# --- Roles and permissions (issue 10 §7, ADR 0024, branch authz10) ----------------------------------
# Model permissions follow the roles: platform-wide data only for the zentrale Koordination, shared
# reference data read-only for a Kommune's staff (amtsweg.directory.auth_backend).
_ROLE_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "amtsweg.directory.auth_backend.RoleModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "amtsweg.directory.auth_backend.RoleAllauthBackend",
}
AUTHENTICATION_BACKENDS = [_ROLE_BACKENDS.get(backend, backend) for backend in AUTHENTICATION_BACKENDS]

# --- English (issue 11 §4, docs/adr/0025-english.md) ---
# German is the default; English only after the citizen chose it with the switcher in the header, which posts
# to Django's set_language view (cookie, one year). No URL prefixes, no Accept-Language negotiation.
LANGUAGE_COOKIE_NAME = "amtsweg_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not LOCAL
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Hub API schema (cleanup) ---
# The Vorgang status is an enum in both the status report and the status read: one name for it in the schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {"VorgangStatusEnum": "amtsweg.cases.models.CaseStatus"}

# --- Speed of the assistant's pages (issue 11 §1, docs/adr/0031-assistant-page-speed.md) ---
# Django's database sessions, read with a plain statement instead of a compiled ORM query.
SESSION_ENGINE = "amtsweg.web.sessions"
# {% fragment %} for the header, the footer and invariant parts of the assistant's pages (amtsweg.web is no app).
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["web_fragments"] = "amtsweg.web.templatetags.web_fragments"
