"""The alert cards, drawn in Python rather than by the template language.

The inbox included ``_alert.html`` and, inside it, a delivery summary and the acknowledge form
once per alert: some 2,600 template variables, 230 date formats and 700 nested nodes for 72
alerts, two thirds of the page's time (bench/README.md, "Cheaper staff pages"). These tags
write that markup (the same, whitespace between tags aside) and are its only source:
``_alert.html`` and ``_alert_summary_card.html`` call them too, so the alert's page, the
patient page and the htmx answers show the same card. Every value from a person or the
database goes through ``escape`` (the standard library's, which Django's wraps)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from claywork.core.dates import day_and_time, iso
from claywork.core.links import url_maker
from claywork.safety.models import Alert
from claywork.safety.templatetags.safety_tags import SEVERITY_WORDS, escalation_countdown

register = template.Library()

COUNTS = ("sent", "waiting", "failed")


def escape(value: object) -> str:
    return _escape(str(value))


class _Card:
    """What every card on one page shares: the reader, the CSRF field, the links."""

    def __init__(self, context: template.Context) -> None:
        self.user: Any = context.get("user")
        self.in_list = bool(context.get("in_list"))
        self.form: Any = context.get("form")
        self.assign_form: Any = context.get("assign_form")
        self.unsaved_note = context.get("unsaved_note") or ""
        token = context.get("csrf_token")
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
            if token and str(token) != "NOTPROVIDED"
            else ""
        )
        self.shown_in = (
            '<input type="hidden" name="shown_in" value="inbox">' if self.in_list else ""
        )
        self.detail_url = url_maker("safety:alert_detail")
        self.chart_url = url_maker("chart:patient")
        self.assign_url = url_maker("safety:alert_assign")
        self.acknowledge_url = url_maker("safety:alert_acknowledge")
        self.care_team_url = url_maker("clinics:care_team")

    def meta(self, alert: Alert) -> str:
        return (
            f'<li class="card alert-card alert-{escape(alert.severity)}'
            f'{" alert-open" if alert.is_open else ""}" id="alert-{alert.pk}">\n'
            '  <p class="alert-meta">\n'
            f'    <span class="badge badge-{escape(alert.severity)}">'
            f"{escape(alert.get_severity_display())}</span>\n"
            '    <span class="severity-words">'
            f"{escape(SEVERITY_WORDS.get(alert.severity, alert.severity))}</span> ·\n"
            f"    {escape(alert.get_kind_display())} ·\n"
            f'    <time datetime="{iso(alert.created_at)}">{day_and_time(alert.created_at)}'
            "</time>\n"
        )

    def acknowledge_form(self, alert: Alert) -> str:
        form = self.form
        bound = bool(form is not None and form.is_bound)
        errors = list(form["note"].errors) if bound else []
        error_list = (
            f'<ul class="errorlist" id="note-{alert.pk}-error">'
            + "".join(f"<li>{escape(error)}</li>" for error in errors)
            + "</ul>"
            if errors
            else ""
        )
        invalid = f' aria-invalid="true" aria-describedby="note-{alert.pk}-error"' if errors else ""
        words = escape(form["note"].value() or "") if bound else ""
        url = self.acknowledge_url(alert.pk)
        return (
            f'<form method="post" action="{url}" hx-post="{url}" hx-target="#alert-{alert.pk}" '
            'hx-swap="outerHTML" data-swap-errors novalidate>\n'
            f"  {self.csrf}{self.shown_in}\n"
            '  <div class="field">\n'
            f'    <label for="note-{alert.pk}">What was done <span class="muted">(required)'
            "</span></label>\n"
            f"    {error_list}\n"
            f'    <textarea id="note-{alert.pk}" name="note" rows="2" required{invalid}>{words}'
            "</textarea>\n"
            "  </div>\n"
            '  <button type="submit">Acknowledge</button>\n'
            "</form>\n"
        )

    def acknowledged(self, alert: Alert, *, with_note: bool) -> str:
        by = (
            f" by {escape(alert.acknowledged_by.full_name)}"
            if alert.acknowledged_by_id is not None and alert.acknowledged_by
            else ""
        )
        assert alert.acknowledged_at is not None
        stamp = (
            f'<time datetime="{iso(alert.acknowledged_at)}">'
            f"{day_and_time(alert.acknowledged_at)}</time>"
        )
        if not with_note:
            ending = "."
        elif alert.note:
            ending = f':</p>\n  <p class="entry-body">{escape(alert.note)}</p>'
        else:
            ending = ".</p>"
        return f"  <p>Acknowledged{by} {stamp}{ending}"

    def unsaved(self, words: str) -> str:
        if not self.unsaved_note:
            return "\n"
        return (
            '  <div class="notice" role="status"><p>Someone acknowledged this alert before '
            f"you; {words} Your words, to copy:</p>"
            f'<p class="entry-body">{escape(self.unsaved_note)}</p></div>\n'
        )


def _escalation(alert: Alert) -> str:
    if alert.escalated_at:
        return f" · escalated {localtime(alert.escalated_at):%H:%M}"
    escalates_at = alert.escalates_at
    if escalates_at:
        return (
            f' · <span class="countdown" data-escalates-at="{iso(escalates_at)}">'
            f"{escape(escalation_countdown(escalates_at))}</span>"
        )
    return ""


def _deliveries(alert: Any) -> str:
    """The card's e-mail line: how the alert's e-mails are doing."""
    # An alert drawn without ``selectors.attach_delivery_counts`` says "none", as the
    # template did for a missing number.
    sent, waiting, failed = (getattr(alert, f"{kind}_count", 0) for kind in COUNTS)
    parts = f"sent to {sent}" if sent else ""
    if waiting:
        parts += ", " if sent else ""
        if getattr(alert, "retrying_count", 0):
            parts += f"<strong>{waiting} waiting to be retried</strong>"
        else:
            parts += f"{waiting} waiting to send"
    if failed:
        parts += ", " if sent or waiting else ""
        parts += f"<strong>{failed} failed</strong>"
    if not sent and not waiting and not failed:
        parts += "none"
    return f'<span class="delivery-summary">E-mail:\n  {parts}\n</span>\n'


def _assign_forms(card: _Card, alert: Any) -> str:
    user = card.user
    url = card.assign_url(alert.pk)
    start = (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#alert-{alert.pk}" '
        'hx-swap="outerHTML" data-swap-errors class="inline-form">\n'
        f"        {card.csrf}{card.shown_in}\n"
    )
    to_me = (
        f"{start}"
        f'        <input type="hidden" name="to" value="{user.pk}">\n'
        '        <button type="submit" class="button-quiet">Assign to me</button>\n'
        "      </form>\n      "
        if alert.assigned_to_id != user.pk
        else ""
    )
    hand_over = ""
    if getattr(alert, "hand_over_to", None):
        options = "".join(
            f'<option value="{person.pk}">{escape(person.full_name)}</option>'
            for person in alert.hand_over_to
        )
        hand_over = (
            f"{start}"
            f'        <label for="hand-over-{alert.pk}">Hand over to</label>\n'
            f'        <select id="hand-over-{alert.pk}" name="to">{options}</select>\n'
            '        <button type="submit" class="button-quiet">Hand over</button>\n'
            "      </form>\n      "
        )
    errors = ""
    if card.assign_form is not None and card.assign_form.errors:
        errors = (
            '<ul class="errorlist">'
            + "".join(f"<li>{escape(error)}</li>" for error in card.assign_form["to"].errors)
            + "</ul>"
        )
    return (
        '    <div class="assign-forms">\n'
        f"      {to_me if to_me else ''}"
        f"{hand_over}"
        f"{errors}\n"
        "    </div>\n"
        "    "
    )


def _open_part(card: _Card, alert: Any) -> str:
    user = card.user
    if alert.assigned_to_id is None:
        assignee = "Nobody has taken this alert yet."
    elif alert.assigned_to_id == user.pk:
        assignee = "<strong>Assigned to you</strong>"
    else:
        assignee = f"Assigned to {escape(alert.assigned_to.full_name)}"
    forms = _assign_forms(card, alert) if getattr(alert, "viewer_on_team", False) else ""
    return f'    <p class="assignee">{assignee}</p>\n    {forms}{card.acknowledge_form(alert)}'


def full_card(card: _Card, alert: Any) -> str:
    """``_alert.html``: the care team's card, with the title, assignment and note."""
    undeliverable = (
        '<p class="undeliverable"><strong>Undeliverable alert:</strong> nobody could be sent '
        "this alert; Claywork keeps trying.</p>"
        if alert.is_undeliverable
        else ""
    )
    headline = (
        f'  <p><a href="{card.detail_url(alert.pk)}"><strong>{escape(alert.headline)}</strong>'
        f'</a> · <a href="{card.chart_url(alert.patient_id)}">'
        f"{escape(alert.patient.full_name)}</a></p>\n"
    )
    if alert.is_open:
        state = f"{_open_part(card, alert)}  "
    else:
        state = (
            f"{card.acknowledged(alert, with_note=True)}\n"
            f"{card.unsaved('their note stands and yours was not added.')}  "
        )
    return (
        f"{card.meta(alert)}    {_escalation(alert)}\n"
        "  </p>\n"
        f"{headline}"
        f"  {undeliverable}\n"
        f'  <p class="muted">{_deliveries(alert)}</p>\n'
        f"  {state}\n"
        "</li>\n"
    )


