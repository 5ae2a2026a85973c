"""Erasing a patient's account: crypto-shred, then delete, then empty the account row.

1. The data key is destroyed (``vault.data_key_destroy``): every sealed value of the patient,
   wherever a copy of it lies (a backup, a replica), can no longer be opened.
2. Every browser is signed out (its session leaves the store) and the sign-in limiter forgets
   the address. Every row that belongs to the patient is deleted: each relation to the account whose
   ``on_delete`` is CASCADE, found from the models themselves, so a table added later is
   covered without a change here; SET_NULL relations are set to null.
3. The account row stays, emptied (no name, an address that cannot receive mail, no password,
   inactive), because the audit trail is append-only and names it: the trail keeps that the
   data was read, changed, exported and erased, and by whom, never what it said.

Kept on purpose: the audit trail, the deletion request itself, and the care team's alerts
about the patient (their kind, severity and times; the titles and the notes clinicians wrote
on them were sealed with the patient's key and are cleared), so the clinic's record of safety
events and of the erasure survives.
"""

from __future__ import annotations

import logging

from django.db import models, transaction

from claywork.accounts.models import User
from claywork.accounts.sign_ins import sign_ins_end_all
from claywork.accounts.throttle import account_forget
from claywork.audit.services import audit_record
from claywork.clinics.models import Invitation
from claywork.safety.models import Alert
from claywork.vault.services import data_key_destroy

logger = logging.getLogger(__name__)

ERASED_NAME = "Deleted account"
# Relations to the account that survive the erasure (see the module's docstring).
KEPT = frozenset(
    {
        ("audit.AuditEvent", "actor"),
        ("audit.AuditEvent", "patient"),
        ("audit.AuditSubject", "patient"),
        ("ownership.AccountDeletion", "patient"),
        ("safety.Alert", "patient"),
        ("safety.Alert", "acknowledged_by"),
    }
)


def erased_email(user_id: int) -> str:
    # ".invalid" is reserved (RFC 2606): nothing is ever delivered there.
    return f"erased-{user_id}@erased.invalid"


def _relations_to_user() -> list[tuple[type[models.Model], models.ForeignObjectRel]]:
    found = []
    for field in User._meta.get_fields(include_hidden=True):
        if not isinstance(field, models.ForeignObjectRel):
            continue
        model = field.related_model
        assert isinstance(model, type)  # a model class, never the string "self" here
        if (model._meta.label, field.field.name) not in KEPT:
            found.append((model, field))
    return found


def _delete_belongings(user: User) -> int:
    deleted = 0
    for model, relation in _relations_to_user():
        if isinstance(relation, models.ManyToManyRel):
            through = relation.through._base_manager  # type: ignore[union-attr]
            link = relation.field.m2m_reverse_field_name()
            deleted += through.filter(**{link: user.pk}).delete()[0]
            continue
        rows = model._base_manager.filter(**{relation.field.name: user.pk})
        if relation.on_delete is models.CASCADE:
            deleted += rows.delete()[0]
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{relation.field.name: None})
        elif relation.on_delete is models.PROTECT and rows.exists():
            raise RuntimeError(f"{model._meta.label}.{relation.field.name} protects the account")
    user.groups.clear()
    user.user_permissions.clear()
    return deleted


def patient_erase(*, patient: User) -> int:
    """Erase the patient, in one transaction. Returns how many rows were deleted."""
    with transaction.atomic():
        email = patient.email
        data_key_destroy(owner_id=patient.pk)
        # Alerts' titles and what clinicians wrote on them were sealed with the patient's key:
        # now unreadable, so emptied (``Alert.headline`` then shows the kind).
        Alert.objects.filter(patient=patient).update(note_sealed="", title_sealed="")
        # Signed out everywhere first: the session store and the limiter's counters are not
        # relations of the account, so deleting its belongings would leave them.
        sign_ins_end_all(user=patient)
        account_forget(email)
        deleted = _delete_belongings(patient)
        # Invitations name the person by address: their own, and any to someone's circle.
        deleted += Invitation.objects.filter(email__iexact=email).delete()[0]
        _circle_invitations(email).delete()
        patient.full_name = ERASED_NAME
        patient.email = erased_email(patient.pk)
        patient.set_unusable_password()
        patient.is_active = False
        patient.timezone = "UTC"
        patient.last_login = None
        patient.save()
        audit_record(
            actor=None,
            patient=patient,
            action="delete",
            resource="accounts.account",
            object_id=patient.pk,
            route="ownership.erase",
        )
    logger.info("account %s erased (%s rows)", patient.pk, deleted)
    return deleted


def _circle_invitations(email: str) -> models.QuerySet:
    from claywork.circle.models import CircleMember

    return CircleMember.objects.with_email(email)
