"""The clinic admin's list of patients with their care teams, a page of ``PATIENTS_PER_PAGE``
at a time (a clinic of hundreds listed them all on one page).

Two queries whatever the clinic's size (the page's patients, then their care-team links; a
third, a COUNT, once there is more than one page), and
each row's links reversed once for all rows (``core.links``): per row, a related manager, a
queryset and two ``{% url %}`` reversals took most of the page's time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from claywork.accounts.models import Role, User
from claywork.care.models import CareRole, CareTeamMembership
from claywork.core.links import url_for_each
from claywork.core.paging import ListPage, list_page

CARE_ROLE_LABELS = dict(CareRole.choices)
PATIENTS_PER_PAGE = 50


@dataclass(frozen=True)
class CareTeamMember:
    full_name: str
    care_role: str
    is_active: bool


@dataclass(frozen=True)
class PatientRow:
    pk: int
    full_name: str
    short_name: str
    email: str
    care_team: list[CareTeamMember]
    # An alert reaches a care team only through its active clinicians.
    active_team: int
    care_team_url: str
    contact_url: str


def patient_rows(
    members: QuerySet[User], number: int = 1
) -> tuple[ListPage[User], list[PatientRow]]:
    """Page ``number`` of the patients among ``members`` (the people an admin manages), by
    name, and their rows."""
    patients_page = list_page(
        members.filter(role=Role.PATIENT)
        .order_by("full_name", "pk")
        .only("pk", "full_name", "email"),
        number,
        size=PATIENTS_PER_PAGE,
    )
    patients = patients_page.rows
    teams: dict[int, list[CareTeamMember]] = defaultdict(list)
    active: dict[int, int] = defaultdict(int)
    links = (
        CareTeamMembership.objects.filter(patient_id__in=[patient.pk for patient in patients])
        .order_by("pk")
        .values_list(
            "patient_id",
            "clinician__full_name",
            "clinician__is_active",
            "clinician__role",
            "care_role",
        )
    )
    for patient_id, name, is_active, role, care_role in links:
        teams[patient_id].append(
            CareTeamMember(name, CARE_ROLE_LABELS.get(care_role, care_role), is_active)
        )
        if is_active and role == Role.CLINICIAN:
            active[patient_id] += 1
    care_team_url = url_for_each("clinics:care_team")
    contact_url = url_for_each("clinics:contact")
    return patients_page, [
        PatientRow(
            pk=patient.pk,
            full_name=patient.full_name,
            short_name=patient.get_short_name(),
            email=patient.email,
            care_team=teams[patient.pk],
            active_team=active[patient.pk],
            care_team_url=care_team_url(patient.pk),
            contact_url=contact_url(patient.pk),
        )
        for patient in patients
    ]
