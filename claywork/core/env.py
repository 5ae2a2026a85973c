"""Strict readers for deployment configuration taken from the environment.

A deployment that sets a variable wrongly must fail at start-up, not run with a guess:
``CLAYWORK_DEBUG=ture`` raises instead of quietly meaning ``False``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigurationError(ValueError):
    """An environment variable holds a value Claywork cannot use."""


# Set by ``claywork.cli`` for a command that reads no database and signs nothing (``claywork
# screen``, ``score``, ``effect --file``, the key generators): such a command runs on a fresh
# install before any secret exists. A module flag, not an environment variable, so no server
# process can inherit it.
offline_tool = False


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_int(
    name: str, default: int, *, minimum: int = 0, environ: Mapping[str, str] | None = None
) -> int:
    environ = os.environ if environ is None else environ
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


CACHE_TABLE = "claywork_cache"


def cache_from_url(url: str) -> dict[str, object]:
    """A ``CACHES`` entry from ``CACHE_URL``: ``db://`` (optionally ``db://table``),
    ``redis://host:port/db`` or ``rediss://...`` (needs the ``redis`` extra), ``locmem://``."""
    scheme, _, rest = url.partition("://")
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest.strip("/") or CACHE_TABLE,
            # Django's default (300 rows, then a third culled) would let someone who tries many
            # addresses evict the counters of the one they are after.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest}
    raise ConfigurationError(
        f"CACHE_URL must start with db://, redis://, rediss:// or locmem://, not {url!r}"
    )
