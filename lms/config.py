"""Configuration from ``LMS_``-prefixed environment variables.

Every setting is declared once in :data:`SETTINGS`; the README's configuration table
lists the same names (a test keeps the two in step).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _http_url(value: str) -> str:
    """An absolute http(s) URL, kept without its trailing slash."""
    value = value.strip()
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in {"http", "https"} or not rest.strip("/"):
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"must be at least 1: {value!r}")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be more than 0: {value!r}")
    return number


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("LMS_SECRET_KEY", "SECRET_KEY", None, str,
            "Key that signs sessions and CSRF tokens. When unset, one is generated once "
            "and kept in `instance/secret_key`."),
    Setting("LMS_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None, str,
            "SQLAlchemy URL. Default: SQLite file `instance/lms.sqlite3`. "
            "PostgreSQL: `postgresql+psycopg://user:password@host:5432/lms`."),
    Setting("LMS_INSTANCE_PATH", "INSTANCE_PATH", None, str,
            "Folder for the SQLite file, the generated secret key and other local state. "
            "Default: `instance/` in the checkout."),
    Setting("LMS_COURSES_PATH", "COURSES_PATH", str(REPO_ROOT / "courses"), str,
            "Folder of course folders that `lms init` and `lms courses sync` load, and "
            "whose images lessons show. Default: `courses/` in the checkout."),
    Setting("LMS_RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", "memory://", str,
            "Where login attempt counters live. `memory://` (per process) or "
            "`redis://host:6379` to share them between gunicorn workers."),
    Setting("LMS_LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT", "20 per 10 minutes", str,
            "Sign-in attempts allowed per client address."),
    Setting("LMS_LOGIN_ACCOUNT_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT", "5 per 15 minutes", str,
            "Failed sign-in attempts allowed per account before it is locked out for the window."),
    Setting("LMS_COOKIE_SECURE", "SESSION_COOKIE_SECURE", True, _bool,
            "Send cookies over HTTPS only. Keep on in production; `lms demo` turns it off "
            "for plain-HTTP localhost."),
    Setting("LMS_SESSION_HOURS", "SESSION_HOURS", 12, int,
            "How long a sign-in lasts without activity, in hours."),
    Setting("LMS_DEFAULT_LOCALE", "BABEL_DEFAULT_LOCALE", "vi", str,
            "Language when neither the user, the switcher nor the browser decides (`vi` or `en`)."),
    Setting("LMS_TIMEZONE", "BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh", str,
            "Time zone in which dates and times are shown."),
    Setting("LMS_PASSWORD_MIN_LENGTH", "PASSWORD_MIN_LENGTH", 10, int,
            "Shortest password an official may choose."),
    Setting("LMS_PASSWORD_HASH_METHOD", "PASSWORD_HASH_METHOD", "scrypt", str,
            "Werkzeug password hashing method (`scrypt` by default)."),
    Setting("LMS_PROXY_COUNT", "PROXY_COUNT", 0, int,
            "Number of trusted reverse proxies in front of the app (for client address "
            "and scheme). Set to 1 behind nginx."),
    Setting("LMS_WORKERS", "WORKERS", 2, int,
            "gunicorn worker processes for `lms serve`."),
    Setting("LMS_LOG_LEVEL", "LOG_LEVEL", "INFO", str,
            "Logging level (`DEBUG`, `INFO`, `WARNING`, ...)."),
    Setting("LMS_XAPI_ENDPOINT", "XAPI_ENDPOINT", None, _http_url,
            "xAPI endpoint of the Learning Record Store (statements go to "
            "`<endpoint>/statements`). Unset: no xAPI statements are recorded. "
            "See `docs/xapi.md`."),
    Setting("LMS_XAPI_BASE_URL", "XAPI_BASE_URL", None, _http_url,
            "Public address of this platform, e.g. `https://hoctap.example.gov.vn`: the root of "
            "activity ids and the `homePage` of learners' xAPI accounts. Required with "
            "`LMS_XAPI_ENDPOINT`; keep it stable, the LRS identifies everything by it."),
    Setting("LMS_XAPI_USERNAME", "XAPI_USERNAME", None, str,
            "User name for HTTP Basic authentication at the LRS."),
    Setting("LMS_XAPI_PASSWORD", "XAPI_PASSWORD", None, str,
            "Password for HTTP Basic authentication at the LRS (from the environment only)."),
    Setting("LMS_XAPI_BATCH_SIZE", "XAPI_BATCH_SIZE", 50, _positive_int,
            "Statements sent to the LRS per request by `lms xapi send`."),
    Setting("LMS_XAPI_TIMEOUT", "XAPI_TIMEOUT", 10.0, _positive_float,
            "Seconds `lms xapi send` waits for the LRS to connect or answer before it retries later."),
    Setting("LMS_API_RATE_LIMIT", "API_RATE_LIMIT", "600 per minute", str,
            "Requests allowed per API token on `/api/v1` (see `docs/api.md`)."),
    Setting("LMS_API_TOKEN_MAX_DAYS", "API_TOKEN_MAX_DAYS", 365, int,
            "Longest lifetime, in days, an administrator may give an API token."),
    Setting("LMS_PUBLIC_URL", "PUBLIC_URL", None, str,
            "Public address of the site, e.g. `https://lms.example.gov.vn`, used in the QR code "
            "and link printed on certificates. Set it in production; when unset, the address of "
            "the request that first downloads a certificate is used."),
    Setting("LMS_SIGNING_P12", "SIGNING_P12", None, str,
            "PKCS#12 file (`.p12`/`.pfx`) with the key and certificate that sign completion "
            "certificates, and its CA chain. When unset, a DEMO certificate is generated in "
            "`instance/signing/` (see `docs/certificates.md`)."),
    Setting("LMS_SIGNING_P12_PASSWORD", "SIGNING_P12_PASSWORD", None, str,
            "Password of `LMS_SIGNING_P12`."),
    Setting("LMS_VERIFY_RATE_LIMIT", "VERIFY_RATE_LIMIT", "30 per minute", str,
            "Certificate verifications (and e-signature lab checks) allowed per client address."),
    Setting("LMS_SESSION_RETENTION_DAYS", "SESSION_RETENTION_DAYS", 30, _positive_int,
            "Days after a school session closes before `lms sessions purge` replaces its "
            "participants' names (counts and results remain; see `docs/sessions.md`)."),
    Setting("LMS_SESSION_RESUME_RATE_LIMIT", "SESSION_RESUME_RATE_LIMIT", "30 per minute", str,
            "Attempts to continue a school session with a personal code, per client address."),
    Setting("LMS_SESSION_CODE_RATE_LIMIT", "SESSION_CODE_RATE_LIMIT", "60 per 10 minutes", str,
            "Join codes that match no open session, per client address (so codes cannot be "
            "guessed; a class behind one address joining with the right code is not counted)."),
)


def settings_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Return the config keys set by ``LMS_*`` variables, parsed, with defaults filled in."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            values[setting.key] = setting.default
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{setting.env}: {exc}") from exc
    return values


def instance_path_from_env() -> Path:
    raw = os.environ.get("LMS_INSTANCE_PATH")
    return Path(raw).resolve() if raw else REPO_ROOT / "instance"


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Factory step: environment, then explicit overrides, then derived values."""
    app.config.update(
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="lms_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session
        RATELIMIT_HEADERS_ENABLED=False,
        LANGUAGES=("vi", "en"),
        BABEL_TRANSLATION_DIRECTORIES=str(REPO_ROOT / "translations"),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
    )
    app.config.update(settings_from_env())
    if overrides:
        app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if app.config["XAPI_ENDPOINT"] and not app.config["XAPI_BASE_URL"]:
        raise RuntimeError("LMS_XAPI_BASE_URL: required when LMS_XAPI_ENDPOINT is set "
                           "(it names this platform in every xAPI statement)")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_HOURS"])


def _instance_secret_key(instance: Path) -> str:
    """Generate the key once and keep it beside the database, readable by the owner only."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    # Write a temporary file, then hard-link it into place: when two workers start together
    # one link wins and both read the same complete key.
    fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path.read_text().strip()
