"""Consents: the enrolment terms, screening of private writing, scores to the care team, and
each standing share. Every choice is a ``ConsentRecord`` row (an append-only ledger); the
current state is the latest row per user, topic and subject.

The enrolment terms' words are ``templates/clinics/_consent_terms.html``. Changing them makes
a new version: copy the old words to ``templates/clinics/consent/enrolment_v<old>.html`` (what
earlier patients agreed to), increase ``CONSENT_VERSION`` and record the new text's SHA-256 in
``CONSENT_TEXT_SHA256``; ``tests/test_enrolment_consent.py`` fails until both are done. The
other topics' words are ``templates/clinics/consent/<topic>_v<version>.html``; changing them
means a new file and a new version in ``TOPICS``.

Contract for other apps (the sharing app records standing shares with it)::

    consent_give(user=..., topic=..., version=..., subject="") -> ConsentRecord
    consent_withdraw(user=..., topic=..., subject="") -> ConsentRecord | None
    consent_is_given(user, topic, subject="") -> bool

A standing share uses a topic starting with ``share`` (e.g. ``SHARE``) and a subject naming
the share, e.g. ``"mood_summary:care_team"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery

from claywork.accounts.models import User
from claywork.clinics.models import ConsentRecord

CONSENT_VERSION = "2"
CONSENT_TEXT_SHA256 = "090cefb053d6739feafd04c8d1ab8b2d32a24d0575e7662c94975a2a4c1ead6e"
CONSENT_TEMPLATE = "clinics/_consent_terms.html"

ENROLMENT = "enrolment"
SCREENING = "screening"
SCORES = "scores"
SHARE = "share"


@dataclass(frozen=True)
class Topic:
    code: str
    title: str
    version: str  # the version of the words shown today
    # When a patient has no record yet: screening and scores are part of care, agreed to in
    # the enrolment terms (version 1 already said so), so they count as given.
    default: bool
    # Whether a patient can withdraw from "My consents" (scores also need the clinic's leave).
    withdrawable: bool

    def template(self, version: str) -> str:
        """The words of ``version`` (the current words when empty)."""
        if self.code == ENROLMENT:
            # Earlier versions' words are kept beside the others: what each patient agreed to.
            if version and version != CONSENT_VERSION:
                return f"clinics/consent/enrolment_v{version}.html"
            return CONSENT_TEMPLATE
        if self.code == SHARE:
            return "clinics/consent/share_v1.html"
        return f"clinics/consent/{self.code}_v{version or self.version}.html"


TOPICS: dict[str, Topic] = {
    ENROLMENT: Topic(ENROLMENT, "Enrolment terms", CONSENT_VERSION, False, False),
    SCREENING: Topic(
        SCREENING, "Safety screening of what you write", "1", default=True, withdrawable=True
    ),
    SCORES: Topic(SCORES, "Your scores go to your care team", "1", default=True, withdrawable=True),
}
# A standing share: withdrawn by stopping the share on the sharing page (``sharing.services``).
SHARE_TOPIC = Topic(SHARE, "A standing share", "1", default=False, withdrawable=False)


def topic_for(code: str) -> Topic:
    if code in TOPICS:
        return TOPICS[code]
    return SHARE_TOPIC


class ConsentNotWithdrawable(ValueError):
    """This consent cannot be withdrawn here; the message says why, for the patient."""


def _latest(user: User, topic: str, subject: str = "") -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(user=user, topic=topic, subject=subject)
        .order_by("-recorded_at", "-id")
        .first()
    )


def _default(topic: str) -> bool:
    known = TOPICS.get(topic)
    return known.default if known else False


def consent_is_given(user: User, topic: str, subject: str = "") -> bool:
    latest = _latest(user, topic, subject)
    return latest.given if latest is not None else _default(topic)


def _latest_given(user_id: int, topic: str, subject: str = "") -> bool:
    latest = (
        ConsentRecord.objects.filter(user_id=user_id, topic=topic, subject=subject)
        .order_by("-recorded_at", "-id")
        .values_list("given", flat=True)
        .first()
    )
    return latest if latest is not None else _default(topic)


def scores_shared_with_care_team(patient_id: int) -> bool:
    """Whether the patient's check-in and scale scores go to their care team (the default)."""
    return _latest_given(patient_id, SCORES)


