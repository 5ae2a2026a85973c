"""The patient's "My consents" page: each consent, its version and date, the words agreed to,
and one-click withdraw or give again (each recorded in the consent ledger)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from claywork.accounts.models import User
from claywork.clinics import consent
from claywork.core import policy
from claywork.core.http import AuthedRequest

# Consents a patient changes here; standing shares are changed on the sharing page.
CHANGEABLE = (consent.SCREENING, consent.SCORES)

WITHDRAWN_MESSAGES = {
    consent.SCREENING: (
        "Screening is off. What you write is no longer checked for signs of crisis. Answers "
        "to the safety questions in questionnaires still reach your care team."
    ),
    consent.SCORES: "Your care team no longer sees your check-in numbers and questionnaire scores.",
}
GIVEN_MESSAGES = {
    consent.SCREENING: "Screening is on again for what you write from now on.",
    consent.SCORES: "Your care team can see your check-in numbers and questionnaire scores again.",
}


def _patient(request: AuthedRequest) -> User:
    if not policy.may_manage_own_consents(request.user):
        raise Http404
    return request.user


def _changeable_topic(topic: str) -> str:
    if topic not in CHANGEABLE:
        raise Http404
    return topic


def _share_labels(standings: list[consent.ConsentStanding]) -> dict[str, str]:
    """A readable name for each standing share's subject, e.g. ``weekly_mood:care_team`` is
    "Weekly mood summary, with your care team" (subjects: ``sharing.consents.subject_for``)."""
    from claywork.sharing.models import Category

    subjects = [s.subject for s in standings if s.topic.code == consent.SHARE and s.subject]
    person_ids = {
        int(part) for subject in subjects for part in subject.split(":")[2:3] if part.isdigit()
    }
    names = dict(User.objects.filter(pk__in=person_ids).values_list("pk", "full_name"))
    labels = {}
    for subject in subjects:
        category, _, audience = subject.partition(":")
        what = Category(category).label if category in Category.values else category
        if audience == "care_team":
            whom = "your care team"
        else:
            person_id = audience.removeprefix("person:")
            whom = names.get(int(person_id), "someone") if person_id.isdigit() else "someone"
        labels[subject] = f"{what}, with {whom}"
    return labels


@login_required
@require_safe
def my_consents(request: AuthedRequest) -> HttpResponse:
    patient = _patient(request)
    standings = consent.consents_of(patient)
    return render(
        request,
        "clinics/consents.html",
        {
            "standings": standings,
            "share_labels": _share_labels(standings),
            "scores_withdrawable": consent.may_withdraw_scores(patient),
        },
    )


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest, topic: str) -> HttpResponse:
    patient = _patient(request)
    topic = _changeable_topic(topic)
    try:
        consent.consent_withdraw(user=patient, topic=topic)
    except consent.ConsentNotWithdrawable as refusal:
        messages.error(request, str(refusal))
        return redirect("clinics:consents")
    messages.success(request, WITHDRAWN_MESSAGES[topic])
    return redirect("clinics:consents")


@login_required
@require_POST
def consent_give(request: AuthedRequest, topic: str) -> HttpResponse:
    patient = _patient(request)
    topic = _changeable_topic(topic)
    consent.consent_give(user=patient, topic=topic, version=consent.TOPICS[topic].version)
    messages.success(request, GIVEN_MESSAGES[topic])
    return redirect("clinics:consents")
