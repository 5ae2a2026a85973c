"""Claywork settings: every deployment choice is read from the environment here, once.

The README's configuration table lists each variable; a test fails when one is missing there.
Development defaults are safe: with no environment at all Claywork runs on SQLite under
./var/, writes e-mail to the console and keeps a generated field key in ./var/.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import dj_email_url
import phonenumbers
from csp.constants import NONE, SELF

from claywork.core import env as _env
from claywork.core.env import (
    ConfigurationError,
    cache_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CLAYWORK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("CLAYWORK_DEBUG", False)
TESTING = env_bool("CLAYWORK_TESTING", False)
# A local demonstration: allows the development secret, and `claywork seed-demo` (which creates
# staff with a public password) runs only then.
CLAYWORK_DEMO = env_bool("CLAYWORK_DEMO", False)

_DEV_SECRET = "claywork-development-only-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
INSECURE_DEV = SECRET_KEY == _DEV_SECRET
if INSECURE_DEV and not (DEBUG or TESTING or CLAYWORK_DEMO or _env.offline_tool):
    raise ConfigurationError(
        "SECRET_KEY is not set. Set it (and CLAYWORK_FIELD_KEYS) before serving real patients, "
        "or set CLAYWORK_DEMO=1 for a local demonstration."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("CLAYWORK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "claywork.core",
    "claywork.vault",
    "claywork.accounts",
    "claywork.clinics",
    "claywork.care",
    "claywork.journal",
    "claywork.measures",
    "claywork.safety",
    "claywork.crisis",
    "claywork.reminders",
    "claywork.calendar_feed",
    "claywork.practice",
    "claywork.audit",
    "claywork.sharing",
    "claywork.circle",
    "claywork.themes",
    # Top floor: pages and commands that compose several domains.
    "claywork.chart",
    "claywork.ops",
    "claywork.onboarding",
    "claywork.ownership",
    "claywork.push",
    "claywork.messaging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "claywork.core.signed_in.SignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "claywork.core.middleware.TimezoneMiddleware",
    "claywork.core.middleware.NoStoreForPrivatePagesMiddleware",
    "claywork.accounts.sign_ins.SignInGuardMiddleware",
    "claywork.core.middleware.StaffMfaMiddleware",
    "claywork.core.middleware.PermissionsPolicyMiddleware",
]

if TESTING:
    # Each test client builds a handler, and WhiteNoise would index every static file for each.
    # Tests fetch no static files, and the browser tests' live server serves its own.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "claywork.urls"
WSGI_APPLICATION = "claywork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "claywork" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claywork.core.context_processors.claywork",
                "claywork.ops.context_processors.ops_banner",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside the one writer; IMMEDIATE takes
# the write lock at BEGIN so two writers queue on the busy timeout instead of failing midway;
# synchronous=FULL makes a committed journal entry survive power loss.
_SQLITE_PATH = VAR_DIR / "claywork.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{_SQLITE_PATH}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CLAYWORK_DB_CONN_MAX_AGE", 60))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with one writing transaction per process at a time queued in Python
    # rather than in SQLite's sleeping busy handler (claywork/core/sqlite3/base.py).
    _db["ENGINE"] = "claywork.core.sqlite3"
    _db["CONN_MAX_AGE"] = 0 if TESTING else _db["CONN_MAX_AGE"]
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # One file per test run (pid), so two runs on one machine never share a database.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-claywork-{os.getpid()}.sqlite3")} if TESTING else {}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared cache ---------------------------------------------------------------------------
# Sign-in limits live here, so they must be shared by every web process and survive a restart:
# the database by default (the table `claywork migrate` creates), or Redis. A per-process
# memory cache ("locmem://") only for tests and single-process demos.
CACHE_URL = env_str("CACHE_URL", "locmem://" if TESTING else "db://claywork_cache")
CACHES = {"default": cache_from_url(CACHE_URL)}
# Rendered pages (a patient's own, staff and support pages), kept in each web process's memory
# (never the shared cache) and stale at the next write (core/page_cache.py, decision 0017);
# 0 turns it off.
CLAYWORK_PAGE_CACHE_SECONDS = env_int("CLAYWORK_PAGE_CACHE_SECONDS", 60, minimum=0)
# The signed-in account's row, kept with the pages (core/signed_in.py), is read again at least
# this often: a change written past Django (psql) takes effect within it. 0: on every request.
CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS = env_int("CLAYWORK_SIGNED_IN_MAX_AGE_SECONDS", 60, minimum=0)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are verified by the clinic's invitation
ACCOUNT_ADAPTER = "claywork.accounts.adapter.InviteOnlyAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# allauth's own limits (password change, reset, second-factor codes: "login_failed" keyed by
# the user) count in the shared cache above. Passwords have Claywork's progressive delays
# instead (accounts/throttle.py): the first free attempts, then a doubling wait.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
CLAYWORK_LOGIN_FREE_FAILURES = env_int("CLAYWORK_LOGIN_FREE_FAILURES", 5, minimum=1)
CLAYWORK_LOGIN_DELAY_SECONDS = env_int("CLAYWORK_LOGIN_DELAY_SECONDS", 2, minimum=1)
CLAYWORK_LOGIN_MAX_DELAY_SECONDS = env_int("CLAYWORK_LOGIN_MAX_DELAY_SECONDS", 900, minimum=1)
ACCOUNT_SESSION_REMEMBER = None
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
# A second factor is an authenticator app (TOTP) or a security key / passkey (WebAuthn); either
# brings recovery codes. Decision 0015.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Claywork"
MFA_ADAPTER = "claywork.accounts.second_factor.ClayworkMFAAdapter"
MFA_FORMS = {
    "add_webauthn": "claywork.accounts.key_forms.KeyAddForm",
    "authenticate_webauthn": "claywork.accounts.key_forms.KeySignInForm",
    "reauthenticate_webauthn": "claywork.accounts.key_forms.KeyReauthenticateForm",
}
# Keys and passkeys are a second factor after the password, not a way in without one: the
# password is the one door where the limiter, the device cookie and the owner's e-mail after
# repeated failures live, and a passkey synced to a shared family tablet would open a
# patient's journal to whoever knows the tablet's PIN (decision 0015).
MFA_PASSKEY_LOGIN_ENABLED = False
# Never on: allauth would then accept a key's answer made for any origin, a phishing page's
# too. http://localhost (development, the browser tests) is accepted by fido2 without it.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Clinicians and admins must set up a second factor; off only for the local demo and tests.
CLAYWORK_STAFF_MFA_REQUIRED = env_bool(
    "CLAYWORK_STAFF_MFA_REQUIRED", not (INSECURE_DEV or DEBUG or TESTING)
)
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_VALID_DAYS = env_int("CLAYWORK_INVITATION_VALID_DAYS", 7, minimum=1)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "console://")
_email = dj_email_url.parse(EMAIL_URL)
if "EMAIL_BACKEND" not in _email:
    raise ConfigurationError(
        f"EMAIL_URL must start with one of {sorted(dj_email_url.SCHEMES)}, e.g. smtp:// or "
        "file:////absolute/path"
    )
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same, with a bound on a whole message (core/mail.py): a hung mail server cannot hold
    # an outbox claim for ever.
    EMAIL_BACKEND = "claywork.core.mail.SMTPBackend"
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 20
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Claywork <claywork@localhost>")

# --- Field encryption -----------------------------------------------------------------------
# CLAYWORK_FIELD_KEYS = "id:base64key,id:base64key": the first key wraps new data keys; the
# others only unwrap, until `claywork rotate-keys` has moved everything onto the first.
CLAYWORK_FIELD_KEYS = env_str("CLAYWORK_FIELD_KEYS", "")
CLAYWORK_DEV_FIELD_KEY_FILE = VAR_DIR / "dev-field-key"
if not CLAYWORK_FIELD_KEYS and not (INSECURE_DEV or DEBUG or TESTING):
    raise ConfigurationError("CLAYWORK_FIELD_KEYS must be set when SECRET_KEY is set.")

# --- Blind indexes (vault/blind_index.py, decision 0016) ------------------------------------
# The HMAC key of the exact-match indexes kept beside sealed values (a circle member's e-mail):
# at least 32 random bytes, base64url (`claywork new-field-key` prints a suitable value after
# its "id:"). Changing it needs every index recomputed: `claywork rotate-index-key`.
CLAYWORK_INDEX_KEY = env_str("CLAYWORK_INDEX_KEY", "")
if not CLAYWORK_INDEX_KEY and not (INSECURE_DEV or DEBUG or TESTING):
    raise ConfigurationError("CLAYWORK_INDEX_KEY must be set when SECRET_KEY is set.")
# Only while `claywork rotate-index-key` moves every index from this old key to the new one.
CLAYWORK_INDEX_KEY_OLD = env_str("CLAYWORK_INDEX_KEY_OLD", "")

# --- Audit trail (audit/keys.py, docs/security.md) ------------------------------------------
# The HMAC key of every audit row and the Ed25519 key that signs checkpoints: the database
# never holds them, so write access to it is not enough to rewrite the trail unseen.
CLAYWORK_AUDIT_KEY = env_str("CLAYWORK_AUDIT_KEY", "")
CLAYWORK_AUDIT_SIGNING_KEY = env_str("CLAYWORK_AUDIT_SIGNING_KEY", "")
if not (CLAYWORK_AUDIT_KEY and CLAYWORK_AUDIT_SIGNING_KEY) and not (
    INSECURE_DEV or DEBUG or TESTING
):
    raise ConfigurationError(
        "CLAYWORK_AUDIT_KEY and CLAYWORK_AUDIT_SIGNING_KEY must be set when SECRET_KEY is set "
        "(claywork new-audit-keys prints a pair)."
    )
# Each checkpoint (the newest row's hash, signed) is also appended to this file, best on
# storage the database's administrators cannot rewrite; empty: the database table only.
CLAYWORK_AUDIT_CHECKPOINT_FILE = env_str(
    "CLAYWORK_AUDIT_CHECKPOINT_FILE", "" if TESTING else str(VAR_DIR / "audit-checkpoints.jsonl")
)
# ...and e-mailed here (the clinic's security contact), when set.
CLAYWORK_AUDIT_CHECKPOINT_EMAIL = env_str("CLAYWORK_AUDIT_CHECKPOINT_EMAIL", "")
# The worker's sweep signs a checkpoint this often when the trail has grown.
CLAYWORK_AUDIT_CHECKPOINT_MINUTES = env_int("CLAYWORK_AUDIT_CHECKPOINT_MINUTES", 60, minimum=1)

# --- Integration window ---------------------------------------------------------------------
# Hours after a completed session. The 12-24 h window is the peak described to patients; the
# follow-ups are days 3, 7 and 14 unless a clinic decides otherwise.
CLAYWORK_WINDOW_OPENS_HOURS = env_int("CLAYWORK_WINDOW_OPENS_HOURS", 12)
CLAYWORK_WINDOW_CLOSES_HOURS = env_int("CLAYWORK_WINDOW_CLOSES_HOURS", 24, minimum=1)
_follow_up_days = env_list("CLAYWORK_FOLLOW_UP_DAYS", ["3", "7", "14"])
if not all(day.isdigit() and int(day) > 0 for day in _follow_up_days):
    raise ConfigurationError("CLAYWORK_FOLLOW_UP_DAYS must list whole days, e.g. 3,7,14")
CLAYWORK_FOLLOW_UP_DAYS = sorted({int(day) for day in _follow_up_days})
if CLAYWORK_WINDOW_CLOSES_HOURS <= CLAYWORK_WINDOW_OPENS_HOURS:
    raise ConfigurationError("CLAYWORK_WINDOW_CLOSES_HOURS must be after the window opens.")

CLAYWORK_MAX_ENTRY_CHARS = env_int("CLAYWORK_MAX_ENTRY_CHARS", 100_000, minimum=1000)

# --- Data the patient owns (ownership/) ----------------------------------------------------
# Days between a patient's request to delete their account and its erasure: time to cancel,
# and for the care team (told at once) to reach out or keep what their records duty requires.
CLAYWORK_ACCOUNT_DELETION_GRACE_DAYS = env_int("CLAYWORK_ACCOUNT_DELETION_GRACE_DAYS", 7, minimum=1)

# --- Push reminders (claywork/push) ---------------------------------------------------------
# A VAPID key pair (`claywork new-vapid-keys`); without both, push is off and reminders come by
# e-mail and in the app only. The subject is how a push service can reach the operator.
CLAYWORK_VAPID_PUBLIC_KEY = env_str("CLAYWORK_VAPID_PUBLIC_KEY", "")
CLAYWORK_VAPID_PRIVATE_KEY = env_str("CLAYWORK_VAPID_PRIVATE_KEY", "")
CLAYWORK_VAPID_SUBJECT = env_str("CLAYWORK_VAPID_SUBJECT", "mailto:claywork@localhost")
if bool(CLAYWORK_VAPID_PUBLIC_KEY) != bool(CLAYWORK_VAPID_PRIVATE_KEY):
    raise ConfigurationError("Set both CLAYWORK_VAPID_PUBLIC_KEY and CLAYWORK_VAPID_PRIVATE_KEY.")
if not CLAYWORK_VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ConfigurationError("CLAYWORK_VAPID_SUBJECT must start with mailto: or https://")

# --- Measures -------------------------------------------------------------------------------
# Extra instrument definitions a clinic is licensed to use (see docs/instruments.md).
CLAYWORK_INSTRUMENT_DIRS = env_list("CLAYWORK_INSTRUMENT_DIRS", [])
CLAYWORK_SCHEDULED_INSTRUMENTS = env_list("CLAYWORK_SCHEDULED_INSTRUMENTS", ["phq9", "gad7"])
# "Is the effect holding?" (docs/measures.md; the defaults were tuned on the simulation in
# bench/effect_sim.py, see bench/README.md). The usual level is a median of the check-ins of
# CLAYWORK_FADING_USUAL_DAYS days ending a week ago; daily mood that falls short of it by more
# than the slack adds up (a CUSUM) until the threshold fires; two PHQ-9s in a row this many
# points above their usual level fire too (one at the instrument's reliable change fires alone);
# an episode that starts again within the merge window is the same episode.
CLAYWORK_FADING_USUAL_DAYS = env_int("CLAYWORK_FADING_USUAL_DAYS", 28, minimum=7)
CLAYWORK_FADING_MOOD_SLACK_TENTHS = env_int("CLAYWORK_FADING_MOOD_SLACK_TENTHS", 10, minimum=0)
CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS = env_int(
    "CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS", 30, minimum=1
)
# The two tiers (decision 0006): the CUSUM above is an early warning, shown on the care team's
# pages without an alert; the fading alert needs a PHQ-9 rule or a second CUSUM with its own
# slack that has risen for CLAYWORK_FADING_ALERT_DAYS days and summed its threshold.
CLAYWORK_FADING_ALERT_SLACK_TENTHS = env_int("CLAYWORK_FADING_ALERT_SLACK_TENTHS", 10, minimum=0)
CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS = env_int(
    "CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS", 0, minimum=0
)
CLAYWORK_FADING_ALERT_DAYS = env_int("CLAYWORK_FADING_ALERT_DAYS", 10, minimum=1)
# The alert tier's likelihood-ratio CUSUM: a fall of this share of the course's lift (percent;
# 0 turns it off), fired when the summed log-likelihood ratio reaches the threshold (tenths).
CLAYWORK_FADING_RELAPSE_SHIFT_PERCENT = env_int(
    "CLAYWORK_FADING_RELAPSE_SHIFT_PERCENT", 0, minimum=0
)
CLAYWORK_FADING_RELAPSE_THRESHOLD_TENTHS = env_int(
    "CLAYWORK_FADING_RELAPSE_THRESHOLD_TENTHS", 300, minimum=1
)
# The alert tier's relapse filter: an alert when the posterior probability that a relapse has
# begun reaches this (percent; 0 turns it off). Decision 0006, fourth to sixth amendments, and
# the eighth (stop 26: 70 -> 75).
CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT = env_int(
    "CLAYWORK_FADING_RELAPSE_PROBABILITY_PERCENT", 75, minimum=0
)
# The PHQ-9 rules that raise an alert on their own: one scale this many points above its usual
# level (0: at the instrument's reliable change, 6), or two in a row each CLAYWORK_FADING_PHQ9_RISE
# above it. Above the reliable change: the relapse filter weighs every PHQ-9 with the check-ins
# (decision 0006, sixth amendment).
CLAYWORK_FADING_PHQ9_SINGLE_RISE = env_int("CLAYWORK_FADING_PHQ9_SINGLE_RISE", 10, minimum=0)
CLAYWORK_FADING_PHQ9_RISE = env_int("CLAYWORK_FADING_PHQ9_RISE", 10, minimum=1)
# An early warning becomes an alert when confirmed: by a PHQ-9 answered while it is open
# (Claywork asks for one when it opens) this many points above the usual PHQ-9, or by the
# warning's CUSUM reaching this sum (tenths; 0 turns it off) with check-ins this many percent
# of days rarer in the last week than usual (decision 0006, docs/measures.md).
CLAYWORK_FADING_CONFIRM_PHQ9_RISE = env_int("CLAYWORK_FADING_CONFIRM_PHQ9_RISE", 10, minimum=1)
CLAYWORK_FADING_CONFIRM_MOOD_THRESHOLD_TENTHS = env_int(
    "CLAYWORK_FADING_CONFIRM_MOOD_THRESHOLD_TENTHS", 0, minimum=0
)
CLAYWORK_FADING_CONFIRM_CHECK_IN_DROP_PERCENT = env_int(
    "CLAYWORK_FADING_CONFIRM_CHECK_IN_DROP_PERCENT", 15, minimum=0
)
CLAYWORK_FADING_MERGE_DAYS = env_int("CLAYWORK_FADING_MERGE_DAYS", 14, minimum=0)
# How long a course's lift held: against the pre-course level, a lift of at least this many
# tenths of a mood point, ended when this share of it has been lost for this many days.
CLAYWORK_BENEFIT_MIN_LIFT_TENTHS = env_int("CLAYWORK_BENEFIT_MIN_LIFT_TENTHS", 10, minimum=1)
CLAYWORK_BENEFIT_LOST_PERCENT = env_int("CLAYWORK_BENEFIT_LOST_PERCENT", 50, minimum=1)
if CLAYWORK_BENEFIT_LOST_PERCENT > 100:
    raise ConfigurationError("CLAYWORK_BENEFIT_LOST_PERCENT must be at most 100.")
CLAYWORK_BENEFIT_CONFIRM_DAYS = env_int("CLAYWORK_BENEFIT_CONFIRM_DAYS", 10, minimum=1)
# Sessions closer together than this many days are one course; later ones are boosters.
CLAYWORK_COURSE_GAP_DAYS = env_int("CLAYWORK_COURSE_GAP_DAYS", 14, minimum=1)

# The canonical base of the clinic's FHIR identifiers and local code systems in exports
# (Patient.identifier's system, Questionnaire URLs, the CodeSystem of codes LOINC lacks).
CLAYWORK_FHIR_BASE = env_str("CLAYWORK_FHIR_BASE", f"{SITE_URL}/fhir").rstrip("/")

# --- Alerts ---------------------------------------------------------------------------------
# An unacknowledged high-priority alert is re-sent to the whole care team and the clinic admins
# after this many minutes. A sender holds an alert e-mail for the lease; a sender killed while
# sending loses it when the lease expires and the next sweep sends again. Keep the lease well
# above the mail server's timeout, or a slow server could be sent the same message twice.
CLAYWORK_ALERT_ESCALATE_MINUTES = env_int("CLAYWORK_ALERT_ESCALATE_MINUTES", 30, minimum=1)
# A patient who has been checking in and then skips this many days is flagged (low severity).
CLAYWORK_MISSED_CHECK_INS_DAYS = env_int("CLAYWORK_MISSED_CHECK_INS_DAYS", 3, minimum=1)
CLAYWORK_ALERT_LEASE_SECONDS = env_int("CLAYWORK_ALERT_LEASE_SECONDS", 120, minimum=1)
# Staff see "Alerts are not being sent" and /healthz says "late" when no worker has swept the
# outbox for this long ("missing" after five times as long, or before any worker ever has).
CLAYWORK_WORKER_LATE_SECONDS = env_int("CLAYWORK_WORKER_LATE_SECONDS", 120, minimum=10)
# Phone numbers written without a country code are read as numbers of this region (ISO 3166).
CLAYWORK_PHONE_REGION = env_str("CLAYWORK_PHONE_REGION", "US").upper()
if CLAYWORK_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ConfigurationError(
        f"CLAYWORK_PHONE_REGION must be a two-letter region code such as US or GB, "
        f"not {CLAYWORK_PHONE_REGION!r}."
    )

# --- Themes (docs/themes.md) ---------------------------------------------------------------
# "classic" (TF-IDF + NMF, always installed) or "embeddings" (needs the `embeddings` extra).
CLAYWORK_THEMES_ENGINE = env_str("CLAYWORK_THEMES_ENGINE", "classic")
if CLAYWORK_THEMES_ENGINE not in {"classic", "embeddings"}:
    raise ConfigurationError(
        f"CLAYWORK_THEMES_ENGINE must be classic or embeddings, not {CLAYWORK_THEMES_ENGINE!r}."
    )
# Themes are worked out again this long after the last change to a patient's writing.
CLAYWORK_THEMES_DEBOUNCE_SECONDS = env_int("CLAYWORK_THEMES_DEBOUNCE_SECONDS", 300, minimum=0)

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- HTTP hardening -------------------------------------------------------------------------
SECURE = env_bool("CLAYWORK_SECURE", not (DEBUG or INSECURE_DEV or TESTING))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("CLAYWORK_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, each row read as its data alone (core/sessions.py).
SESSION_ENGINE = "claywork.core.sessions"
SESSION_COOKIE_AGE = env_int("CLAYWORK_SESSION_SECONDS", 12 * 3600, minimum=300)
# Signed out after this long without a request (accounts/sign_ins.py): staff see many patients.
CLAYWORK_STAFF_IDLE_MINUTES = env_int("CLAYWORK_STAFF_IDLE_MINUTES", 30, minimum=2)
CLAYWORK_PATIENT_IDLE_MINUTES = env_int("CLAYWORK_PATIENT_IDLE_MINUTES", 12 * 60, minimum=2)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE and env_bool("CLAYWORK_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Powerful browser features Claywork never uses are switched off for every page
# (core.middleware.PermissionsPolicyMiddleware); none is needed by push or the offline copy.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
# No inline script or style anywhere: htmx is configured from a meta tag and every script is a
# static file, so an entry that smuggles <script> cannot run even if escaping ever failed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Static files, language, time -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CLAYWORK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