def screening_consented(patient_id: int) -> bool:
    """Whether what the patient writes is screened for crisis language (the default)."""
    return _latest_given(patient_id, SCREENING)


def may_withdraw_scores(user: User) -> bool:
    """A patient may stop sending scores to the care team only where the clinic allows it."""
    clinic = user.clinic
    return bool(clinic is not None and clinic.patients_may_withdraw_scores)


@transaction.atomic
def consent_give(*, user: User, topic: str, version: str, subject: str = "") -> ConsentRecord:
    """Record that the user agrees (again) to ``topic`` in the words of ``version``. Giving
    a consent that stands in the same words already returns the standing row (a double
    submit records one row)."""
    latest = _latest(user, topic, subject)
    if latest is not None and latest.given and latest.version == version:
        return latest
    return ConsentRecord.objects.create(
        user=user, topic=topic, subject=subject, version=version, given=True
    )


@transaction.atomic
def consent_withdraw(*, user: User, topic: str, subject: str = "") -> ConsentRecord | None:
    """Record that the user withdraws ``topic``. Returns None when nothing stood to withdraw.
    Raises ``ConsentNotWithdrawable`` for the enrolment terms, and for scores where the
    clinic does not allow it."""
    if topic == ENROLMENT:
        raise ConsentNotWithdrawable(
            "The enrolment terms stay while you use Claywork. To leave, please ask your clinic."
        )
    if topic == SCORES and not may_withdraw_scores(user):
        raise ConsentNotWithdrawable(
            "Your clinic keeps check-in and questionnaire scores as part of your care, so "
            "this cannot be switched off here. You can talk it through with your care team."
        )
    latest = _latest(user, topic, subject)
    if not (latest.given if latest is not None else _default(topic)):
        return None
    version = latest.version if latest is not None else TOPICS[topic].version
    return ConsentRecord.objects.create(
        user=user, topic=topic, subject=subject, version=version, given=False
    )


def without_withdrawn(users: QuerySet[User], topic: str, subject: str = "") -> QuerySet[User]:
    """``users`` less those whose latest record withdraws ``topic``."""
    latest = ConsentRecord.objects.filter(
        user_id=OuterRef("pk"), topic=topic, subject=subject
    ).order_by("-recorded_at", "-id")
    return users.annotate(_consent_latest=Subquery(latest.values("given")[:1])).filter(
        Q(_consent_latest__isnull=True) | Q(_consent_latest=True)
    )


@dataclass(frozen=True)
class ConsentStanding:
    """One consent on the patient's "My consents" page."""

    topic: Topic
    subject: str
    given: bool
    latest: ConsentRecord | None  # None: never recorded, the default stands
    history: list[ConsentRecord]  # newest first
    can_withdraw: bool
    can_give: bool

    @property
    def words_template(self) -> str:
        return self.topic.template(self.latest.version if self.latest else "")

    @property
    def key(self) -> str:
        return f"{self.topic.code}-{self.subject}".replace(":", "-")


def consents_of(user: User) -> list[ConsentStanding]:
    """Each consent of the patient: the enrolment terms, screening and scores always, then
    any standing shares. One query."""
    history: dict[tuple[str, str], list[ConsentRecord]] = {}
    for record in ConsentRecord.objects.filter(user=user).order_by("-recorded_at", "-id"):
        history.setdefault((record.topic, record.subject), []).append(record)
    keys = [(code, "") for code in TOPICS] + sorted(k for k in history if k[0] not in TOPICS)
    standings = []
    for code, subject in keys:
        rows = history.get((code, subject), [])
        topic = topic_for(code)
        given = rows[0].given if rows else topic.default
        withdrawable = topic.withdrawable and (code != SCORES or may_withdraw_scores(user))
        standings.append(
            ConsentStanding(
                topic=topic,
                subject=subject,
                given=given,
                latest=rows[0] if rows else None,
                history=rows,
                can_withdraw=given and withdrawable,
                can_give=not given and topic.withdrawable,
            )
        )
    return standings
