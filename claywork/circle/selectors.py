"""Reads of the support circle, shaped for its pages."""

from __future__ import annotations

from django.db.models import F

from claywork.accounts.models import User
from claywork.circle.models import CheckInRequest, CircleMember, EncouragementNote, MemberStatus

RECENT = 20


def members_of(patient: User) -> list[CircleMember]:
    """Everyone the patient invited, by status, then name (names are sealed: sorted here)."""
    members = CircleMember.objects.filter(patient=patient)
    return sorted(
        members, key=lambda member: (member.status, member.full_name.casefold(), member.pk)
    )


def notes_for(patient: User, *, limit: int = RECENT) -> list[EncouragementNote]:
    """Notes the patient received, newest first (from people still in the circle or not: the
    note was given to the patient, and stays theirs)."""
    return list(
        EncouragementNote.objects.filter(patient=patient)
        .select_related("member")
        .order_by("-created_at", "-pk")[:limit]
    )


def requests_of(patient: User, *, limit: int = RECENT) -> list[CheckInRequest]:
    return list(
        CheckInRequest.objects.filter(patient=patient)
        .select_related("member")
        .order_by("-asked_at", "-pk")[:limit]
    )


def requests_to(member: CircleMember, *, limit: int = RECENT) -> list[CheckInRequest]:
    """The requests a member received from this patient, open ones first."""
    return list(
        CheckInRequest.objects.filter(member=member).order_by(
            F("answered_at").asc(nulls_first=True), "-asked_at", "-pk"
        )[:limit]
    )


def open_requests_to(person: User) -> int:
    return CheckInRequest.objects.filter(
        member__person=person, member__status=MemberStatus.ACCEPTED, answered_at__isnull=True
    ).count()


def notes_sent(member: CircleMember, *, limit: int = 5) -> list[EncouragementNote]:
    return list(member.notes.order_by("-created_at", "-pk")[:limit])
