"""Staff, support and the remaining patient pages kept rendered in memory (core/page_cache.py,
decision 0017): never stale after a write by anyone, by any path; every view still audited."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from claywork.accounts.models import User
from claywork.audit.models import AuditEvent
from claywork.clinics.models import Clinic
from claywork.core import page_cache
from claywork.measures.models import CheckIn
from claywork.safety.models import Alert
from claywork.safety.services import alert_raise
from tests import factories
from tests.conftest import Personas
from tests.page_cache_support import (
    body,
    signed_in,
    uncached,
)


def _second_circle(personas: Personas) -> None:
    """A support person in two circles sees the list (with one, the feed)."""
    factories.add_to_circle(personas.other_patient, personas.support_person)


# (persona, url); "{patient}" is the care-team patient's id.
PAGES: dict[str, tuple[str, str]] = {
    "patient messages": ("patient", "/messages/"),
    "patient themes": ("patient", "/themes/"),
    "patient reminders": ("patient", "/notifications/"),
    "patient circle": ("patient", "/circle/"),
    "patient more": ("patient", "/more/"),
    "caseload": ("care_clinician", "/"),
    "clinician alerts": ("care_clinician", "/alerts/"),
    "clinician messages": ("care_clinician", "/messages/"),
    "clinician patient page": ("care_clinician", "/patients/{patient}/"),
    "clinician patient progress": ("care_clinician", "/patients/{patient}/progress/"),
    "admin people": ("clinic_admin", "/clinic/people/"),
    "admin alerts": ("clinic_admin", "/alerts/"),
    "admin settings": ("clinic_admin", "/clinic/settings/"),
    "support home": ("support_person", "/"),
    "support supporting": ("support_person", "/supporting/"),
    "support feed": ("support_person", "/supporting/{patient}/"),
    "support guide": ("support_person", "/supporting/guide/"),
}


def _page(personas: Personas, name: str) -> tuple[Client, str]:
    role, url = PAGES[name]
    if name == "support supporting":
        _second_circle(personas)
    return signed_in(getattr(personas, role)), url.format(patient=personas.patient.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_a_second_view_is_sent_from_memory_and_is_the_same_page(
    personas: Personas, name: str
) -> None:
    client, url = _page(personas, name)
    rendered = client.get(url)
    again = client.get(url)

    assert rendered.templates  # the view ran and rendered its templates
    assert not again.templates  # the page was sent from memory
    assert body(again) == body(rendered) == uncached(client, url)


# --- Writes by someone else, by every path ----------------------------------------------------


def _patient_today(patient: User) -> Any:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.localdate(timezone=ZoneInfo(patient.timezone))


def _alert(personas: Personas, patient: User | None = None) -> None:
    alert_raise(
        patient=patient or personas.patient,
        kind="self_harm_answer",
        severity="high",
        title="PHQ-9 item 9 answered above zero",
        dedupe_key=f"test:{uuid.uuid4()}",
    )


def _alert_for_nobodys_patient(personas: Personas) -> None:
    """A patient with no care team: the clinic admin is sent the alert."""
    loner = factories.PatientFactory(clinic=personas.patient.clinic, full_name="Lone Lindqvist")
    _alert(personas, loner)


def _message(personas: Personas, author: User) -> None:
    from claywork.messaging import services as messaging

    messaging.thread_start(
        patient=personas.patient,
        author=author,
        subject="A question about Thursday",
        body="Can we move it?",
        submission_id=uuid.uuid4(),
    )


def _message_from_patient(personas: Personas) -> None:
    _message(personas, personas.patient)


def _joined_care_team(personas: Personas) -> None:
    factories.add_to_care_team(personas.other_patient, personas.care_clinician)


def _new_patient_in_clinic(personas: Personas) -> None:
    factories.PatientFactory(clinic=personas.patient.clinic, full_name="Nia Newcomer")


def _entry_shared_with_support(personas: Personas) -> None:
    from claywork.sharing.services import share_item

    entry = factories.make_entry(personas.patient, title="The lighthouse walk", body="x")
    share_item(patient=personas.patient, item=entry, person=personas.support_person)


def _patient_renamed(personas: Personas) -> None:
    personas.patient.full_name = "Patricia Renamed"
    personas.patient.save(update_fields=["full_name"])


# Through no signal: a QuerySet.update, as the worker and bulk services write.
def _patient_renamed_in_bulk(personas: Personas) -> None:
    User.objects.filter(pk=personas.patient.pk).update(full_name="Patricia Bulk")


def _alerts_acknowledged_in_bulk(personas: Personas) -> None:
    from django.utils import timezone

    Alert.objects.filter(patient=personas.patient).update(
        acknowledged_at=timezone.now(), acknowledged_by=personas.care_clinician
    )


def _clinic_settings_in_bulk(personas: Personas) -> None:
    Clinic.objects.filter(pk=personas.patient.clinic_id).update(missed_check_in_days=9)


def _check_in_row(personas: Personas) -> None:
    CheckIn.objects.create(patient=personas.patient, day=_patient_today(personas.patient), mood=1)


def _message_to_patient(personas: Personas) -> None:
    _message(personas, personas.care_clinician)


def _circle_member_removed_in_bulk(personas: Personas) -> None:
    from claywork.circle.models import CircleMember, MemberStatus

    CircleMember.objects.filter(patient=personas.patient).update(status=MemberStatus.REMOVED)


WRITES: dict[str, tuple[str, Callable[[Personas], None] | None, Callable[[Personas], None]]] = {
    # page: (name, set-up before the first view, the write)
    "caseload, a check-in": ("caseload", None, _check_in_row),
    "caseload, a patient joins the care team": ("caseload", None, _joined_care_team),
    "caseload, a rename by update": ("caseload", None, _patient_renamed_in_bulk),
    "clinician alerts, an alert": ("clinician alerts", None, _alert),
    "clinician alerts, acknowledged by update": (
        "clinician alerts",
        _alert,
        _alerts_acknowledged_in_bulk,
    ),
    "clinician messages, a patient's message": ("clinician messages", None, _message_from_patient),
    "clinician messages, a rename by update": (
        "clinician messages",
        _message_from_patient,
        _patient_renamed_in_bulk,
    ),
    "clinician patient page, an alert": ("clinician patient page", None, _alert),
    "clinician patient page, a rename by update": (
        "clinician patient page",
        None,
        _patient_renamed_in_bulk,
    ),
    "clinician patient progress, a check-in": (
        "clinician patient progress",
        None,
        _check_in_row,
    ),
    "admin people, a new patient": ("admin people", None, _new_patient_in_clinic),
    "admin people, a rename by update": ("admin people", None, _patient_renamed_in_bulk),
    "admin alerts, an alert sent to the admin": ("admin alerts", None, _alert_for_nobodys_patient),
    "admin settings, changed by update": ("admin settings", None, _clinic_settings_in_bulk),
    "support feed, an entry shared": ("support feed", None, _entry_shared_with_support),
    "support feed, a rename": ("support feed", None, _patient_renamed),
    "support feed, a rename by update": ("support feed", None, _patient_renamed_in_bulk),
    "support supporting, a rename": ("support supporting", None, _patient_renamed),
    "patient messages, a message from the care team": (
        "patient messages",
        None,
        _message_to_patient,
    ),
    "patient circle, a member removed by update": (
        "patient circle",
        None,
        _circle_member_removed_in_bulk,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_a_write_by_anyone_is_on_the_next_view_of_a_stored_page(
    personas: Personas, write: str
) -> None:
    name, set_up, change = WRITES[write]
    if set_up is not None:
        set_up(personas)
    client, url = _page(personas, name)
    before = body(client.get(url))
    assert body(client.get(url)) == before  # now sent from memory

    change(personas)
    after = body(client.get(url))

    assert after == uncached(client, url)
    assert after != before


# --- Audit ------------------------------------------------------------------------------------

AUDITED = [
    "caseload",
    "clinician alerts",
    "clinician messages",
    "clinician patient page",
    "clinician patient progress",
    "support feed",
]


def _events_since(last_id: int) -> Counter[tuple[Any, ...]]:
    return Counter(
        AuditEvent.objects.filter(pk__gt=last_id).values_list(
            "actor_id",
            "patient_id",
            "subject_set_id",  # a list page's patients: the same set again
            "clinic_id",
            "action",
            "resource",
            "object_id",
            "route",
        )
    )


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", AUDITED)
def test_a_staff_page_sent_from_memory_records_the_audit_events_its_view_records(
    personas: Personas, name: str
) -> None:
    _alert(personas)  # something on the alert pages
    _message_from_patient(personas)  # and on the messages list
    client, url = _page(personas, name)
    start = _last_event_id()
    client.get(url)
    rendered = _events_since(start)

    middle = _last_event_id()
    hit = client.get(url)
    from_memory = _events_since(middle)

    assert not hit.templates  # sent from memory: the view did not run
    assert sum(rendered.values()) >= 1
    assert from_memory == rendered


@pytest.mark.django_db
def test_events_recorded_from_memory_keep_the_chain_and_this_views_address(
    personas: Personas,
) -> None:
    from claywork.audit.verify import chain_verify

    client = signed_in(personas.care_clinician)
    url = f"/patients/{personas.patient.pk}/"
    client.get(url, REMOTE_ADDR="10.0.0.1")
    client.get(url, REMOTE_ADDR="10.0.0.2")

    addresses = list(
        AuditEvent.objects.filter(resource="care.record")
        .order_by("pk")
        .values_list("ip_address", flat=True)
    )
    assert addresses == ["10.0.0.1", "10.0.0.2"]
    assert chain_verify().ok


@pytest.mark.django_db
def test_the_clinic_access_log_is_stale_after_a_staff_read_sent_from_memory(
    personas: Personas,
) -> None:
    """The log is stored under its clinic's newest event (an unwatched table): a clinician's
    page sent from memory still writes its event, and that is on the admin's next view."""
    admin = signed_in(personas.clinic_admin)
    clinician = signed_in(personas.care_clinician)
    clinician.get(f"/patients/{personas.patient.pk}/")
    admin.get("/clinic/access-log/")
    before = admin.get("/clinic/access-log/").content.decode().count("Cara Clinician")

    clinician.get(f"/patients/{personas.patient.pk}/")  # sent from memory, its event written
    after = admin.get("/clinic/access-log/").content.decode().count("Cara Clinician")

    assert any("access-log" in key for key in page_cache._PAGES._cache)
    assert after > before > 0


