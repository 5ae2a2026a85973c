"""Deleting an account: a grace period the patient can cancel in, the care team told, then a
crypto-shred that leaves no readable word of the patient anywhere in the database, while the
audit trail keeps that it happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from claywork.accounts.models import User
from claywork.audit.models import AuditEvent
from claywork.audit.verify import chain_verify
from claywork.measures.models import ScaleResponse
from claywork.ownership import services
from claywork.ownership.erasure import ERASED_NAME, erased_email
from claywork.ownership.models import AccountDeletion
from claywork.safety.models import Alert, AlertDelivery, AlertKind
from claywork.vault.models import PatientDataKey
from tests import factories
from tests.conftest import client_for
from tests.ownership_support import (
    Everything,
    every_stored_value,
    patient_with_everything,
    readable_anywhere,
    readable_in_copy,
    sealed_key_id,
)

pytestmark = pytest.mark.django_db

CONFIRM = {"password": factories.PASSWORD, "understood": "on"}


def _ask(client: Client) -> Any:
    return client.post("/account/data/delete/", CONFIRM)


def _after_grace() -> Any:
    return timezone.now() + services.grace_period() + timedelta(minutes=1)


def test_asking_to_delete_tells_the_care_team_and_erases_nothing_yet() -> None:
    everything = patient_with_everything()
    client = client_for(everything.patient)

    response = _ask(client)

    assert response.status_code == 302
    deletion = AccountDeletion.objects.get(patient=everything.patient)
    assert deletion.is_open
    assert deletion.erase_after - deletion.requested_at == timedelta(days=7)
    alert = Alert.objects.get(patient=everything.patient, kind=AlertKind.ACCOUNT_DELETION)
    assert "unless they cancel" in alert.title
    assert AlertDelivery.objects.filter(alert=alert, recipient=everything.clinician).exists()
    assert AuditEvent.objects.filter(
        patient=everything.patient, action="delete", resource="accounts.deletion_request"
    ).exists()
    page = client.get("/account/data/").content.decode()
    assert "Your account will be erased on" in page and "Cancel the deletion" in page
    assert services.accounts_erase_due(now=timezone.now()) == 0
    assert PatientDataKey.objects.filter(owner=everything.patient).exists()


def test_asking_twice_keeps_one_request() -> None:
    patient = factories.PatientFactory()
    client = client_for(patient)

    _ask(client)
    _ask(client)

    assert AccountDeletion.objects.filter(patient=patient).count() == 1


def test_a_wrong_password_or_no_tick_asks_again_and_changes_nothing() -> None:
    patient = factories.PatientFactory()
    client = client_for(patient)

    wrong = client.post("/account/data/delete/", {"password": "not it", "understood": "on"})
    unticked = client.post("/account/data/delete/", {"password": factories.PASSWORD})

    assert wrong.status_code == 400 and "That is not your password." in wrong.content.decode()
    assert unticked.status_code == 400
    assert "Tick the box to say you understand." in unticked.content.decode()
    assert not AccountDeletion.objects.exists()


def test_cancelling_in_the_grace_period_keeps_everything() -> None:
    everything = patient_with_everything()
    client = client_for(everything.patient)
    _ask(client)

    response = client.post("/account/data/delete/cancel/")

    assert response.status_code == 302
    assert not AccountDeletion.objects.get(patient=everything.patient).is_open
    assert services.accounts_erase_due(now=_after_grace()) == 0
    everything.patient.refresh_from_db()
    assert everything.patient.is_active and everything.patient.full_name == "Wren Canary"
    cancelled = Alert.objects.get(
        patient=everything.patient,
        dedupe_key__endswith=":cancelled",
        kind=AlertKind.ACCOUNT_DELETION,
    )
    assert cancelled.title.startswith("Cancelled their request")
    # Cancelling again, or with nothing to cancel, says so.
    again = client.post("/account/data/delete/cancel/", follow=True)
    assert "There was no deletion to cancel." in again.content.decode()


def _erase(everything: Everything) -> None:
    _ask(client_for(everything.patient))
    assert services.accounts_erase_due(now=_after_grace()) == 1


def test_erasure_leaves_no_readable_word_of_the_patient_in_the_database() -> None:
    everything = patient_with_everything()
    key_id = PatientDataKey.objects.get(owner=everything.patient).pk
    personal = [*everything.canaries.values(), "Wren Canary", "wren.canary@example.test"]
    # The scan reads what the server can read: before the erasure it finds every word.
    before = {word for word in personal if any(word in r for *_, r in every_stored_value())}
    assert before == set(personal)

    _erase(everything)

    leaks = readable_anywhere(personal)
    assert not leaks, f"still readable after erasure: {leaks}"
    # Crypto-shred: the data key is gone, and nothing left is sealed under it.
    assert not PatientDataKey.objects.filter(pk=key_id).exists()
    under_key = [(t, c) for t, c, text, _ in every_stored_value() if sealed_key_id(text) == key_id]
    assert not under_key, f"sealed under the destroyed key: {under_key}"


def test_a_backup_taken_before_the_erasure_holds_no_readable_health_words_after_it() -> None:
    # Crypto-shredding is what reaches the copies erasure cannot delete: every word of the
    # patient in a backup must have been sealed with their key, never stored in clear.
    everything = patient_with_everything()
    backup = every_stored_value()
    band = ScaleResponse.objects.get(patient=everything.patient).band  # sealed too
    words = [*everything.canaries.values(), band]
    assert readable_in_copy(backup, words)  # the scan can read them while the key exists

    _erase(everything)

    leaks = readable_in_copy(backup, words)
    assert not leaks, f"readable in a backup after erasure: {leaks}"


def test_erasure_empties_the_account_and_the_trail_keeps_that_it_happened() -> None:
    everything = patient_with_everything()
    patient = everything.patient
    _erase(everything)

    patient.refresh_from_db()
    assert (patient.full_name, patient.email) == (ERASED_NAME, erased_email(patient.pk))
    assert not patient.is_active and not patient.has_usable_password()
    assert not Client().login(email="wren.canary@example.test", password=factories.PASSWORD)
    assert AccountDeletion.objects.get(patient=patient).erased_at is not None
    assert AuditEvent.objects.filter(
        patient=patient, actor=None, action="delete", resource="accounts.account"
    ).exists()
    assert chain_verify().ok
    # The care team was told at the end too. Every alert's title was sealed with the patient's
    # key and went with it: the alert now reads as its kind.
    erased = Alert.objects.get(patient=patient, dedupe_key__endswith=":erased")
    assert erased.kind == AlertKind.ACCOUNT_DELETION and erased.title_sealed == ""
    assert erased.headline.startswith("Account deletion (the details were erased")
    # A signed-in browser of the patient is signed out.
    assert client_for(patient).get("/journal/").status_code == 302


def test_two_sweeps_erase_an_account_once() -> None:
    everything = patient_with_everything()
    _ask(client_for(everything.patient))
    later = _after_grace()

    assert services.accounts_erase_due(now=later) == 1
    assert services.accounts_erase_due(now=later) == 0
    assert (
        AuditEvent.objects.filter(patient=everything.patient, resource="accounts.account").count()
        == 1
    )


def test_a_failed_erasure_stays_open_for_the_next_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    patient = factories.PatientFactory()
    _ask(client_for(patient))

    def broken(**kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "patient_erase", broken)
    assert services.accounts_erase_due(now=_after_grace()) == 0
    assert AccountDeletion.objects.get(patient=patient).is_open
    monkeypatch.undo()
    assert services.accounts_erase_due(now=_after_grace()) == 1


def test_erasing_one_patient_leaves_the_others_alone() -> None:
    everything = patient_with_everything()
    other = factories.PatientFactory(clinic=everything.patient.clinic, full_name="Olive Other")
    kept = factories.make_entry(other, body="Olive's words stay.")
    _erase(everything)

    assert User.objects.get(pk=other.pk).full_name == "Olive Other"
    from claywork.journal.models import Entry

    assert Entry.objects.get(pk=kept.pk).body == "Olive's words stay."


def test_only_patients_may_ask() -> None:
    for person in (factories.ClinicianFactory(), factories.SupportPersonFactory()):
        assert client_for(person).post("/account/data/delete/", CONFIRM).status_code == 404
    assert not AccountDeletion.objects.exists()
