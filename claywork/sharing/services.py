"""Sharing and revoking. The patient decides, item by item, who sees what.

A share is read through ``core.policy`` on every request, so revoking one (or removing a person
from the circle) ends access on the next request: nothing is cached or copied out.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.circle.models import CircleMember, MemberStatus
from claywork.journal.models import Entry
from claywork.practice.models import Goal
from claywork.sharing import consents
from claywork.sharing.models import Category, Share


class SharingError(ValueError):
    """The share cannot be made: not the patient's item, or not an audience they have."""


def _audience_allowed(patient: User, person: User | None) -> bool:
    if person is None:
        return True
    return CircleMember.objects.filter(
        patient=patient, person=person, status=MemberStatus.ACCEPTED
    ).exists()


def _share(*, patient: User, care_team: bool, person: User | None, **item: object) -> Share:
    if care_team == (person is not None):
        raise SharingError("Share with exactly one audience: one person, or the care team.")
    if person is not None and person.pk == patient.pk:
        raise SharingError("Your own entries are already yours.")
    if not _audience_allowed(patient, person):
        raise SharingError("Only people who accepted your invitation can be shared with.")
    share = Share(patient=patient, care_team=care_team, person=person, **item)
    lookup = {
        "patient": patient,
        "item_key": share.derive_item_key(),
        "audience_key": share.derive_audience_key(),
        "revoked_at__isnull": True,
    }
    existing = Share.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            share.save()
    except IntegrityError:
        # Two clicks at once: the other one made it.
        return Share.objects.get(**lookup)
    return share


def share_item(
    *,
    patient: User,
    item: Entry | Goal,
    care_team: bool = False,
    person: User | None = None,
) -> Share:
    """Share one journal entry or goal with one person in the circle, or with the care team.

    Idempotent: sharing the same item with the same audience again returns the live share.
    """
    if item.patient_id != patient.pk:
        raise SharingError("Only the writer can share this.")
    if isinstance(item, Entry):
        return _share(patient=patient, care_team=care_team, person=person, entry=item)
    return _share(patient=patient, care_team=care_team, person=person, goal=item)


def share_category(
    *, patient: User, category: Category | str, care_team: bool = False, person: User | None = None
) -> Share:
    """A standing share (session dates, weekly mood summary, goals and wins): a consent, so it
    is also recorded in the consent ledger with the wording's version."""
    category = Category(category)
    with transaction.atomic():
        share = _share(patient=patient, care_team=care_team, person=person, category=category)
        consents.record_given(share)
    return share


def share_revoke(*, patient: User, share: Share) -> None:
    """End a share. Takes effect on the next request; revoking twice changes nothing."""
    if share.patient_id != patient.pk:
        raise SharingError("Only the patient who shared this can revoke it.")
    with transaction.atomic():
        ended = Share.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        share.refresh_from_db(fields=["revoked_at"])
        if ended and share.category:
            consents.record_withdrawn(share)


def shares_revoke_for_person(*, patient: User, person: User) -> int:
    """End every live share with one person (they left the circle). Returns how many."""
    count = 0
    for share in Share.objects.filter(patient=patient, person=person, revoked_at__isnull=True):
        share_revoke(patient=patient, share=share)
        count += 1
    return count
