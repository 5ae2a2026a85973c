"""The time zones a person may choose: canonical IANA location names only.

``zoneinfo.available_timezones()`` holds ~600 names, many of them backward-compatible aliases
(``US/Eastern``, ``W-SU``), special files (``Factory``, ``localtime``) or fixed offsets. People
choose from the tz database's own list of locations (``zone.tab``, one or more per country,
shipped in the ``tzdata`` wheel) plus ``UTC``. An alias that reaches us anyway (an old account,
an older browser's ``Asia/Calcutta``) is read through the database's links (``tzdata.zi``) to
the name it stands for. No Django here: the form field lives in ``core/forms.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

UTC_NAME = "UTC"

# The short list shown first: where most of our clinics' patients live, west to east.
COMMON_ZONES = (
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Phoenix",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Toronto",
    "America/Halifax",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Athens",
    "Africa/Johannesburg",
    "Asia/Jerusalem",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    UTC_NAME,
)


# The old POSIX-style rule names (zones of their own in some tzdata releases, links in others)
# name North American rules, which these places keep.
_POSIX_STYLE = {
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
}


@dataclass(frozen=True)
class Zone:
    name: str  # the canonical IANA name, e.g. "America/Chicago"
    label: str  # for people: "Chicago · United States (Central, most areas)"


def _tzdata_text(name: str) -> str:
    return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


def _rows(name: str) -> list[list[str]]:
    return [
        line.split("\t")
        for line in _tzdata_text(name).splitlines()
        if line.strip() and not line.startswith("#")
    ]


@cache
def _countries() -> dict[str, str]:
    return {row[0]: row[1] for row in _rows("iso3166.tab")}


def _label(name: str, country_code: str, comment: str) -> str:
    place = name.rsplit("/", 1)[-1].replace("_", " ")
    country = _countries().get(country_code, country_code)
    detail = f"{country}, {comment}" if comment else country
    return f"{place} · {detail}"


@cache
def all_zones() -> tuple[Zone, ...]:
    """Every zone a person may choose, sorted by name (``UTC`` last)."""
    zones = [
        Zone(row[2], _label(row[2], row[0].split(",")[0], row[3] if len(row) > 3 else ""))
        for row in _rows("zone.tab")
    ]
    zones.sort(key=lambda zone: zone.name)
    return (*zones, Zone(UTC_NAME, "UTC · Coordinated Universal Time"))


@cache
def canonical_names() -> frozenset[str]:
    return frozenset(zone.name for zone in all_zones())


@cache
def _links() -> dict[str, str]:
    """Alias -> the name it links to, from the tz database's compiled source."""
    links = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


def canonical_zone(name: str) -> str | None:
    """The canonical name for ``name`` (itself, or what an alias stands for), or None when it
    names no place people live (``Factory``, ``localtime``, a typo)."""
    name = name.strip()
    known = canonical_names()
    if name in known:
        return name
    seen = set()
    while name in _links() and name not in seen:  # links may chain through Etc/ names
        seen.add(name)
        name = _links()[name]
        if name in known:
            return name
    if name in {"Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu"}:
        return UTC_NAME
    return _POSIX_STYLE.get(name)


def zone_choices() -> list[Zone]:
    """The common zones first, then every other canonical zone."""
    by_name = {zone.name: zone for zone in all_zones()}
    common = [by_name[name] for name in COMMON_ZONES if name in by_name]
    chosen = set(COMMON_ZONES)
    return common + [zone for zone in all_zones() if zone.name not in chosen]
