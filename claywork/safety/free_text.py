"""Crisis language in what patients write: the hooks the journal, check-in, intention and
message services call when they save.

The detector (``screening.screen_text``) runs before the save's transaction, so the write lock
is never held while it works; a flagged save then raises a high-priority alert inside that
transaction (level ``crisis``), or a low-priority review item (level ``concern``: hopelessness
or warning signs without ideation; the patient is offered support and their safety plan). The
text is saved either way. The alert says where and when, never what: its
title is fixed per kind of text, and neither the detector's reason nor the matched words are
stored or logged anywhere.

Screening of private writing is part of the consent a patient gives at enrolment; a patient
may withdraw it from "My consents" (``clinics.consent.SCREENING``), and from then on their
writing is not passed to the detector at all. Answers to the safety questions of scales are
not free text and still alert the care team (``measures.services``): safety first.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from django.db import models

from claywork.accounts.models import User
from claywork.clinics import consent
from claywork.safety import routing
from claywork.safety.models import Alert, AlertKind, Severity
from claywork.safety.screening import CONCERN, CRISIS, screen_text
from claywork.safety.services import alert_raise

logger = logging.getLogger(__name__)


class WrittenText(models.TextChoices):
    JOURNAL_ENTRY = "journal-entry", "Crisis language in a private journal entry"
    CHECK_IN_NOTE = "check-in-note", "Crisis language in a check-in note"
    INTENTION = "intention", "Crisis language in an intention"
    MESSAGE = "message", "Crisis language in a message to the care team"


# A concern is a review item, not an emergency: its own words, low priority.
_CONCERN_TITLES = {
    WrittenText.JOURNAL_ENTRY: "Warning signs to review in a private journal entry",
    WrittenText.CHECK_IN_NOTE: "Warning signs to review in a check-in note",
    WrittenText.INTENTION: "Warning signs to review in an intention",
    WrittenText.MESSAGE: "Warning signs to review in a message to the care team",
}


_GENTLY = (
    "Some of what you wrote sounds very painful, so we have let {told} know you may "
    "need support{privately}. If you might act on thoughts of harming yourself, or you do not "
    "feel safe right now, please use one of the options below."
)
# Only what is true: when no one at the clinic can be reached, the patient is not told otherwise.
_NOBODY = (
    "Some of what you wrote sounds very painful. We could not pass this on to anyone at your "
    "clinic just now; we will keep trying. If you might act on thoughts of harming yourself, "
    "or you do not feel safe right now, please use one of the options below or call your clinic."
)
# Level concern: support and the safety plan, without alarm; the care team reviews it.
_CONCERN = (
    "It sounds like things feel heavy right now. We have let {told} know, so they can check "
    "in with you{privately}. Your safety plan and some support options are below; if you "
    "might act on thoughts of harming yourself, please use one of them now."
)
_PRIVATELY = ": they are told that and when you wrote, never what you wrote"

_SAVED = {
    WrittenText.JOURNAL_ENTRY: ("Your entry is saved. ", _PRIVATELY),
    WrittenText.CHECK_IN_NOTE: ("Your check-in is saved. ", ": they are not shown your note"),
    WrittenText.INTENTION: ("Your intentions are saved. ", ""),
    # The care team reads the message itself; nothing here is kept from them.
    WrittenText.MESSAGE: ("Your message is sent. ", ""),
}


def patient_message(source: WrittenText, patient: User, level: str = CRISIS) -> str:
    """What the patient reads after a save raised an alert: who was told, truly."""
    saved, privately = _SAVED[source]
    told = routing.who_is_told(patient)
    if told is None:
        return saved + _NOBODY
    message = _CONCERN if level == CONCERN else _GENTLY
    return saved + message.format(told=told, privately=privately)


class Versioned(Protocol):
    """A saved row whose text is screened: each save is a new version."""

    @property
    def pk(self) -> int: ...

    @property
    def updated_at(self) -> datetime: ...


def screening_level(text: str, *, patient_id: int) -> str:
    """The detector's level for what this patient wrote: ``crisis``, ``concern`` or "" (nothing
    to act on, or not screened because the patient withdrew their consent). If the detector
    itself fails, the text is still saved: the failure is logged (without the text) for the
    operators, and the save goes on."""
    if not text.strip():
        return ""
    if not consent.screening_consented(patient_id):
        return ""
    try:
        result = screen_text(text)
    except Exception as error:
        logger.error(
            "crisis language screening failed (%s); saved unscreened", type(error).__name__
        )
        return ""
    return result.level if result.level in (CRISIS, CONCERN) else ""


def is_crisis_language(text: str, *, patient_id: int) -> bool:
    """Whether what this patient wrote calls for an alert or a review item (either level)."""
    return bool(screening_level(text, patient_id=patient_id))


def _dedupe_key(source: WrittenText, saved: Versioned) -> str:
    version = saved.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"crisis:{source.value}:{saved.pk}:{version}"


def crisis_language_alert(
    *, patient: User, source: WrittenText, saved: Versioned, level: str = CRISIS
) -> Alert:
    """Raise the alert for one saved version of a text; call inside the save's transaction.
    Level ``concern`` is a low-priority review item for the care team, never silent."""
    concern = level == CONCERN
    alert, _ = alert_raise(
        patient=patient,
        kind=AlertKind.CRISIS_LANGUAGE,
        severity=Severity.LOW if concern else Severity.HIGH,
        title=_CONCERN_TITLES[source] if concern else source.label,
        dedupe_key=_dedupe_key(source, saved),
    )
    return alert


def crisis_language_raised(*, source: WrittenText, saved: Versioned) -> str:
    """The level of the alert saving this version raised ("" if none): the view then shows
    the crisis page, with the message for that level."""
    severity = (
        Alert.objects.filter(dedupe_key=_dedupe_key(source, saved))
        .values_list("severity", flat=True)
        .first()
    )
    if severity is None:
        return ""
    return CONCERN if severity == Severity.LOW else CRISIS
