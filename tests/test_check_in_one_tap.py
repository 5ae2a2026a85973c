"""The one-tap check-in: a face saves the mood; anxiety, energy, sleep, a note and tags are
optional extras on the same page, editable the same day; tags are kept for
"patterns in my check-ins"."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from claywork.measures import day_tags, services
from claywork.measures.models import CheckIn, CheckInTag
from claywork.measures.selectors import patient_today, tags_by_day
from claywork.safety.models import Alert, AlertKind
from tests import factories
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def test_one_tap_on_a_face_saves_the_mood_alone(personas: Personas) -> None:
    client = client_for(personas.patient)

    response = client.post("/check-in/", {"mood": "7"})

    assert response.status_code == 302 and response["Location"] == "/check-in/"
    check_in = CheckIn.objects.get(patient=personas.patient)
    assert (check_in.mood, check_in.anxiety, check_in.energy, check_in.sleep_hours) == (
        7,
        None,
        None,
        None,
    )
    page = client.get("/check-in/").content.decode()
    assert "Saved: Good. Add more below if you like." in page
    assert "(now: Good)" in page and '<details class="extras" open>' in page


def test_extras_saved_later_the_same_day_keep_the_mood(personas: Personas) -> None:
    client = client_for(personas.patient)
    client.post("/check-in/", {"mood": "3"})

    response = client.post(
        "/check-in/",
        {
            "current_mood": "3",
            "anxiety": "6",
            "sleep_hours": "6.5",
            "tags": ["k:walk-outside", "k:anxious"],
            "details": "1",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/"
    check_in = CheckIn.objects.get(patient=personas.patient)
    assert (check_in.mood, check_in.anxiety, check_in.energy) == (3, 6, None)
    assert check_in.sleep_hours == Decimal("6.5")
    assert {tag.key for tag in check_in.tags.all()} == {"walk-outside", "anxious"}


def test_save_without_any_mood_asks_for_a_face_and_keeps_what_was_typed(
    personas: Personas,
) -> None:
    response = client_for(personas.patient).post(
        "/check-in/", {"note": "A long walk by the sea.", "anxiety": "2", "details": "1"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Tap the face closest to how you feel today." in page
    assert "A long walk by the sea." in page
    assert not CheckIn.objects.exists()


def test_own_tags_are_sealed_and_reused_whatever_their_case(personas: Personas) -> None:
    client = client_for(personas.patient)
    client.post(
        "/check-in/", {"mood": "5", "new_tag": "Pottery class", "new_tag_group": "activity"}
    )
    client.post(
        "/check-in/", {"mood": "7", "new_tag": "pottery CLASS", "new_tag_group": "activity"}
    )

    own = CheckInTag.objects.get(patient=personas.patient, key="")
    assert own.label == "Pottery class"
    assert "Pottery" not in own.label_sealed
    check_in = CheckIn.objects.get(patient=personas.patient)
    assert list(check_in.tags.all()) == [own]
    # Offered again the next time, by its own id.
    assert f'value="t:{own.pk}"' in client.get("/check-in/").content.decode()


def test_tags_of_someone_else_or_unknown_keys_are_ignored(personas: Personas) -> None:
    theirs = CheckInTag(patient=personas.other_patient, group="activity")
    theirs.label = "Olive's tag"
    theirs.save()
    saved, _ = services.check_in_save(
        patient=personas.patient,
        day=patient_today(personas.patient),
        values=services.CheckInValues(
            5, tags=services.DayTags(keys=frozenset({"no-such"}), own_ids=frozenset({theirs.pk}))
        ),
    )

    assert not saved.tags.exists()


def test_a_form_posting_a_tag_not_offered_is_refused_with_a_reason(personas: Personas) -> None:
    response = client_for(personas.patient).post("/check-in/", {"mood": "5", "tags": ["t:999"]})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_crisis_language_in_an_own_tag_alerts_the_care_team(personas: Personas) -> None:
    response = client_for(personas.patient).post(
        "/check-in/", {"mood": "1", "new_tag": "I want to kill myself", "new_tag_group": "feeling"}
    )

    assert response.status_code == 302 and response["Location"] == "/help/"
    assert Alert.objects.filter(patient=personas.patient, kind=AlertKind.CRISIS_LANGUAGE).exists()


def test_tags_by_day_gives_each_day_its_set_of_tags() -> None:
    patient = factories.PatientFactory()
    today = patient_today(patient)
    for offset, keys, own in ((0, {"walk-outside"}, "Choir"), (1, {"rest", "calm"}, "")):
        services.check_in_save(
            patient=patient,
            day=today - timedelta(days=offset),
            values=services.CheckInValues(
                5,
                tags=services.DayTags(
                    keys=frozenset(keys), new_own=(("activity", own),) if own else ()
                ),
            ),
        )
    services.check_in_save(
        patient=patient, day=today - timedelta(days=2), values=services.CheckInValues(5)
    )

    found = tags_by_day(patient_id=patient.pk, since=today - timedelta(days=7), until=today)

    assert found == {
        today: frozenset({"Walk outside", "Choir"}),
        today - timedelta(days=1): frozenset({"Rest", "Calm"}),
    }


def test_a_stored_mood_shows_as_its_nearest_face() -> None:
    assert [day_tags.face_label(mood) for mood in range(11)] == [
        "Awful",
        "Awful",
        "Awful",
        "Low",
        "Low",
        "Okay",
        "Okay",
        "Good",
        "Good",
        "Great",
        "Great",
    ]


def test_patterns_compare_anxiety_only_on_days_that_have_it() -> None:
    from claywork.practice import services as practice
    from claywork.practice.models import Practice
    from claywork.practice.selectors import check_in_patterns

    patient = factories.PatientFactory()
    today = patient_today(patient)
    walk = Practice.objects.get(slug="nature-walk", patient=None)
    for offset in range(16):
        day = today - timedelta(days=offset)
        walked = offset % 2 == 0
        anxiety = (2 if walked else 6) if offset < 8 else None  # 4 days each side have it
        services.check_in_save(
            patient=patient,
            day=day,
            values=services.CheckInValues(7 if walked else 4, anxiety=anxiety),
        )
        if walked:
            practice.practice_log(
                patient=patient, practice=walk, day=day, submission_id=uuid.uuid4()
            )

    (pattern,) = check_in_patterns(patient=patient, today=today).practices

    assert pattern.mood.compared and pattern.mood.difference == 3
    # Fewer than 7 days with anxiety on either side: said, not compared.
    assert (pattern.anxiety.n_with, pattern.anxiety.n_without) == (4, 4)
    assert pattern.anxiety.reason == (
        "4 check-in days with it and 4 without; comparing needs at least 7 of each"
    )
