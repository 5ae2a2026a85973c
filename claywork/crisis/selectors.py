"""Reads for the crisis page and the safety plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from claywork.accounts.models import Role, User
from claywork.care.models import CareTeamMembership
from claywork.clinics.models import Clinic
from claywork.core.policy import AnyUser
from claywork.crisis.models import CrisisResource, SafetyPlanVersion, dial_string
from claywork.vault.crypto import VaultError


def default_resources() -> QuerySet[CrisisResource]:
    return CrisisResource.objects.filter(clinic__isnull=True, is_active=True)


def resources_for(clinic: Clinic | None) -> list[CrisisResource]:
    """The clinic's own active list if it has one, else the deployment's defaults.

    A clinic that hides every row of its own falls back to the defaults: the crisis page never
    goes empty because of an admin's edit.
    """
    if clinic is not None:
        own = list(CrisisResource.objects.filter(clinic=clinic, is_active=True))
        if own:
            return own
    return list(default_resources())


def resources_to_edit(clinic: Clinic) -> tuple[list[CrisisResource], bool]:
    """(rows, whether they are the clinic's own): its own list, hidden rows too, or else the
    defaults for the admin to start from."""
    own = list(CrisisResource.objects.filter(clinic=clinic))
    return (own, True) if own else (list(default_resources()), False)


def latest_plan(*, patient_id: int) -> SafetyPlanVersion | None:
    return SafetyPlanVersion.objects.filter(patient_id=patient_id).order_by("-number").first()


def plan_history(*, patient_id: int) -> QuerySet[SafetyPlanVersion]:
    """Every version, newest first, without opening any sealed text."""
    return (
        SafetyPlanVersion.objects.filter(patient_id=patient_id)
        .order_by("-number")
        .only("pk", "patient_id", "number", "written_by_id", "written_by_name", "written_at")
    )


def care_team_of(*, patient_id: int) -> list[CareTeamMembership]:
    return list(
        CareTeamMembership.objects.filter(patient_id=patient_id, clinician__is_active=True)
        .select_related("clinician")
        .order_by("clinician__full_name")
    )


@dataclass
class HelpPage:
    """What the crisis page shows a visitor: public resources, and for a signed-in patient,
    their own plan and care team."""

    resources: list[CrisisResource]
    # Whether the browser may keep this page for offline use (see docs/offline.md).
    offline_copy: bool = True
    clinic: Clinic | None = None
    patient: User | None = None
    plan: SafetyPlanVersion | None = None
    plan_unavailable: bool = False
    care_team: list[CareTeamMembership] = field(default_factory=list)

    @property
    def clinic_tel_href(self) -> str:
        return f"tel:{dial_string(self.clinic.phone)}" if self.clinic and self.clinic.phone else ""


def keeps_offline_copy(user: AnyUser) -> bool:
    """Anonymous visitors, patients and support people keep the crisis page offline.

    Clinicians and clinic admins do not: the page holds nothing of theirs to need offline, and
    staff devices should hold as little as possible.
    """
    return not (
        user.is_authenticated and getattr(user, "role", None) in (Role.CLINICIAN, Role.CLINIC_ADMIN)
    )


def help_page(user: AnyUser) -> HelpPage:
    if not (user.is_authenticated and user.is_active):
        return HelpPage(resources=resources_for(None))
    assert isinstance(user, User)
    clinic = user.clinic
    page = HelpPage(
        resources=resources_for(clinic), offline_copy=keeps_offline_copy(user), clinic=clinic
    )
    if user.role == Role.PATIENT:
        page.patient = user
        page.care_team = care_team_of(patient_id=user.pk)
        page.plan = latest_plan(patient_id=user.pk)
        if page.plan is not None:
            try:
                page.plan.content()  # opens the sealed text now, not halfway through the page
            except VaultError:
                # The crisis page must render whatever happens to the plan's key.
                page.plan, page.plan_unavailable = None, True
    return page