# --- Who is served what -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_staff_page_is_never_sent_to_another_staff_member(personas: Personas) -> None:
    signed_in(personas.care_clinician).get("/")
    theirs = signed_in(personas.outside_clinician).get("/").content.decode()

    assert "Pat Patient" not in theirs
    assert "Olive Other" in theirs


@pytest.mark.django_db
def test_a_write_in_one_clinic_leaves_another_clinics_staff_pages_stored(
    personas: Personas,
) -> None:
    here = page_cache._versions_of(page_cache._scope(personas.care_clinician) or [])
    there = page_cache._versions_of(page_cache._scope(personas.other_clinic_clinician) or [])

    _check_in_row(personas)

    assert page_cache._versions_of(page_cache._scope(personas.care_clinician) or []) != here
    assert page_cache._versions_of(page_cache._scope(personas.other_clinic_clinician) or []) == (
        there
    )


@pytest.mark.django_db
def test_a_clinician_taken_off_the_care_team_no_longer_gets_the_stored_patient_page(
    personas: Personas,
) -> None:
    from claywork.care.models import CareTeamMembership

    client = signed_in(personas.care_clinician)
    url = f"/patients/{personas.patient.pk}/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # from memory

    CareTeamMembership.objects.filter(
        patient=personas.patient, clinician=personas.care_clinician
    ).delete()

    assert client.get(url).status_code == 404


