"""Django settings. Embedded SQLite by default; DATABASE_URL and WENMING_* variables for production."""

import os
from pathlib import Path

from .database import database_from_url
from .secrets import load_secrets

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wenming.core.middleware.RequestContextMiddleware",
    "wenming.core.periodic.InlinePeriodicTasksMiddleware",
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
MEDIA_ROOT = VAR_DIR / "media"  # uploads live outside the web root, served through views
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = int(os.environ.get("WENMING_ROSTER_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
# Images (docs/uploads.md): checked, re-encoded without metadata, kept under UPLOAD_DIR, never served directly.
UPLOAD_MAX_BYTES = int(os.environ.get("WENMING_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_DIR = VAR_DIR / "uploads"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

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
# Periodic tasks run inline after responses (embedded default); 0 when cron/Celery beat runs them.
INLINE_PERIODIC_TASKS = os.environ.get("WENMING_INLINE_PERIODIC", "1") == "1"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WENMING_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
