"""Writes for crisis resources and safety plans. Each is one short transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from claywork.accounts.models import User
from claywork.clinics.models import Clinic
from claywork.core import policy
from claywork.crisis.models import PLAN_FIELDS, CrisisResource, SafetyPlanVersion

# --- Crisis resources -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceContent:
    name: str
    phone: str = ""
    text_number: str = ""
    text_keyword: str = ""
    url: str = ""
    hours: str = ""
    note: str = ""
    is_active: bool = True


@transaction.atomic
def crisis_resources_replace(
    *, clinic: Clinic | None, resources: Sequence[ResourceContent]
) -> list[CrisisResource]:
    """Make ``resources``, in this order, the clinic's whole list (``clinic=None``: the
    deployment's default list, from ``claywork crisis-defaults``).

    An empty list removes the clinic's own list, and the crisis page shows the defaults again.
    """
    if clinic is None and not [content for content in resources if content.is_active]:
        raise ValueError("The default list needs at least one active service.")
    CrisisResource.objects.filter(clinic=clinic).delete()
    return CrisisResource.objects.bulk_create(
        CrisisResource(
            clinic=clinic,
            position=position,
            name=content.name,
            note=content.note,
            phone=content.phone,
            text_number=content.text_number,
            text_keyword=content.text_keyword if content.text_number else "",
            url=content.url,
            hours=content.hours,
            is_active=content.is_active,
        )
        for position, content in enumerate(resources, start=1)
    )


def clinic_contact_save(*, clinic: Clinic, phone: str, email: str, contact_hours: str) -> Clinic:
    """How patients reach their clinic, shown on the crisis page beside their care team."""
    clinic.phone = phone
    clinic.email = email
    clinic.contact_hours = contact_hours
    clinic.save(update_fields=["phone", "email", "contact_hours"])
    return clinic


# --- Safety plan ----------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def safety_plan_save(
    *,
    patient: User,
    author: User,
    content: Mapping[str, str],
    submission_id: uuid.UUID,
) -> tuple[SafetyPlanVersion, bool]:
    """Save the plan as its next version; returns (version, created).

    The same submission twice returns the version it made. A plan identical to the latest
    version adds nothing. The author must be the patient or on their care team.
    """
    if not policy.may_keep_safety_plan(author, patient.pk):
        raise PermissionError("only the patient and their care team write a safety plan")
    unknown = set(content) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not a safety plan step: {sorted(unknown)}")
    texts = {name: _normalise(content.get(name, "")) for name in PLAN_FIELDS}
    for _attempt in range(3):
        existing = SafetyPlanVersion.objects.filter(
            patient=patient, submission_id=submission_id
        ).first()
        if existing is not None:
            return existing, False
        latest = SafetyPlanVersion.objects.filter(patient=patient).order_by("-number").first()
        if latest is not None and latest.content() == texts:
            return latest, False
        version = SafetyPlanVersion(
            patient=patient,
            number=(latest.number if latest else 0) + 1,
            written_by=author,
            written_by_name=author.full_name or author.email,
            submission_id=submission_id,
        )
        for name, text in texts.items():
            setattr(version, name, text)
        try:
            with transaction.atomic():
                version.save()
        except IntegrityError:
            # Another save took this number (or this submission) first: look again.
            continue
        return version, True
    raise RuntimeError("could not save the safety plan: too many saves at once")
