from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localtime

from claywork.measures.caseload import CaseloadRow, ScaleStanding

register = template.Library()

_DASH = '<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>'


def _none(words: str) -> SafeString:
    return format_html(_DASH, words)


def _scale_cells(standing: ScaleStanding | None) -> SafeString:
    if standing is None:
        return format_html("<td>{}</td>\n      <td>{}</td>", _none("none yet"), _none("none yet"))
    return format_html(
        '<td>{} <span class="muted">{}</span></td>\n'
        '      <td>{} <span class="muted">from {}</span></td>',
        standing.latest,
        standing.band,
        f"{standing.change:+d}",
        standing.baseline,
    )


@register.simple_tag
def caseload_row(row: CaseloadRow) -> SafeString:
    """One row of the clinician's caseload table, built here rather than by the template
    language: a caseload of 200 rendered some 4,000 template variables (each resolved, localized
    and escaped) and that was most of the page's time (bench/README.md, "Pages through the real
    server"). The markup is the same the template loop produced."""
    if row.scores_shared:
        progress = format_html('<a class="muted" href="{}">Progress</a>', row.progress_url)
    else:
        progress = mark_safe('<span class="muted">Scores not shared</span>')  # noqa: S308
    status_parts = []
    if row.phq9:
        status_parts.append(format_html("{}: {}<br>", row.phq9.title, row.phq9.status))
    if row.gad7:
        status_parts.append(format_html("{}: {}", row.gad7.title, row.gad7.status))
    if not row.phq9 and not row.gad7:
        status_parts.append(_none("no scales yet"))
    days = row.days_since_session
    if days is None:
        last = _none("none yet")
    elif days == 0:
        last = mark_safe("today")  # noqa: S308
    else:
        last = format_html("{} day{} ago", days, "" if days == 1 else "s")
    if row.completed_count:
        last = format_html(
            '{}<br><span class="muted">{} completed</span>', last, row.completed_count
        )
    if row.next_session_at:
        upcoming = conditional_escape(date_format(localtime(row.next_session_at), "D j M, H:i"))
    else:
        upcoming = _none("none planned")
    if row.open_alerts:
        alerts = format_html(
            '<span class="badge badge-{}">{}</span> <strong>{}</strong>',
            row.open_alert_severity,
            capfirst(row.open_alert_severity or ""),
            row.open_alerts,
        )
    else:
        alerts = mark_safe("0")  # noqa: S308
    return format_html(
        "<tr>\n"
        '      <th scope="row">\n'
        '        <a href="{}">{}</a><br>\n'
        "        {}\n"
        "      </th>\n"
        "      {}\n"
        "      {}\n"
        "      <td>\n        {}\n      </td>\n"
        "      <td>\n        {}\n      </td>\n"
        "      <td>{}</td>\n"
        "      <td>{}</td>\n"
        "    </tr>",
        row.record_url,
        row.full_name,
        progress,
        _scale_cells(row.phq9),
        _scale_cells(row.gad7),
        mark_safe("".join(status_parts)),  # noqa: S308 - each part escaped above
        last,
        upcoming,
        alerts,
    )
