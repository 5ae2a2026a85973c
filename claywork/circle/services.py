"""The support circle: inviting a trusted person, their answer, removal, notes and check-in
requests. Every write is one short transaction."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.circle.models import (
    CheckInAnswer,
    CheckInRequest,
    CircleMember,
    EncouragementNote,
    MemberStatus,
)
from claywork.clinics.models import hash_token
from claywork.core.idempotent import create_once
from claywork.sharing.services import shares_revoke_for_person


class CircleError(ValueError):
    """The circle cannot change this way; the message is for the person who tried."""


def _invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("circle:accept", kwargs={"token": token})


def member_invite(
    *, patient: User, email: str, full_name: str, relationship: str = ""
) -> tuple[CircleMember, str]:
    """Invite a trusted person, or renew the invitation of one already invited (the same row:
    re-sending never makes a second person). Returns the member and the raw token, which is
    e-mailed and never stored (only its hash is)."""
    email = email.strip().lower()
    if email == patient.email.lower():
        raise CircleError("That is your own address. Invite someone you trust.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        member = (
            CircleMember.objects.with_email(email)
            .select_for_update()
            .filter(patient=patient)
            .first()
        )
        if member is not None and member.status == MemberStatus.ACCEPTED:
            raise CircleError("This person is already in your circle.")
        if member is None:
            member = CircleMember(patient=patient)
            member.address_set(email)
        member.full_name = full_name
        member.relationship = relationship
        member.status = MemberStatus.INVITED
        member.token_hash = hash_token(token)
        member.token_expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
        member.invited_at = now
        member.responded_at = None
        member.removed_at = None
        member.save()
        link = _invitation_link(token)
        transaction.on_commit(lambda: _send_invitation(member, link))
    return member, token


def member_resend(*, patient: User, member: CircleMember) -> tuple[CircleMember, str]:
    """A fresh link for someone invited (or who declined, or was removed); the old one stops
    working."""
    return member_invite(
        patient=patient,
        email=member.email,
        full_name=member.full_name,
        relationship=member.relationship,
    )


def _send_invitation(member: CircleMember, link: str) -> None:
    # Who invites, and a link: nothing about their care or health.
    context = {
        "member": member,
        "inviter": member.patient.get_short_name(),
        "link": link,
        "days": settings.INVITATION_VALID_DAYS,
    }
    send_mail(
        subject=f"{context['inviter']} would like you in their support circle",
        message=render_to_string("circle/invitation_email.txt", context),
        from_email=None,
        recipient_list=[member.email],
    )


def invitation_for_token(token: str) -> CircleMember:
    member = (
        CircleMember.objects.select_related("patient").filter(token_hash=hash_token(token)).first()
    )
    if member is None or not member.invitation_is_open:
        raise CircleError(
            "This invitation link has expired or was already used. "
            "Ask the person who invited you to send a new one."
        )
    return member


def _claim(member: CircleMember, status: MemberStatus, person: User | None) -> CircleMember:
    """Use the link once: a conditional UPDATE, so two clicks make one answer."""
    claimed = CircleMember.objects.filter(
        pk=member.pk,
        token_hash=member.token_hash,
        status=MemberStatus.INVITED,
        token_expires_at__gt=timezone.now(),
    ).update(status=status, token_hash=None, responded_at=timezone.now(), person=person)
    if not claimed:
        raise CircleError("This invitation was already answered.")
    member.refresh_from_db()
    return member


@transaction.atomic
def invitation_accept_as(*, token: str, person: User) -> CircleMember:
    """Accept with an account that already exists: the one with the invited address."""
    member = invitation_for_token(token)
    if person.email.lower() != member.email:
        raise CircleError("This invitation is for another e-mail address.")
    if person.pk == member.patient_id:
        raise CircleError("You cannot join your own circle.")
    if (
        CircleMember.objects.filter(patient_id=member.patient_id, person=person)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise CircleError("You are already in this circle.")
    return _claim(member, MemberStatus.ACCEPTED, person)


@transaction.atomic
def invitation_accept_new(
    *, token: str, full_name: str, password: str, timezone_name: str
) -> tuple[CircleMember, User]:
    """Accept by creating a support-person account for the invited address."""
    member = invitation_for_token(token)
    if User.objects.filter(email=member.email).exists():
        raise CircleError("An account with this address exists already. Sign in to accept.")
    person = User.objects.create_user(
        email=member.email,
        password=password,
        full_name=full_name,
        role=Role.SUPPORT,
        clinic=None,
        timezone=timezone_name,
    )
    return _claim(member, MemberStatus.ACCEPTED, person), person


def invitation_decline(*, token: str) -> CircleMember:
    member = invitation_for_token(token)
    return _claim(member, MemberStatus.DECLINED, member.person)


def member_remove(*, patient: User, member: CircleMember) -> None:
    """The patient takes someone out of their circle. Their access ends on the next request;
    their shares are revoked too, so adding them back later shares nothing by surprise."""
    if member.patient_id != patient.pk:
        raise CircleError("Not your circle.")
    with transaction.atomic():
        CircleMember.objects.filter(pk=member.pk).exclude(status=MemberStatus.REMOVED).update(
            status=MemberStatus.REMOVED, removed_at=timezone.now(), token_hash=None
        )
        if member.person_id is not None:
            shares_revoke_for_person(patient=patient, person=member.person)  # type: ignore[arg-type]
    member.refresh_from_db()


def member_leave(*, member: CircleMember) -> None:
    """A support person steps back from a patient's circle. Like a removal, their access ends
    on the next request and the patient's shares with them are revoked."""
    if member.status != MemberStatus.ACCEPTED:
        raise CircleError("Only people in the circle can step back from it.")
    with transaction.atomic():
        CircleMember.objects.filter(pk=member.pk, status=MemberStatus.ACCEPTED).update(
            status=MemberStatus.LEFT, removed_at=timezone.now(), token_hash=None
        )
        shares_revoke_for_person(patient=member.patient, person=member.person)  # type: ignore[arg-type]
    member.refresh_from_db()


