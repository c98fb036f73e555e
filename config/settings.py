"""Settings, driven by the environment.

Every value that differs between a laptop, CI and production comes from an environment variable.
`DATABASE_URL` and `REDIS_URL` are required; `make run` / `make test` set them, starting embedded
servers first when they are not given (see `devserver/services.py`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

from config import version

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Local state of `make run` (embedded servers, demo admin password); ignored by git.
DATA_DIR = Path(os.environ.get("REGIEKOPPELING_DATA_DIR", str(BASE_DIR / ".data")))

DEBUG = env_bool("DEBUG", False)
# A secret is never committed: production must set SECRET_KEY. The fallback only exists so that
# `manage.py` commands work on a fresh machine; it is refused when DEBUG is off and ALLOW_DEV_SECRET
# is not set (the launcher sets it for local runs).
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or env_bool("ALLOW_DEV_SECRET")):
        raise RuntimeError("SECRET_KEY is not set (set ALLOW_DEV_SECRET=1 for local development only)")
    SECRET_KEY = "dev-only-insecure-key-not-for-production"  # noqa: S105

# The API's client secrets are stored encrypted (Fernet, `regiekoppeling/crypto.py`): HS256 needs the
# secret itself to verify a token, so it cannot be a hash. `CREDENTIAL_ENCRYPTION_KEYS` holds one or
# more Fernet keys, comma-separated: the first encrypts, every one decrypts (rotation of the key itself:
# put the new key first, run `manage.py credential_reencrypt`, then drop the old key). Like SECRET_KEY
# it is never committed; local development derives a fixed key, production refuses to start without.
CREDENTIAL_ENCRYPTION_KEYS = [k.strip() for k in env("CREDENTIAL_ENCRYPTION_KEYS").split(",") if k.strip()]
if not CREDENTIAL_ENCRYPTION_KEYS:
    if not (DEBUG or env_bool("ALLOW_DEV_SECRET")):
        raise RuntimeError(
            'CREDENTIAL_ENCRYPTION_KEYS is not set: generate a key with `python -c "from cryptography.fernet '
            'import Fernet; print(Fernet.generate_key().decode())"` (set ALLOW_DEV_SECRET=1 for local '
            "development only)"
        )
    CREDENTIAL_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(b"regiekoppeling dev-only credential key").digest()).decode()
    ]
for _key in CREDENTIAL_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise RuntimeError(
            "CREDENTIAL_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None

ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "zgw_consumers",
    "simple_certmanager",
    "privates",
    "solo",
    "simple_history",
    "import_export",
    "regiekoppeling",
    "zaken",
    "documenten",
]

MIDDLEWARE = [
    # Outermost, so that every response (Django 404/500 and the 413 of body_size included) carries
    # their headers.
    "regiekoppeling.api.middleware.api_version_middleware",
    "regiekoppeling.api.middleware.trace_context_middleware",
    "regiekoppeling.api.middleware.api_referrer_policy_middleware",
    "regiekoppeling.api.middleware.body_size_middleware",
    "regiekoppeling.api.middleware.public_url_middleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files under gunicorn (collected by `collectstatic`).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who changed a product in the admin (the product's history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

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
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/regiekoppeling"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # Django's PostgreSQL backend with psycopg's C loader for timestamps (regiekoppeling/postgresql).
        engine="regiekoppeling.postgresql",
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Catalogue data of the ZGW APIs (zaaktypen, statustypen, ...): shared by web and workers.
    "zgw": {
        "BACKEND": env("ZGW_CACHE_BACKEND", "django.core.cache.backends.redis.RedisCache"),
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "regiekoppeling-zgw",
    },
}
ZGW_CATALOGUS_CACHE_SECONDS = env_int("ZGW_CATALOGUS_CACHE_SECONDS", 3600)
# A gemeente's ZGW-configuratie is kept per process at most this long (0 = read every time); a change
# through a save (the admin) reaches every process at once (zaken/configcache.py).
ZGW_CONFIG_CACHE_SECONDS = env_int("ZGW_CONFIG_CACHE_SECONDS", 30)
# A notification for a zaak we do not know (yet: its registration may still be running) waits this
# long before it is set aside as "onbekend".
ZGW_NOTIFICATIE_WACHT_SECONDS = env_int("ZGW_NOTIFICATIE_WACHT_SECONDS", 600)
# A ZGW server that fails is left alone for a while (doubling per failure, see zaken/pause.py); 0 = off.
ZGW_PAUSE_BASE_SECONDS = env_int("ZGW_PAUSE_BASE_SECONDS", 2)
# ... after this many failures in a row (an answer in between starts the count again).
ZGW_PAUSE_AFTER_FAILURES = env_int("ZGW_PAUSE_AFTER_FAILURES", 3)
ZGW_PAUSE_MAX_SECONDS = env_int("ZGW_PAUSE_MAX_SECONDS", 120)
# Independent ZGW calls of one unit of work (a zaak's status, rol and documents) run at the same time,
# at most this many per worker process (zaken/concurrent.py). 8: an aanvraag of 3 lines with 2 documents
# has up to 9 calls that could run at once (3 statussen, 3 rollen, 6 relations as they become ready);
# with 4 its registration took 351 ms against 247 with 8 (bench/README.md, "registration.py"). A
# smaller Open Zaak queues what it cannot take at once; lower it for a server that must not see bursts.
ZGW_CALLS_CONCURRENCY = env_int("ZGW_CALLS_CONCURRENCY", 8)
# How long after our request a ZGW server may still store what it was sent (a POST we gave up on). Only
# then does the reconciliation remove a rol such a POST added beside the one a retry made.
ZGW_LATE_ANSWER_SECONDS = env_int("ZGW_LATE_ANSWER_SECONDS", 900)

# --- Signalen ----------------------------------------------------------------------------------
# Days before a running grant's einddatum that the herindicatie signal is raised (per gemeente
# overridable in the admin).
HERINDICATIE_TERMIJN_DAGEN = env_int("HERINDICATIE_TERMIJN_DAGEN", 56)

# --- Documents --------------------------------------------------------------------------------
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 25 * 1024 * 1024)
# Files above this size go to the Documenten API in bestandsdelen (parts), below it in one POST.
DOCUMENT_BESTANDSDELEN_FROM_BYTES = env_int("DOCUMENT_BESTANDSDELEN_FROM_BYTES", 4 * 1024 * 1024)
DOCUMENT_ALLOWED_TYPES = [
    t
    for t in env(
        "DOCUMENT_ALLOWED_TYPES",
        "application/pdf,image/png,image/jpeg,text/plain,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ).split(",")
    if t
]
# Dotted path of a callable(file) that raises `regiekoppeling.documents.Refused` for an unsafe file
# (for example a ClamAV client). Empty: no scan.
DOCUMENT_SCAN_HOOK = env("DOCUMENT_SCAN_HOOK", "")

# The iWmo/iJw 3.2 XSDs ship inside the product (regiekoppeling/iwmo/xsd/); this overrides their directory.
IWMO_XSD_DIR = env("IWMO_XSD_DIR") or None

LANGUAGE_CODE = "nl"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# zgw-consumers depends on django-privates for client certificates.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private-media")))
PRIVATE_MEDIA_URL = "/private-media/"
SENDFILE_BACKEND = "django_sendfile.backends.simple"
SENDFILE_ROOT = str(PRIVATE_MEDIA_ROOT)
SENDFILE_URL = PRIVATE_MEDIA_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # zgw-consumers keeps client certificates in django-privates' storage.
    "privates": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": PRIVATE_MEDIA_URL},
    },
}

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` on the admin's
# same-origin form POSTs (login, every save), which Django's CSRF check refuses with 403. Other sites
# still get no Referer. The API answers `no-referrer` (regiekoppeling.api.middleware).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)

# --- Garbage collection of the web processes (config/wsgi.py) ----------------------------------
GC_FREEZE = env_bool("GC_FREEZE", True)
_gc_threshold = env("GC_THRESHOLD").strip()
if _gc_threshold and not re.fullmatch(r"\d+(,\d+){0,2}", _gc_threshold):
    raise RuntimeError(
        f"GC_THRESHOLD: one to three whole numbers separated by commas (e.g. 7000,10,10), not {_gc_threshold!r}"
    )
GC_THRESHOLD = tuple(int(n) for n in _gc_threshold.split(",")) if _gc_threshold else ()

# --- Health and readiness (config/health.py) ---------------------------------------------------
# Each dependency check gives up after this many seconds; the outcome is kept per process this long.
HEALTH_CHECK_TIMEOUT_SECONDS = env_int("HEALTH_CHECK_TIMEOUT_SECONDS", 2)
HEALTH_CACHE_SECONDS = env_int("HEALTH_CACHE_SECONDS", 5)
# The checks that decide /health/ready's status (database, broker, zgw); the others are only reported.
HEALTH_READY_REQUIRES = [c.strip() for c in env("HEALTH_READY_REQUIRES", "database,broker,zgw").split(",") if c.strip()]
if unknown_checks := set(HEALTH_READY_REQUIRES) - {"database", "broker", "zgw"}:
    raise RuntimeError(f"HEALTH_READY_REQUIRES names unknown checks: {sorted(unknown_checks)}")

# --- Request limits ---------------------------------------------------------------------------
# JSON bodies above this size answer 413 before they are parsed.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# --- Authentication ---------------------------------------------------------------------------
# ZGW-style JWT: tokens whose `iat` is older than this are refused (Open Zaak does the same).
JWT_MAX_AGE_SECONDS = env_int("JWT_MAX_AGE_SECONDS", 3600)
JWT_LEEWAY_SECONDS = env_int("JWT_LEEWAY_SECONDS", 30)
# Each process keeps a looked-up credential (with its application) this long, saving a query per
# request. A change made in this process (save or delete of a credential or application) empties it at
# once; other processes see a deactivation after at most this many seconds. 0 turns the cache off.
CREDENTIAL_CACHE_SECONDS = env_int("CREDENTIAL_CACHE_SECONDS", 10)

# --- Idempotency ------------------------------------------------------------------------------
# A running request holds its key's row lock (regiekoppeling/idempotency.py); a claimed key that no
# request holds is taken to have died once it is this many seconds old (the gap between claim and lock).
IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS = env_int("IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS", 10)
IDEMPOTENCY_RETENTION_HOURS = env_int("IDEMPOTENCY_RETENTION_HOURS", 72)

# --- Processing log (Logboek Dataverwerkingen) -----------------------------------------------------
# The subject of a log record is HMAC-SHA256(LOGBOEK_PSEUDONIEM_KEY, BSN): the key lives in the
# environment, never in the database, so a copy of the database alone does not say whose data was
# processed. Changing the key makes older records unfindable by BSN (they still expire by retention).
LOGBOEK_PSEUDONIEM_KEY = env("LOGBOEK_PSEUDONIEM_KEY")
if not LOGBOEK_PSEUDONIEM_KEY:
    if not (DEBUG or env_bool("ALLOW_DEV_SECRET")):
        raise RuntimeError(
            'LOGBOEK_PSEUDONIEM_KEY is not set: generate one with `python -c "import secrets; '
            'print(secrets.token_urlsafe(32))"` (set ALLOW_DEV_SECRET=1 for local development only)'
        )
    LOGBOEK_PSEUDONIEM_KEY = "dev-only-logboek-key-not-for-production"
# Records older than this are deleted by the beat task `prune_verwerkingen` (daily).
LOGBOEK_BEWAARTERMIJN_DAGEN = env_int("LOGBOEK_BEWAARTERMIJN_DAGEN", 730)
# The processing activity (verwerkingsactiviteit, as named in the gemeente's register) of each endpoint
# and of each outgoing send (by outbox handler). LOGBOEK_VERWERKINGSACTIVITEITEN (a JSON object) overrides
# or adds entries; "default" is used for anything not named.
LOGBOEK_VERWERKINGSACTIVITEITEN: dict[str, str] = {
    "default": "maatwerkvoorziening-toekennen",
    "aanvraag": "maatwerkvoorziening-aanvragen",
    "voorziening": "maatwerkvoorziening-aanvragen",
    "document": "maatwerkvoorziening-aanvragen",
    "terugkoppeling": "maatwerkvoorziening-beoordelen",
    "beschikking": "maatwerkvoorziening-beschikken",
    "toewijzing": "maatwerkvoorziening-toewijzen",
    "signaal": "maatwerkvoorziening-uitvoeren",
    "zaak_registratie": "zaakgericht-registreren",
    "zaak_status": "zaakgericht-registreren",
    "besluit": "zaakgericht-registreren",
    "webhook": "partijen-informeren",
    # The privacy officer's own searches (POST /verwerkingen/_zoek) are processings too.
    "inzage": "inzageverzoek-afhandelen",
}
try:
    _activiteiten = json.loads(env("LOGBOEK_VERWERKINGSACTIVITEITEN") or "{}")
except ValueError:
    _activiteiten = None
if not isinstance(_activiteiten, dict) or not all(isinstance(v, str) and v for v in _activiteiten.values()):
    raise RuntimeError("LOGBOEK_VERWERKINGSACTIVITEITEN must be a JSON object of non-empty strings")
LOGBOEK_VERWERKINGSACTIVITEITEN.update(_activiteiten)

# --- Outbox -----------------------------------------------------------------------------------
# A retryable failure (5xx, timeout, lost connection) is retried until the item is older than the
# budget (an outage of hours rides out by itself) or has used the attempts, whichever comes first; the
# backoff is capped so that the work resumes within minutes once the remote side answers again.
OUTBOX_RETRY_BUDGET_SECONDS = env_int("OUTBOX_RETRY_BUDGET_SECONDS", 12 * 3600)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 500)
OUTBOX_BACKOFF_BASE_SECONDS = env_int("OUTBOX_BACKOFF_BASE_SECONDS", 10)
OUTBOX_BACKOFF_CAP_SECONDS = env_int("OUTBOX_BACKOFF_CAP_SECONDS", 300)
# A claimed item whose worker vanished is released after this many seconds.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env_int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 600)
# How long an item waits when what it needs is not there yet (outbox.NotReady); no attempt is used.
OUTBOX_WAIT_SECONDS = env_int("OUTBOX_WAIT_SECONDS", 5)
OUTBOX_SWEEP_INTERVAL_SECONDS = env_int("OUTBOX_SWEEP_INTERVAL_SECONDS", 10)
OUTBOX_SWEEP_BATCH = env_int("OUTBOX_SWEEP_BATCH", 100)
# An item still open this long after it was stored is reported (a warning every OUTBOX_STUCK_CHECK_SECONDS,
# and the admin's filter "open te lang"): long before OUTBOX_RETRY_BUDGET_SECONDS makes it dead.
OUTBOX_STUCK_SECONDS = env_int("OUTBOX_STUCK_SECONDS", 1800)
OUTBOX_STUCK_CHECK_SECONDS = env_int("OUTBOX_STUCK_CHECK_SECONDS", 300)

# --- Celery -----------------------------------------------------------------------------------
# redis-py spells a Unix socket `unix://`, kombu `redis+socket://`: REDIS_URL alone is enough.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or (
    "redis+socket://" + REDIS_URL.removeprefix("unix://").split("?")[0]
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)
CELERY_RESULT_BACKEND = None
# The queue the relay publishes to and a worker started without -Q consumes (several deployments, or
# bench/registration.py's two service stacks, can share one Redis database).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django integration closes the database connection around every task unless told to reuse
# it: keep it (CONN_MAX_AGE then applies in the worker too; config/celery.py drops broken ones).
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Above any task runtime; retries live in the outbox rows, never in long broker countdowns.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
# An unreachable broker must not hold up an API request: the outbox sweeper is the guarantee.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "regiekoppeling.tasks.sweep_outbox",
        "schedule": float(OUTBOX_SWEEP_INTERVAL_SECONDS),
    },
    "outbox-stuck": {
        "task": "regiekoppeling.tasks.report_stuck_outbox",
        "schedule": float(OUTBOX_STUCK_CHECK_SECONDS),
    },
    "zaken-reconcile": {
        "task": "zaken.tasks.reconcile_zaken",
        "schedule": float(env_int("ZGW_RECONCILE_INTERVAL_SECONDS", 300)),
    },
    "herindicatie": {
        "task": "regiekoppeling.tasks.raise_herindicaties",
        "schedule": float(env_int("HERINDICATIE_INTERVAL_SECONDS", 3600)),
    },
    "logboek-prune": {
        "task": "regiekoppeling.tasks.prune_verwerkingen",
        "schedule": 24 * 3600.0,
    },
    "idempotency-prune": {
        "task": "regiekoppeling.tasks.prune_idempotency_records",
        "schedule": 3600.0,
    },
}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["regiekoppeling.api.authentication.ZGWJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["regiekoppeling.api.permissions.IsApplicatie"],
    "DEFAULT_RENDERER_CLASSES": ["regiekoppeling.api.renderers.CamelCaseJSONRenderer"],
    # No `?format=`: the representation is chosen by Accept only (the strict query check refuses
    # unknown parameters, and the document must not offer one the server refuses).
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_PARSER_CLASSES": ["regiekoppeling.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "regiekoppeling.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "regiekoppeling.api.autoschema.AutoSchema",
    "EXCEPTION_HANDLER": "regiekoppeling.api.exceptions.problem_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["regiekoppeling.api.filters.FilterBackend"],
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 20,
    # ISO 8601 (date.isoformat()): always four-digit years; strftime's %Y writes year 1 as "1".
    "DATE_FORMAT": "iso-8601",
}

API_VERSION = version.API_VERSION
API_PUBLIC_URL = env("API_PUBLIC_URL", "https://regiekoppeling.example.nl/api/v1")

SPECTACULAR_SETTINGS = {
    "TITLE": "regiekoppeling",
    "DESCRIPTION": (
        "De regiekoppeling: uitwisseling van Wmo- en Jeugdwet-voorzieningen tussen regieapplicaties "
        "en backofficeapplicaties, zaakgericht op de ZGW API's."
    ),
    "VERSION": API_VERSION,
    "CONTACT": {
        "name": "regiekoppeling",
        "email": "standaard@regiekoppeling.example.nl",
        "url": "https://regiekoppeling.example.nl",
    },
    "LICENSE": {"name": "EUPL 1.2", "url": "https://opensource.org/licenses/EUPL-1.2"},
    "SERVERS": [{"url": API_PUBLIC_URL, "description": "Productie"}],
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "TAGS": [
        {"name": "aanvragen", "description": "Aanvragen met hun voorzieningen"},
        {"name": "voorzieningen", "description": "Voorzieningen (productregels) van aanvragen"},
        {"name": "documenten", "description": "Documenten bij aanvragen, opgeslagen in de Documenten API"},
        {"name": "terugkoppelingen", "description": "Technische en functionele terugkoppeling van de backoffice"},
        {"name": "beschikkingen", "description": "Beschikkingen met de uitkomst per voorziening"},
        {"name": "toewijzingen", "description": "Toewijzingen van ZIN-voorzieningen, start en stop van de levering"},
        {"name": "signalen", "description": "Herindicatie en doorgestuurde verzoeken (315/317) van aanbieders"},
        {"name": "berichten", "description": "Elke gebeurtenis voor een partij, als feed met een cursor"},
        {"name": "abonnementen", "description": "Webhooks die de berichten van de eigen feed ontvangen"},
        {"name": "openapi", "description": "Dit OpenAPI-document"},
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "regiekoppeling.api.schema.adr_postprocessing_hook",
    ],
    # Stable names for choice sets that share a field name ("soort") or appear under two names.
    "ENUM_NAME_OVERRIDES": {
        "TerugkoppelingSoortEnum": "regiekoppeling.models.terugkoppelingen.Terugkoppeling.Soort",
        "SignaalSoortEnum": "regiekoppeling.models.signalen.Signaal.Soort",
        "EenheidEnum": "regiekoppeling.constants.Eenheid",
        "FrequentieEnum": "regiekoppeling.constants.Frequentie",
        "LeveringsvormEnum": "regiekoppeling.constants.Leveringsvorm",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every line: BSN-like numbers masked, control characters escaped (config/logsafety.py).
    "filters": {"scrub": {"()": "config.logsafety.ScrubFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the path of 4xx responses; our paths never carry a BSN (query strings are
        # not logged by Django, and BSN query parameters are refused).
        "django.request": {"level": "ERROR"},
    },
}

# --- Berichten and webhooks -------------------------------------------------------------------
# Hosts that may receive webhooks, comma-separated. "*" admits any host, over https and at public
# addresses only; a host listed by its exact name may also use http and a non-public address (a
# receiver inside the network). Empty: no webhooks. See regiekoppeling/berichten/callbacks.py.
WEBHOOK_ALLOWED_HOSTS = [h.strip().lower() for h in env("WEBHOOK_ALLOWED_HOSTS").split(",") if h.strip()]
# Connect and read timeout of one delivery; a timeout is retried by the outbox with its backoff.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