def summary_card(card: _Card, alert: Any) -> str:
    """``_alert_summary_card.html``: who and when, never what, for on-call staff and admins."""
    user = card.user
    sent_as = "clinic admin or on-call staff" if user.is_clinic_admin else "on-call staff"
    if alert.is_open:
        assign = (
            f'<p><a href="{card.care_team_url(alert.patient_id)}">Assign a care team'
            f'<span class="visually-hidden"> to {escape(alert.patient.full_name)}</span></a></p>'
            if user.is_clinic_admin and card.in_list
            else ""
        )
        state = f"    {assign}\n    {card.acknowledge_form(alert)}  "
    else:
        state = (
            f"{card.acknowledged(alert, with_note=False)}</p>\n"
            f"{card.unsaved('yours was not added.')}  "
        )
    return (
        f"{card.meta(alert)}  </p>\n"
        f'  <p><a href="{card.detail_url(alert.pk)}"><strong>'
        f"{escape(alert.patient.full_name)}</strong></a> "
        f'<span class="muted">· sent to you as {sent_as}</span></p>\n'
        f"  {state}\n"
        "</li>\n"
    )


@register.simple_tag(takes_context=True)
def alert_card(context: template.Context, alert: Alert) -> SafeString:
    """One care-team card (``_alert.html``)."""
    return mark_safe(full_card(_Card(context), alert))  # noqa: S308 - every value escaped


@register.simple_tag(takes_context=True)
def alert_summary(context: template.Context, alert: Alert) -> SafeString:
    """One metadata card (``_alert_summary_card.html``)."""
    return mark_safe(summary_card(_Card(context), alert))  # noqa: S308 - every value escaped


@register.simple_tag(takes_context=True)
def alert_cards(
    context: template.Context, alerts: Iterable[Alert], *, summary: bool = False
) -> SafeString:
    """A list's cards, the links and CSRF field worked out once for all of them."""
    card = _Card(context)
    draw = summary_card if summary else full_card
    return mark_safe("".join(draw(card, alert) for alert in alerts))  # noqa: S308 - escaped
