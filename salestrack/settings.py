"""Salestrack settings, driven by environment variables (see docs/architecture.md)."""

import datetime
import os
import sys
from pathlib import Path

import dj_database_url

from salestrack.lib.env import envbool, envint, envlist, secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SALESTRACK_DATA_DIR", BASE_DIR.parent / "var"))

DEBUG = envbool("DEBUG", False)
TESTING = envbool("TESTING", "pytest" in sys.modules)
SECRET_KEY = secret_key(DATA_DIR)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# Widgets render through TEMPLATES, so our own widget templates (web/widgets/) are found.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "salestrack.teams",
    "salestrack.audit",
    "salestrack.company",
    "salestrack.accounts",
    "salestrack.opportunities",
    "salestrack.leads",
    "salestrack.activities",
    "salestrack.api",
    "salestrack.web",
    "salestrack.search",
    "salestrack.forecasting",
    "salestrack.ops",
]
# The demo, the large-org generator, the benchmark and the load test (salestrack/dev/): loaded
# unless DEV_TOOLS=0, and by default not behind TLS (SECURE_SSL), i.e. not in production.
DEV_TOOLS = envbool("DEV_TOOLS", not envbool("SECURE_SSL", False))
if DEV_TOOLS:
    INSTALLED_APPS.append("salestrack.dev")

# Background work (Django's Tasks API, the django-tasks backport) kept in the database, so an
# SQLite install needs no other server; `make run` starts a worker (`salestrack db_worker`).
# Tests run each task as it is enqueued.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every answer to a signed-in user (docs/security.md#headers).
    "salestrack.web.middleware.no_store_when_signed_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a sign-in that axes marked locked out into the lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salestrack.urls"
WSGI_APPLICATION = "salestrack.wsgi.application"

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
                "salestrack.web.context.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'salestrack.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only (SQLite gives its -wal and -shm files the same
        # mode): the file holds every customer's data.
        if db["NAME"] != ":memory:" and not Path(db["NAME"]).exists():
            Path(db["NAME"]).touch(mode=0o600)
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
        # BEGIN, so two writers queue on busy_timeout instead of failing with
        # "database is locked" when a read transaction tries to upgrade.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
        db["CONN_MAX_AGE"] = 0 if TESTING else db["CONN_MAX_AGE"]
        # Tests use a file, not shared-cache memory, so that locking behaves as in production.
        db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    else:
        # Django's backend, with a health check that asks the server only when it has said
        # something (salestrack/lib/postgres/base.py).
        db["ENGINE"] = "salestrack.lib.postgres"
        db["CONN_HEALTH_CHECKS"] = True
        # No JIT compilation: PostgreSQL starts it on a cost estimate, and for our short queries
        # compiling costs more than it saves. A page read out of order costs 1.1 reads in order,
        # not 4 (a spinning disk's price), so that the planner reads a word's matches through the
        # search index rather than walk a table in order (docs/benchmarks.md has the figures).
        options = db.setdefault("OPTIONS", {})
        planner = "-c jit=off -c random_page_cost=1.1"
        options["options"] = f"{options.get('options', '')} {planner}".strip()
    return db


DATABASES = {"default": _database()}
# `salestrack serve` keeps its pid here while it runs; `salestrack restore` refuses meanwhile.
SERVE_PIDFILE = DATA_DIR / "serve.pid"
# PostgreSQL: threads per worker that run the global search's kinds at once, each on a
# connection of its own (web/search.py); 0 runs them one after another, as tests do.
SEARCH_THREADS = envint("SEARCH_THREADS", 0 if TESTING else 3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "teams.User"
# Axes' lockout check first, so that a locked-out sign-in never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "salestrack.teams.backends.ThrottleBackend",
    "salestrack.teams.backends.UsernameOrEmailBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True
# Dates read "3 Dec 2026" everywhere (salestrack/lib/dates.py), even printed without a filter.
FORMAT_MODULE_PATH = ["salestrack.lib.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm (package.json) at setup; never committed.
NODE_MODULES = Path(os.environ.get("NODE_MODULES", BASE_DIR.parent / "node_modules"))
VENDOR = {
    "htmx": "htmx.org/dist",
    "sortable": "sortablejs",
    "swagger-ui": "swagger-ui-dist",
    "echarts": "echarts/dist",
}
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in VENDOR.items()
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and development read static files where they are; `serve` collects them first.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if WHITENOISE_USE_FINDERS:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in throttling with django-axes (teams/throttle.py, docs/security.md): five failures lock
# one person, whether they typed their username or email, out from one client address for 15
# minutes; they can still sign in from elsewhere. 50 failures for any usernames lock the address
# (throttle.ADDRESS_FAILURE_LIMIT). Counted in the database, the same for every worker.
AXES_HANDLER = "salestrack.teams.throttle.SigninHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "salestrack.teams.throttle.canonical_username"
AXES_CLIENT_IP_CALLABLE = "salestrack.teams.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "salestrack.web.views.signin.locked_out"
AXES_COOLOFF_MESSAGE = (
    "Too many failed sign-ins from here; try again in 15 minutes or from another network."
)
# Successful sign-ins are not recorded: no ever-growing table of who signed in from where.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every command's start
# Proxies (addresses or networks, comma separated) in front of the app servers: only requests
# coming from one of them have their client address read from X-Forwarded-For.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", [])

# Secure headers; the HTTPS-only ones follow SECURE_SSL (on behind TLS in production).
SECURE_SSL = envbool("SECURE_SSL", False)
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp, docs/security.md#headers): everything from our own origin,
# no inline script, style or event handler anywhere; static files do not get it (WhiteNoise
# answers them before CSPMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "salestrack.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["salestrack.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "salestrack.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "salestrack.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "salestrack.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Salestrack API",
    "DESCRIPTION": "Leads, accounts, contacts, opportunities, activities. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

FILTERS_EMPTY_CHOICE_LABEL = "Any"
