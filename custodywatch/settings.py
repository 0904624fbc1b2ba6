"""CustodyWatch settings: one file, read from the environment.

Production is the default (DEBUG off); development (`make dev`) sets DEBUG=1. The secret key comes
from SECRET_KEY, SECRET_KEY_FILE, or a key generated once into the data directory. SQLite is the
embedded default; DATABASE_URL selects PostgreSQL. docs/deployment.md lists every setting a server needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from custodywatch.secret_key import secret_key_file
from lib.db.sqlite import ENGINE as SQLITE_ENGINE
from lib.env import env_bool, env_int, env_json, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# The data directory: the embedded database, the generated secret key, development keys, exports.
VAR_DIR = Path(env_str("DATA_DIR", default=str(BASE_DIR / "var")))
SECRET_KEY = env_str("SECRET_KEY", default="") or ("dev-only-insecure-key" if DEBUG else secret_key_file(VAR_DIR))
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])  # old keys still accepted while rotating
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "axes",
    "lib",
    "accounts",
    "facilities",
    "ledger",
    "complaints",
    "visits",
    "video",
    "custody",
    # Production serving and background work (see the block "Production serving" below).
    "csp",
    "django_tasks",
    "django_tasks_db",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "custodywatch.urls"
WSGI_APPLICATION = "custodywatch.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'custodywatch.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets readers work while the ledger sequencer writes; IMMEDIATE takes the write lock up
    # front so concurrent writers queue instead of failing with "database is locked".
    # synchronous=FULL syncs the WAL at every commit, so a committed ledger entry survives a power
    # cut, not only a killed process (NORMAL may lose the last commits); the sequencer commits in
    # batches, so the cost is one fsync per batch.
    # Every transaction first waits for its writer turn (lib.writer_turn), a lock the kernel hands
    # on as soon as it is free, instead of polling in SQLite's busy handler.
    DATABASES["default"]["ENGINE"] = SQLITE_ENGINE
    # Tests on an in-memory database, as Django's own SQLite engine has by default (test runners
    # recognise that engine by name only).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
    }
else:
    # A commit returns only once its WAL is on disk, whatever the server's default: a committed
    # ledger entry or acknowledged complaint must survive the database server's crash too.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=on".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# ---- Accounts: log-in, throttling, client address, sessions, second factor --------------------
# Kept together in one block; the rules behind these numbers live in accounts/throttle.py.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
# django-otp marks the session's second factor; the steps middleware then sends a user who owes a
# step (a second factor, its enrolment, a new password) there before any other page.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
                  "accounts.middleware.AccountStepsMiddleware")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", default="CustodyWatch")
# Log-in throttling (django-axes with our handler, accounts.throttle.LoginThrottleHandler):
# - five failures for the same user name from the same address lock that pair out for 15 minutes;
# - an address that failed for LOGIN_SPRAY_USERNAME_LIMIT distinct user names in that window is
#   refused for every name (password spraying), and one with LOGIN_ADDRESS_FAILURE_LIMIT failures too;
# - a user name that failed LOGIN_USER_FAILURE_LIMIT times from any addresses is slowed down likewise.
AXES_HANDLER = "accounts.throttle.LoginThrottleHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LOGIN_SPRAY_USERNAME_LIMIT = env_int("LOGIN_SPRAY_USERNAME_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_USER_FAILURE_LIMIT = env_int("LOGIN_USER_FAILURE_LIMIT", 20)
# - failures across all accounts reaching LOGIN_GLOBAL_FAILURE_LIMIT within LOGIN_GLOBAL_WINDOW_SECONDS
#   pause log-in from every address without a successful log-in in LOGIN_KNOWN_ADDRESS_DAYS (0: off).
LOGIN_GLOBAL_FAILURE_LIMIT = env_int("LOGIN_GLOBAL_FAILURE_LIMIT", 200)
LOGIN_GLOBAL_WINDOW_SECONDS = env_int("LOGIN_GLOBAL_WINDOW_SECONDS", 300)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 30)
# The client's address: REMOTE_ADDR, unless it is one of these reverse proxies (addresses or
# networks, e.g. "127.0.0.1,10.0.0.0/8"); then the nearest untrusted address in X-Forwarded-For.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# A working day of inactivity ends the session. Requests move the deadline on: the session is
# re-saved when its last save is SESSION_REFRESH_SECONDS old (accounts.sessions), which is
# SESSION_SAVE_EVERY_REQUEST without a database write on every request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 9 * 3600)
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
# API tokens expire; an administrator may choose a shorter or longer life up to the maximum.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
# A new person, or one whose password an administrator resets, gets a one-time link to set a
# password (accounts.password_links). It dies once used, or after PASSWORD_RESET_TIMEOUT seconds.
# It is e-mailed when the person has an address (Django's mail backend; EMAIL_HOST etc.), and
# shown to the administrator to hand over otherwise, or when the mail server refuses it.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)
# The public address links in e-mails and on the command line start with (pages use the request's).
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="custodywatch@localhost")
# ---- end of accounts block --------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind TLS in production: redirect plain HTTP and ask browsers to remember it (off in development).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
# Each language is named in itself (the switcher's convention), so the names are not translated.
LANGUAGES = [
    ("kk", "Қазақша"),
    ("ru", "Русский"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True
# Kazakh and Russian number and date conventions (Django ships none for Kazakh): day before month,
# 24-hour clock, decimal comma, digits grouped with a no-break space.
FORMAT_MODULE_PATH = ["custodywatch.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# An import through the web page stops applying after this many seconds (well within
# GUNICORN_TIMEOUT, 60 s) and says how many rows it saved; importing the file again saves the rest.
IMPORT_WEB_SECONDS = env_int("IMPORT_WEB_SECONDS", 40)

# The ledger: where signing keys and the last signed checkpoint live (a directory of Ed25519
# seeds, created on first use in development) and the log's origin line. The key directory must
# not lie inside the SQLite database's directory (the ledger app refuses to start then): it is
# backed up and restored apart from the database, which is how a restored old backup is caught.
# Who appends recorded entries to the log: "thread" (a worker in each web process, the default),
# "process" (only `manage.py run_sequencer`) or "inline" (in the writer's transaction; tests).
LEDGER_SEQUENCER = env_str("LEDGER_SEQUENCER", default="thread")
LEDGER_ORIGIN = env_str("LEDGER_ORIGIN", default="custodywatch.example/ledger")
LEDGER_KEY_DIR = Path(env_str("LEDGER_KEY_DIR", default=str(BASE_DIR / "ledger-keys")))
# Witnesses that cosign checkpoints: a JSON list of {"name", "url", "vkey"} (or a file of it), and
# how many must cosign before a checkpoint counts as published (default: a majority).
LEDGER_WITNESSES = env_json("LEDGER_WITNESSES", default=[])
LEDGER_WITNESS_QUORUM = env_int("LEDGER_WITNESS_QUORUM", None)

# --- Production serving: static files, Content-Security-Policy, background jobs, logging -------
# `make run` and the systemd units run gunicorn (deploy/gunicorn.conf.py) with DEBUG off; the app
# serves its own static files (whitenoise, hashed names, compressed) after `collectstatic`.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 3600
# Source maps (megabytes each, of the API documentation's bundles) are for a developer's tools,
# not for the pages: served as they are, not compressed at every collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv", "woff",
    "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map")
# No inline script or style anywhere: pages load only the app's own files. A template that really
# needs an inline <script> gives it nonce="{{ request.csp_nonce }}" and the header carries the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Background work: a durable queue in the database (django-tasks with its database backend; the
# `jobs` app adds the scheduler, retries and recovery of jobs whose worker died).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A worker that has not been heard from for this long is dead: its running job is run again.
JOBS_WORKER_LEASE_SECONDS = env_int("JOBS_WORKER_LEASE_SECONDS", 60)
# How often the scheduler queues the ledger's checkpoint signing (jobs/schedule.py).
LEDGER_CHECKPOINT_EVERY_SECONDS = env_int("LEDGER_CHECKPOINT_EVERY_SECONDS", 60)

# One line per refused request (403/404 from the mandate), never a traceback; errors keep theirs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_one_line": {"()": "lib.log_filters.RefusalsOneLine"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["refusals_one_line"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}
# --- end of production serving --------------------------------------------------------------

# --- Complaints: officers' workspace (complaints app) -----------------------------------------
# Torture or ill-treatment and urgent danger must be acknowledged within this many hours.
COMPLAINT_URGENT_ACK_HOURS = env_int("COMPLAINT_URGENT_ACK_HOURS", 24)
# Other complaints: within this many working days. Legal basis (not confirmed against the current
# text): the Administrative Procedural Code of the Republic of Kazakhstan (No. 350-VI of 29 June
# 2020) gives 15 working days to consider an appeal; it sets no separate period for acknowledging
# one, so the whole period is used as the outer limit.
COMPLAINT_STANDARD_ACK_WORKING_DAYS = env_int("COMPLAINT_STANDARD_ACK_WORKING_DAYS", 15)
# An overdue complaint climbs one escalation level per this many hours (complaints.services.escalation).
COMPLAINT_ESCALATION_REPEAT_HOURS = env_int("COMPLAINT_ESCALATION_REPEAT_HOURS", 24)
# How often the scheduler queues the deadline check (jobs/schedule.py).
COMPLAINT_ESCALATION_EVERY_SECONDS = env_int("COMPLAINT_ESCALATION_EVERY_SECONDS", 300)
# How long an organisation key stays unlocked in a session at most (complaints.keys).
COMPLAINT_UNLOCK_SECONDS = env_int("COMPLAINT_UNLOCK_SECONDS", 8 * 3600)
# Terminals' heartbeat records older than this are deleted (the last record of each terminal is kept).
COMPLAINT_HEARTBEAT_RETENTION_DAYS = env_int("COMPLAINT_HEARTBEAT_RETENTION_DAYS", 30)
# Wrong passphrases a person may type in 15 minutes before unlocking is refused for a while.
COMPLAINT_UNLOCK_FAILURE_LIMIT = env_int("COMPLAINT_UNLOCK_FAILURE_LIMIT", 5)
# Alert e-mails link to SITE_URL (set above with the accounts' settings).
# --- end of complaints: officers' workspace ----------------------------------------------------

# --- Module settings a server sets in its environment (docs/deployment.md, "Module settings") ----
# Each is read here only when set, so the modules' own defaults stay the single place they live.
_from_environment = {
    "COMPLAINTS_KEY_DIR": env_str, "COMPLAINT_RECOVERY_PUBLIC_KEY": env_str,
    "VIDEO_FOOTAGE_STORE": env_str, "VIDEO_FOOTAGE_DIR": env_str, "VIDEO_MAX_REQUEST_DAYS": env_int,
    "VISITS_EVIDENCE_ROOT": env_str, "VISITS_EVIDENCE_MAX_BYTES": env_int, "VISITS_REMINDER_DAYS": env_int,
    "CUSTODY_PERSON_KEY": env_str, "CUSTODY_SEALING_RECIPIENTS": env_json,
    "CUSTODY_RULES_FILE": env_str, "CUSTODY_CHILD_AGE_LIMIT_YEARS": env_int,
    "CUSTODY_CHILD_EXTENDED_AGE_YEARS": env_int, "CUSTODY_CHILD_WARNING_DAYS": env_int,
    "POPULATION_REPORTING_PERIOD_DAYS": env_int, "POPULATION_REPORTING_GRACE_DAYS": env_int,
}
for _name, _read in _from_environment.items():
    if _name in os.environ or (_read is not env_int and f"{_name}_FILE" in os.environ):
        globals()[_name] = _read(_name, None if _read is not env_int else 0)
