"""Django settings. Embedded SQLite by default; DATABASE_URL and WENMING_* variables for production."""

import os
from pathlib import Path

from .database import database_from_url
from .secrets import load_secrets
from .services import broker_from_url, cache_from_url, storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("WENMING_VAR_DIR", BASE_DIR / "var"))
PRODUCTION = os.environ.get("WENMING_ENV", "").lower() == "production"

_secrets = load_secrets(VAR_DIR, PRODUCTION)
SECRET_KEY = _secrets["SECRET_KEY"]
# Comma-separated Fernet keys: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = [k.strip() for k in _secrets["FIELD_ENCRYPTION_KEYS"].split(",") if k.strip()]
BLIND_INDEX_KEY = _secrets["BLIND_INDEX_KEY"]

# Off unless asked for: a county server on an office LAN must not show tracebacks.
DEBUG = os.environ.get("WENMING_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("WENMING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("WENMING_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "wenming.core",
    "wenming.orgs",
    "wenming.accounts",
    "wenming.volunteers",
    "wenming.service",
    "wenming.mobilization",
    "wenming.demands",
    "wenming.supplies",
    "wenming.hotline",
    "wenming.deliveries",
    "wenming.dashboards",
    "wenming.grids",
    "wenming.reporting",
    "wenming.campaigns",
    "wenming.evaluation",
    "wenming.honours",
    "wenming.ops",
]

MIDDLEWARE = [
    "wenming.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wenming.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "wenming.urls"
WSGI_APPLICATION = "wenming.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wenming.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", ""), VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["wenming.accounts.backends.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lockout: this many failures for one login name (or one address) within the window locks it.
LOGIN_MAX_FAILURES = int(os.environ.get("WENMING_LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("WENMING_LOGIN_MAX_FAILURES_PER_IP", "30"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("WENMING_LOGIN_LOCKOUT_MINUTES", "15"))
API_TOKEN_DAYS = int(os.environ.get("WENMING_API_TOKEN_DAYS", "30"))

LANGUAGE_CODE = os.environ.get("WENMING_LANGUAGE", "zh-hans")
TIME_ZONE = os.environ.get("WENMING_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files are served by WhiteNoise from STATIC_ROOT (collected, hashed and compressed
# by `wenming serve`); uploads go through the storage API (local disk or S3, docs/configuration.md).
STORAGES = storages_from_env(os.environ, VAR_DIR)
MEDIA_ROOT = VAR_DIR / "media"  # uploads live outside the web root, served through views
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = int(os.environ.get("WENMING_ROSTER_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
# Images (docs/uploads.md): checked, re-encoded without metadata, kept under UPLOAD_DIR, never served directly.
UPLOAD_MAX_BYTES = int(os.environ.get("WENMING_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_DIR = VAR_DIR / "uploads"

# Shared state: every web worker and every server sees the same cache (rate limits, cached
# lists). Redis in production (WENMING_CACHE_URL=redis://…); the embedded default is a
# table in the database, shared by all local processes. Sessions live in the database.
CACHES = {"default": cache_from_url(os.environ.get("WENMING_CACHE_URL", ""))}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# TLS is ended by nginx in front (docs/deployment.md): these come from the environment so a
# production install passes `check --deploy` without editing code.
SECURE_HSTS_SECONDS = int(os.environ.get("WENMING_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("WENMING_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("WENMING_HSTS_PRELOAD", "0") == "1"
SECURE_SSL_REDIRECT = os.environ.get("WENMING_SSL_REDIRECT", "1" if PRODUCTION else "0") == "1"
# /healthz and /readyz answer plain HTTP probes from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if os.environ.get("WENMING_PROXY_SSL_HEADER", "1" if PRODUCTION else "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = os.environ.get("WENMING_USE_X_FORWARDED_HOST", "0") == "1"

# Volunteer numbers: prefix + zero-padded sequence, e.g. WM0000012345.
VOLUNTEER_NUMBER_PREFIX = os.environ.get("WENMING_VOLUNTEER_NUMBER_PREFIX", "WM")
SITE_NAME = os.environ.get("WENMING_SITE_NAME", "文明实践云")
# The public address, for links that leave the site (certificate QR codes, call answers).
SITE_URL = os.environ.get("WENMING_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Behind nginx or another reverse proxy: the header carrying the visitor's address (e.g.
# X-Real-IP). Empty: REMOTE_ADDR. Used for the audit log, login lockout and rate limits.
CLIENT_IP_HEADER = os.environ.get("WENMING_CLIENT_IP_HEADER", "")

# Venue codes (场所码): a code lives one period plus GRACE periods (docs/checkin.md).
VENUE_TOKEN_PERIOD_SECONDS = int(os.environ.get("WENMING_VENUE_TOKEN_PERIOD_SECONDS", "30"))
VENUE_TOKEN_GRACE_WINDOWS = int(os.environ.get("WENMING_VENUE_TOKEN_GRACE_WINDOWS", "1"))
# Check-in opens this long before a shift; forgotten check-outs close this long after it ends.
CHECKIN_OPENS_MINUTES = int(os.environ.get("WENMING_CHECKIN_OPENS_MINUTES", "30"))
CHECKOUT_GRACE_MINUTES = int(os.environ.get("WENMING_CHECKOUT_GRACE_MINUTES", "60"))
# Hours from attendance are clipped to the shift and rounded down to this many minutes
# (0: exact to the minute). Star thresholds in verified hours; points per verified hour.
HOURS_ROUNDING_MINUTES = int(os.environ.get("WENMING_HOURS_ROUNDING_MINUTES", "15"))
STAR_THRESHOLDS = [int(x) for x in os.environ.get("WENMING_STAR_THRESHOLDS", "100,300,600,1000,1500").split(",")]
POINTS_PER_HOUR = int(os.environ.get("WENMING_POINTS_PER_HOUR", "10"))
# Residents' requests (SLA timers, minutes): review a new request; get it accepted after
# review; answer one dispatch offer. Past a timer the request escalates to the parent node
# or the offer goes to the next candidate. Completed requests close after this many hours.
DEMAND_REVIEW_MINUTES = int(os.environ.get("WENMING_DEMAND_REVIEW_MINUTES", "60"))
DEMAND_ACCEPT_MINUTES = int(os.environ.get("WENMING_DEMAND_ACCEPT_MINUTES", "120"))
DEMAND_OFFER_MINUTES = int(os.environ.get("WENMING_DEMAND_OFFER_MINUTES", "30"))
DEMAND_AUTO_CLOSE_HOURS = int(os.environ.get("WENMING_DEMAND_AUTO_CLOSE_HOURS", "72"))

# Background work (docs/deployment.md): Celery with Redis or RabbitMQ in production
# (WENMING_BROKER_URL); the embedded default queues in a SQLite file beside the database
# (kombu's SQLAlchemy transport), so no server is needed.
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker_from_url(
    os.environ.get("WENMING_BROKER_URL", ""), VAR_DIR, production=PRODUCTION)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True  # progress and outcomes are kept in our own tables
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves its message to another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues: `default` (notifications, periodic jobs: short) and `jobs` (heavy one-offs that
# may run for minutes). Each has its own worker, so a certificate batch never delays a
# resident's one-time code or a periodic job.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"wenming.job.*": {"queue": "jobs"}}
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("WENMING_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Tests and one-off scripts may run tasks in the calling process.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("WENMING_TASKS_EAGER", "0") == "1"
CELERY_TASK_EAGER_PROPAGATES = True

# Periodic jobs: task name -> interval in seconds. Beat sends them; each run takes a latch
# in the database first, so a job runs at most once per interval across the whole fleet,
# however many schedulers or workers there are (wenming/core/periodic.py).
PERIODIC_SECONDS = int(os.environ.get("WENMING_PERIODIC_SECONDS", "60"))
PERIODIC_JOBS = {
    "service.close_forgotten_checkouts": PERIODIC_SECONDS,
    "core.deliver_notifications": PERIODIC_SECONDS,
    "demands.sla_tick": PERIODIC_SECONDS,
    "evaluation.overdue_tick": 300,
    "dashboards.fold_figures": PERIODIC_SECONDS,
    "core.job_watchdog": PERIODIC_SECONDS,
    "ops.housekeeping": 3600,
}
CELERY_BEAT_SCHEDULE = {
    name: {"task": f"wenming.{name}", "schedule": every, "options": {"expires": every}}
    for name, every in PERIODIC_JOBS.items()
}

# Logs: one JSON object a line with the request id and user id (never personal data);
# WENMING_LOG_FORMAT=text for a terminal. Sentry when WENMING_SENTRY_DSN is set.
LOG_FORMAT = os.environ.get("WENMING_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "wenming.ops.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "wenming.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request"],
                             "formatter": "text" if LOG_FORMAT == "text" else "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WENMING_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # a line per task received and finished would bury everything else; periodic runs are
        # recorded in core_periodicrun, jobs on their page
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "celery.beat": {"level": "WARNING"},
    },
}
SENTRY_DSN = os.environ.get("WENMING_SENTRY_DSN", "")
if SENTRY_DSN:
    from wenming.ops.sentry import sentry_init

    sentry_init(SENTRY_DSN, environment="production" if PRODUCTION else "embedded")
