"""Sharing and revoking, and what the policy then lets each reader see."""

from __future__ import annotations

import uuid

import pytest

from claywork.clinics import consent
from claywork.clinics.models import ConsentRecord
from claywork.core import policy
from claywork.journal.access import get_entry_for_user
from claywork.practice import services as practice
from claywork.sharing import services
from claywork.sharing.models import Category, Share
from tests import factories
from tests.conftest import Personas


def _goal(personas: Personas, title: str = "Walk by the river") -> object:
    goal, _ = practice.goal_create(
        patient=personas.patient,
        realm="body",
        title=title,
        cadence="weekly",
        per_week=1,
        submission_id=uuid.uuid4(),
    )
    return goal


@pytest.fixture
def circle(personas: Personas) -> Personas:
    """The support persona accepted the patient's invitation (tests/conftest.py)."""
    assert policy.is_circle_member(personas.support_person, personas.patient.pk)
    return personas


def test_sharing_an_entry_with_a_circle_member_lets_them_read_it(circle: Personas) -> None:
    p = circle
    services.share_item(patient=p.patient, item=p.entry, person=p.support_person)

    assert get_entry_for_user(p.support_person, p.entry.pk) == p.entry
    assert list(policy.entries_visible_to(p.support_person)) == [p.entry]


def test_a_shared_entry_stays_the_writers_to_change(circle: Personas) -> None:
    from django.http import Http404

    p = circle
    services.share_item(patient=p.patient, item=p.entry, person=p.support_person)

    with pytest.raises(Http404):
        get_entry_for_user(p.support_person, p.entry.pk, write=True)


def test_entries_are_private_until_shared(circle: Personas) -> None:
    p = circle
    for reader in (p.support_person, p.care_clinician, p.outside_clinician, p.clinic_admin):
        assert not policy.entries_visible_to(reader).exists()
    assert set(policy.entries_visible_to(p.patient)) == {p.entry}


def test_sharing_twice_gives_the_same_live_share(circle: Personas) -> None:
    p = circle
    first = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    second = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)

    assert first.pk == second.pk
    assert Share.objects.count() == 1


def test_revoking_ends_access_at_once_and_a_new_share_is_a_new_row(circle: Personas) -> None:
    p = circle
    share = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)

    services.share_revoke(patient=p.patient, share=share)

    assert not policy.entries_visible_to(p.support_person).exists()
    again = services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    assert again.pk != share.pk
    assert policy.entries_visible_to(p.support_person).get() == p.entry


def test_care_team_share_reaches_the_care_team_only(personas: Personas) -> None:
    p = personas
    services.share_item(patient=p.patient, item=p.entry, care_team=True)

    assert list(policy.entries_visible_to(p.care_clinician)) == [p.entry]
    for reader in (
        p.outside_clinician,
        p.other_clinic_clinician,
        p.clinic_admin,
        p.support_person,
        p.other_patient,
    ):
        assert p.entry not in policy.entries_visible_to(reader), reader


def test_a_clinician_taken_off_the_care_team_no_longer_sees_shared_entries(
    personas: Personas,
) -> None:
    from claywork.care.services import care_team_remove

    p = personas
    services.share_item(patient=p.patient, item=p.entry, care_team=True)
    care_team_remove(patient=p.patient, clinician=p.care_clinician)

    assert not policy.entries_visible_to(p.care_clinician).exists()


@pytest.mark.parametrize("status", ["invited", "declined", "removed"])
def test_only_accepted_members_can_be_shared_with(personas: Personas, status: str) -> None:
    p = personas
    person = factories.SupportPersonFactory()
    factories.add_to_circle(p.patient, person, status=status)

    with pytest.raises(services.SharingError):
        services.share_item(patient=p.patient, item=p.entry, person=person)
    assert not Share.objects.exists()


def test_removing_a_member_ends_what_they_could_see(circle: Personas) -> None:
    from claywork.circle import services as circle_services
    from claywork.circle.models import CircleMember

    p = circle
    services.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    member = CircleMember.objects.get(patient=p.patient, person=p.support_person)

    circle_services.member_remove(patient=p.patient, member=member)

    assert not policy.entries_visible_to(p.support_person).exists()
    assert not Share.objects.filter(revoked_at__isnull=True).exists()


def test_a_share_needs_exactly_one_audience(circle: Personas) -> None:
    p = circle
    with pytest.raises(services.SharingError):
        services.share_item(patient=p.patient, item=p.entry)
    with pytest.raises(services.SharingError):
        services.share_item(
            patient=p.patient, item=p.entry, care_team=True, person=p.support_person
        )


def test_no_one_shares_another_patients_entry(circle: Personas) -> None:
    p = circle
    with pytest.raises(services.SharingError):
        services.share_item(patient=p.patient, item=p.other_patient_entry, care_team=True)


def test_a_shared_goal_is_visible_to_its_audience(circle: Personas) -> None:
    p = circle
    goal = _goal(p)
    assert not policy.goals_visible_to(p.support_person).exists()

    services.share_item(patient=p.patient, item=goal, person=p.support_person)  # type: ignore[arg-type]

    assert list(policy.goals_visible_to(p.support_person)) == [goal]
    assert not policy.goals_visible_to(p.care_clinician).exists()


def test_goals_and_wins_category_shares_every_active_goal(circle: Personas) -> None:
    p = circle
    goals = {_goal(p, "One"), _goal(p, "Two")}

    services.share_category(
        patient=p.patient, category=Category.GOALS_AND_WINS, person=p.support_person
    )

    assert set(policy.goals_visible_to(p.support_person)) == goals
    assert policy.categories_shared_with(p.support_person, p.patient.pk) == {"goals_and_wins"}


def test_a_standing_share_is_recorded_as_a_consent_and_its_revocation_as_withdrawn(
    personas: Personas,
) -> None:
    p = personas
    share = services.share_category(
        patient=p.patient, category=Category.WEEKLY_MOOD, care_team=True
    )
    subject = "weekly_mood:care_team"
    assert consent.consent_is_given(p.patient, consent.SHARE, subject)

    services.share_revoke(patient=p.patient, share=share)
    services.share_revoke(patient=p.patient, share=share)

    assert not consent.consent_is_given(p.patient, consent.SHARE, subject)
    records = ConsentRecord.objects.filter(user=p.patient, topic=consent.SHARE)
    assert [r.given for r in records.order_by("id")] == [True, False]


def test_a_patient_in_anothers_circle_reads_a_shared_entry_but_not_in_their_own_journal(
    personas: Personas,
) -> None:
    from tests.conftest import client_for

    p = personas
    factories.add_to_circle(p.patient, p.other_patient)
    shared = factories.make_entry(p.patient, title="Harbour lights", body="Lanterns on water.")
    services.share_item(patient=p.patient, item=shared, person=p.other_patient)
    friend = client_for(p.other_patient)

    assert "Lanterns on water." in friend.get(f"/journal/{shared.pk}/").content.decode()
    assert "Harbour lights" not in friend.get("/journal/").content.decode()
    assert "Lanterns" not in friend.get("/journal/?q=lanterns").content.decode()
    assert list(policy.journal_of(p.other_patient)) == [p.other_patient_entry]