def test_threads_asking_for_a_page_while_it_renders_are_sent_that_one_render(
    settings: Any,
) -> None:
    """After a write or an expiry, 8 threads of two workers asked for the same caseload at
    once and each rendered it; now one renders and the others wait for what it stored."""
    import threading
    import time
    from types import SimpleNamespace

    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    settings.CLAYWORK_PAGE_CACHE_SECONDS = 60
    renders: list[int] = []
    release = threading.Event()

    @page_cache.cached_page
    def slow_page(request: HttpRequest) -> HttpResponse:
        renders.append(1)
        release.wait(timeout=5)
        return HttpResponse("<p>The caseload</p>")

    reader = SimpleNamespace(
        pk=987_654, is_authenticated=True, is_patient=True, role="patient", clinic_id=None
    )

    def ask(answers: list[bytes]) -> None:
        request = RequestFactory().get("/a-slow-page/")
        request.user = reader  # type: ignore[assignment]
        request.session = {}  # type: ignore[assignment]
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        answers.append(slow_page(request).content)

    answers: list[bytes] = []
    threads = [threading.Thread(target=ask, args=(answers,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # let every thread reach the page before the render ends
    release.set()
    for thread in threads:
        thread.join(timeout=10)

    assert answers == [b"<p>The caseload</p>"] * 4
    assert len(renders) == 1
