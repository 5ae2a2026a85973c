"""Fixed personas, built once per test, and shared helpers.

The personas are the roles of the permission matrix: the patient, another patient of the same
clinic, a clinician on the patient's care team, a clinician of the same clinic who is not,
a clinician of another clinic, the clinic admin, and a support person.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from claywork.accounts.models import User
from claywork.care.models import GuideNote, Session, TreatmentCourse
from claywork.core import page_cache, signed_in
from claywork.journal.models import Draft, Entry
from claywork.vault.services import forget_cached_keys
from tests import factories
from tests.audit_support import flush_lifts_audit_guard


@dataclass
class Personas:
    patient: User
    other_patient: User
    care_clinician: User
    outside_clinician: User
    other_clinic_clinician: User
    clinic_admin: User
    support_person: User
    course: TreatmentCourse
    scheduled: Session
    in_progress: Session
    completed: Session
    entry: Entry
    guide_note: GuideNote
    draft: Draft
    other_patient_entry: Entry

    def role(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture(autouse=True, scope="session")
def _audit_guard_lifted_for_flush() -> Iterator[None]:
    # Transactional tests end with a flush; the audit table refuses DELETE and TRUNCATE.
    with flush_lifts_audit_guard():
        yield


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> None:
    # Each test gets a new database; an unwrapped key cached from an earlier test must not leak.
    forget_cached_keys()


@pytest.fixture(autouse=True)
def _fresh_process_cache() -> None:
    # The sign-in limiter counts failures per address in the cache, and in tests every request
    # comes from 127.0.0.1: without this, the suite's deliberate failed sign-ins add up until a
    # later test's sign-in is refused (429). The in-process cache only: a test of a shared
    # cache (database, Redis) sets up and clears its own.
    for name in settings.CACHES:
        if isinstance(caches[name], LocMemCache):
            caches[name].clear()
    # The rendered patient pages each process keeps (core/page_cache.py): a page of an earlier
    # test's database must not be served in this one.
    page_cache.clear()
    # The signed-in accounts each process keeps (core/signed_in.py): ids repeat across tests.
    signed_in.forget_all()


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()


def build_personas() -> Personas:
    """The personas and their care record; for fixtures of a wider scope than one test."""
    clinic = factories.ClinicFactory()
    other_clinic = factories.ClinicFactory()
    patient = factories.PatientFactory(clinic=clinic, full_name="Pat Patient")
    other_patient = factories.PatientFactory(clinic=clinic, full_name="Olive Other")
    care_clinician = factories.ClinicianFactory(clinic=clinic, full_name="Cara Clinician")
    outside_clinician = factories.ClinicianFactory(clinic=clinic, full_name="Otto Outside")
    other_clinic_clinician = factories.ClinicianFactory(
        clinic=other_clinic, full_name="Xavi Elsewhere"
    )
    clinic_admin = factories.ClinicAdminFactory(clinic=clinic, full_name="Ada Admin")
    support_person = factories.SupportPersonFactory(full_name="Sue Support")
    factories.add_to_care_team(patient, care_clinician)
    factories.add_to_care_team(other_patient, outside_clinician)
    # The support person accepted the patient's invitation to their support circle.
    factories.add_to_circle(patient, support_person)
    course = factories.make_course(patient, care_clinician)
    scheduled = factories.make_session(course)
    in_progress = factories.make_session(course, status="in_progress")
    completed = factories.make_session(course, status="completed")
    from claywork.care import services as care

    care.intention_save(session=scheduled, text="To meet fear with curiosity.")
    import uuid

    guide_note = care.guide_note_add(
        session=completed,
        author=care_clinician,
        text="Said: held by the ocean.",
        submission_id=uuid.uuid4(),
    )
    entry = factories.make_entry(patient, session=completed, tags=["ocean"])
    other_patient_entry = factories.make_entry(other_patient, body="Olive's private words.")
    from claywork.journal import services as journal

    draft = journal.draft_save(
        patient=patient, draft_key=f"edit-{entry.pk}", fields={"body": "half a thought"}
    )
    return Personas(
        patient=patient,
        other_patient=other_patient,
        care_clinician=care_clinician,
        outside_clinician=outside_clinician,
        other_clinic_clinician=other_clinic_clinician,
        clinic_admin=clinic_admin,
        support_person=support_person,
        course=course,
        scheduled=scheduled,
        in_progress=in_progress,
        completed=completed,
        entry=entry,
        guide_note=guide_note,
        draft=draft,
        other_patient_entry=other_patient_entry,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def readable_text(page: str) -> str:
    """The words a reader sees on an HTML page: no tags, attributes, scripts or styles. A check
    for a word (say "dose") on the raw HTML can trip on a random token (a CSRF token, a nonce)
    that happens to spell it."""
    without_code = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", without_code)))
