"""The caseload's rows and the mood sparkline, drawn in Python rather than by the template
language.

A caseload of 200 rendered some 10,000 template variables (each resolved, localized and
escaped) and 200 included sparkline templates: most of the page's time (bench/README.md,
"Pages through the real server"). These functions write the same markup the template loop
did; every value that comes from a person or the database goes through ``escape`` (the
standard library's, which Django's wraps: the same characters, without the check for lazy
text on each of the ~25,000 calls a caseload of 200 made). A sparkline's SVG depends on its
moods alone, so it is drawn once per distinct line (``sparkline_svg``)."""

from __future__ import annotations

from functools import lru_cache
from html import escape as _escape

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from claywork.core.dates import day_and_time
from claywork.measures.caseload import CaseloadRow, ScaleStanding
from claywork.measures.sparkline import (
    KEPT_LINES,
    Moods,
    Sparkline,
    line_dots,
    line_segments,
    line_summary,
)

register = template.Library()


def escape(value: object) -> str:
    return _escape(str(value))


def _none(words: str) -> str:
    return f'<span aria-hidden="true">—</span><span class="visually-hidden">{words}</span>'


def _days(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'} ago"


@register.simple_tag
def sparkline(line: Sparkline) -> SafeString:
    """14 days of mood as a small SVG line (``measures.sparkline``)."""
    return sparkline_svg(line.moods, line.width, line.height)


@lru_cache(maxsize=KEPT_LINES)
def sparkline_svg(moods: Moods, width: int, height: int) -> SafeString:
    summary = escape(line_summary(moods))
    polylines = "".join(
        f'<polyline points="{escape(segment)}" fill="none" stroke="currentColor" stroke-width="2"/>'
        for segment in line_segments(moods, width, height)
    )
    dots = "".join(
        f'<circle cx="{escape(x)}" cy="{escape(y)}" r="2" fill="currentColor"/>'
        for x, y in line_dots(moods, width, height)
    )
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<svg class="sparkline" viewBox="-2 0 {width + 4} {height}" width="{width + 4}" '
        f'height="{height}" role="img" aria-label="{summary}"><title>{summary}</title>'
        f"{polylines}{dots}</svg>"
    )


def _check_in(row: CaseloadRow) -> str:
    if not row.scores_shared:
        return '<span class="muted">not shared</span>\n        '
    if row.days_since_check_in is None:
        return '<span class="muted">never</span>\n        '
    days = row.days_since_check_in
    when = "today" if days == 0 else _days(days)
    if row.check_in_late:
        return f'<span class="late">{when}</span><span class="visually-hidden"> (overdue)</span>'
    return f"<span>{when}</span>"


def _fading(row: CaseloadRow) -> str:
    if not row.fading:
        return _none("no sign of fading")
    fading = row.fading
    return (
        f'<span class="badge badge-{"medium" if fading.depth > 1 else "low"}">'
        f"{escape(fading.tier)}</span> {escape(fading.words)}, since "
        f"{escape(date_format(fading.since, 'j M'))}"
    )


def _alerts(row: CaseloadRow) -> str:
    if not row.open_alerts:
        return "0"
    severity = row.open_alert_severity or ""
    return (
        f'<span class="badge badge-{escape(severity)}">{escape(capfirst(severity))}</span> '
        f"<strong>{row.open_alerts}</strong>"
    )


def _next_session(row: CaseloadRow) -> str:
    if not row.next_session_at:
        return _none("none planned")
    return escape(day_and_time(row.next_session_at))


def _scales_due(row: CaseloadRow) -> str:
    if not row.scales_due:
        return _none("none due")
    return "<br>".join(
        (
            f'<strong class="late">{escape(scale.title)} overdue</strong>'
            if scale.overdue
            else f"{escape(scale.title)} due"
        )
        + f' <span class="muted">({escape(scale.reason)})</span>'
        for scale in row.scales_due
    )


def _scale_cells(standing: ScaleStanding | None) -> str:
    if standing is None:
        return f"<td>{_none('none yet')}</td>\n      <td>{_none('none yet')}</td>\n      "
    return (
        f'<td>{standing.latest} <span class="muted">{escape(standing.band)}</span></td>\n'
        f'      <td>{standing.change:+d} <span class="muted">from {standing.baseline}</span>'
        "</td>\n      "
    )


def _status(row: CaseloadRow) -> str:
    phq9 = f"{escape(row.phq9.title)}: {escape(row.phq9.status)}<br>" if row.phq9 else ""
    gad7 = f"{escape(row.gad7.title)}: {escape(row.gad7.status)}" if row.gad7 else ""
    neither = _none("no scales yet") if not row.phq9 and not row.gad7 else ""
    return f"{phq9}\n        {gad7}\n        {neither}"


def _last_session(row: CaseloadRow) -> str:
    days = row.days_since_session
    if days is None:
        last = _none("none yet") + "\n        "
    elif days == 0:
        last = "today\n        "
    else:
        last = _days(days)
    completed = (
        f'<br><span class="muted">{row.completed_count} completed</span>'
        if row.completed_count
        else ""
    )
    return f"{last}\n        {completed}"


@register.simple_tag
def caseload_row(row: CaseloadRow) -> SafeString:
    """One row of the clinician's caseload table (``core/home_clinician.html``)."""
    if row.scores_shared:
        progress = f'<a class="muted" href="{escape(row.progress_url)}">Progress</a>'
    else:
        progress = '<span class="muted">Scores not shared</span>'
    reasons = "<br>".join(escape(reason) for reason in row.attention_reasons)
    if not reasons:
        reasons = '<span class="muted">Nothing open</span>'
    line = sparkline(row.sparkline) if row.sparkline else '<span class="muted">not shared</span>'
    return mark_safe(  # noqa: S308 - every value escaped in the parts above
        "<tr>\n"
        '      <th scope="row">\n'
        f'        <a href="{escape(row.record_url)}">{escape(row.full_name)}</a><br>\n'
        f"        {progress}\n"
        "      </th>\n"
        f"      <td>{reasons}</td>\n"
        f"      <td>{_check_in(row)}</td>\n"
        f"      <td>{line}</td>\n"
        f"      <td>{_fading(row)}</td>\n"
        f"      <td>{_alerts(row)}</td>\n"
        f"      <td>{_next_session(row)}</td>\n"
        f"      <td>{_scales_due(row)}</td>\n"
        f"      {_scale_cells(row.phq9)}\n"
        f"      {_scale_cells(row.gad7)}\n"
        "      <td>\n"
        f"        {_status(row)}\n"
        "      </td>\n"
        "      <td>\n"
        f"        {_last_session(row)}\n"
        "      </td>\n"
        "    </tr>"
    )
