"""Writes to a person's own details: the patient's phone and emergency contact."""

from __future__ import annotations

from claywork.accounts.models import PatientContact, Role, User
from claywork.accounts.phones import to_e164


def patient_contact_save(
    *,
    patient: User,
    by: User,
    phone: str,
    emergency_name: str,
    emergency_relationship: str,
    emergency_phone: str,
) -> PatientContact:
    """Save the patient's contact details (sealed). Numbers are stored in E.164; an invalid
    one raises ``phones.InvalidPhoneNumber`` and nothing is saved. The caller has checked that
    ``by`` is the patient or their clinic's admin."""
    if patient.role != Role.PATIENT:
        raise ValueError("contact details are kept for patients")
    numbers = [to_e164(number) if number.strip() else "" for number in (phone, emergency_phone)]
    contact = PatientContact.objects.filter(patient=patient).first() or PatientContact(
        patient=patient
    )
    contact.phone, contact.emergency_phone = numbers
    contact.emergency_name = emergency_name.strip()
    contact.emergency_relationship = emergency_relationship.strip()
    contact.updated_by = by
    contact.save()
    return contact


def contact_of(patient_id: int) -> PatientContact | None:
    return PatientContact.objects.filter(patient_id=patient_id).first()