def note_send(
    *, member: CircleMember, text: str, submission_id: uuid.UUID
) -> tuple[EncouragementNote, bool]:
    """A short note of encouragement from an accepted member; a double submit sends one."""
    if member.status != MemberStatus.ACCEPTED:
        raise CircleError("Only people in the circle can send notes.")

    def build() -> EncouragementNote:
        note = EncouragementNote(
            patient_id=member.patient_id, member=member, submission_id=submission_id
        )
        note.text = text
        return note

    return create_once(
        EncouragementNote, lookup={"member": member, "submission_id": submission_id}, build=build
    )


def check_in_request_send(
    *, patient: User, member: CircleMember, message: str, submission_id: uuid.UUID
) -> tuple[CheckInRequest, bool]:
    """The patient asks one member to check in ("could you call me this week?")."""
    if member.patient_id != patient.pk or member.status != MemberStatus.ACCEPTED:
        raise CircleError("You can ask only people who accepted your invitation.")

    def build() -> CheckInRequest:
        request = CheckInRequest(patient=patient, member=member, submission_id=submission_id)
        request.message = message
        return request

    return create_once(
        CheckInRequest,
        lookup={"patient": patient, "submission_id": submission_id},
        build=build,
    )


def check_in_request_answer(
    *, check_in_request: CheckInRequest, answer: CheckInAnswer | str, reply: str = ""
) -> bool:
    """The member answers once: yes, or not this week, with an optional short reply. Returns
    False when it had been answered already (the first answer stands)."""
    answer = CheckInAnswer(answer)
    holder = CheckInRequest(patient_id=check_in_request.patient_id)
    holder.reply = reply
    answered = CheckInRequest.objects.filter(
        pk=check_in_request.pk, answered_at__isnull=True
    ).update(answer=answer, reply_sealed=holder.reply_sealed, answered_at=timezone.now())
    check_in_request.refresh_from_db()
    return bool(answered)
