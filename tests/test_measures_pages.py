"""The measures pages: the daily check-in, the validated scales and a patient's progress."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claywork.accounts.models import User
from claywork.measures import selectors, services
from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
from claywork.safety.models import Alert, AlertKind
from tests import factories
from tests.conftest import Personas, client_for, readable_text

PHQ9_ITEMS = [str(number) for number in range(1, 10)]


def _check_in(**overrides: Any) -> dict[str, Any]:
    return {"mood": "6", "anxiety": "3", "energy": "5", "sleep_hours": "7.5", "note": ""} | {
        key: str(value) for key, value in overrides.items()
    }


def _phq9(
    answers: dict[str, int] | None = None,
    *,
    action: str = "submit",
    submission_id: uuid.UUID | None = None,
) -> dict[str, str]:
    answers = {link_id: 1 for link_id in PHQ9_ITEMS[:8]} | {"9": 0} if answers is None else answers
    return {
        "submission_id": str(submission_id or uuid.uuid4()),
        "action": action,
    } | {f"item_{link_id}": str(value) for link_id, value in answers.items()}


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _checked(page: str, name: str) -> str | None:
    """The value of the radio button of that name that is checked on the page."""
    found = re.search(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*\bchecked>', page)
    return found[1] if found else None


def _chart_data(page: str, element_id: str) -> Any:
    """What a chart draws: the JSON of its ``json_script`` block."""
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    assert found, f"no {element_id} on the page"
    return json.loads(found[1])


def _completed_phq9(patient: User, total_per_item: int, days_ago: int) -> ScaleResponse:
    """A PHQ-9 submitted through the service, then dated ``days_ago`` days back."""
    response = services.response_start(
        patient=patient, instrument_code="phq9", submission_id=uuid.uuid4()
    )
    answers = {link_id: total_per_item for link_id in PHQ9_ITEMS[:8]} | {"9": 0}
    response = services.response_submit(response=response, answers=answers)
    ScaleResponse.objects.filter(pk=response.pk).update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )
    return response


def _daily_check_ins(patient: User, moods: list[int], *, last_day: date) -> None:
    first_day = last_day - timedelta(days=len(moods) - 1)
    CheckIn.objects.bulk_create(
        CheckIn(
            patient=patient,
            day=first_day + timedelta(days=offset),
            mood=mood,
            anxiety=3,
            energy=5,
            sleep_hours=Decimal("7.0"),
        )
        for offset, mood in enumerate(moods)
    )


# --- Daily check-in -------------------------------------------------------------------------


def test_patient_checks_in_and_a_second_check_in_that_day_updates_it(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    today = selectors.patient_today(personas.patient)

    first = client.post("/check-in/", _check_in(mood=4, note="Slept by the window."))
    second_form = client.get("/check-in/")
    second = client.post("/check-in/", _check_in(mood=7, sleep_hours="8"))

    assert first.status_code == 302 and second.status_code == 302
    check_ins = CheckIn.objects.filter(patient=personas.patient)
    assert check_ins.count() == 1
    check_in = check_ins.get()
    assert check_in.day == today
    assert (check_in.mood, check_in.sleep_hours, check_in.note) == (7, Decimal("8.0"), "")
    # The second visit that day starts from what was saved: the mood (nearest face shown) and
    # the extras, so a tap on another face keeps them.
    page = _text(second_form)
    assert 'name="current_mood" value="4"' in page
    assert "(now: Low)" in page
    assert _checked(page, "anxiety") == "3"
    assert "Slept by the window." in page
    assert "Saved today; change anything until midnight." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mood", 11, "Tap the face closest to how you feel today."),
        ("mood", "", "Tap the face closest to how you feel today."),
        ("anxiety", -1, "Choose a number from 0 to 10 for anxiety."),
        ("energy", "lots", "Choose a number from 0 to 10 for energy."),
        ("sleep_hours", 25, "Hours slept cannot be more than 24."),
        ("sleep_hours", -2, "Hours slept cannot be below 0."),
        ("sleep_hours", "7.25", "Use whole or half hours, for example 7 or 7.5."),
    ],
)
def test_check_in_values_out_of_range_are_rejected_with_a_message(
    personas: Personas, field: str, value: object, message: str
) -> None:
    response = client_for(personas.patient).post("/check-in/", _check_in(**{field: value}))

    assert response.status_code == 400
    assert message in _text(response)
    assert not CheckIn.objects.filter(patient=personas.patient).exists()


def test_check_in_is_for_patients_only(personas: Personas) -> None:
    for person in (personas.care_clinician, personas.clinic_admin, personas.support_person):
        client = client_for(person)
        assert client.get("/check-in/").status_code == 404
        assert client.post("/check-in/", _check_in()).status_code == 404
    assert not CheckIn.objects.exists()


def test_home_shows_todays_check_in_and_the_scales_due(personas: Personas) -> None:
    client = client_for(personas.patient)

    before = _text(client.get("/"))
    client.post("/check-in/", _check_in(mood=6, sleep_hours="6.5"))
    after = _text(client.get("/"))

    assert "Today's check-in" in before and "Not done yet" in before
    assert 'href="/scales/phq9/">Answer PHQ-9</a>' in before
    assert "Done</span> Mood 6, anxiety 3, energy 5, 6.5 h sleep" in after


# --- Scales ---------------------------------------------------------------------------------


def test_saving_a_scale_to_finish_later_is_never_scored_or_charted(personas: Personas) -> None:
    client = client_for(personas.patient)
    submission_id = uuid.uuid4()

    saved = client.post(
        "/scales/phq9/", _phq9({"1": 2, "2": 3}, action="save", submission_id=submission_id)
    )
    reopened = _text(client.get("/scales/phq9/"))
    progress = _text(client.get(f"/patients/{personas.patient.pk}/progress/"))

    assert saved.status_code == 302 and saved["Location"] == "/scales/"
    response = ScaleResponse.objects.get(patient=personas.patient)
    assert response.status == ResponseStatus.IN_PROGRESS
    assert response.total is None and response.completed_at is None
    assert services.response_answers(response) == {"1": 2, "2": 3}
    # Reopening continues the same response, answers checked.
    assert f'value="{submission_id}"' in reopened
    assert "your answers so far are filled in" in reopened
    assert (_checked(reopened, "item_1"), _checked(reopened, "item_2")) == ("2", "3")
    assert _checked(reopened, "item_3") is None
    # Not charted, not in the history.
    assert "No questionnaires completed yet." in progress
    assert "chart-phq9-data" not in progress
    assert "You have not completed a questionnaire yet." in _text(client.get("/scales/"))


def test_submitting_a_complete_phq9_scores_it_and_shows_the_answers(personas: Personas) -> None:
    client = client_for(personas.patient)

    submitted = client.post(
        "/scales/phq9/", _phq9({"1": 3, "2": 2, "9": 0} | {n: 1 for n in "345678"})
    )

    response = ScaleResponse.objects.get(patient=personas.patient)
    assert submitted.status_code == 302
    assert submitted["Location"] == f"/scales/responses/{response.pk}/"
    assert response.status == ResponseStatus.COMPLETE
    assert (response.total, response.band, response.flags) == (11, "Moderate", [])
    detail = _text(client.get(submitted["Location"]))
    assert "Total: 11 of 27" in detail and "Moderate" in detail
    first_item = "Little interest or pleasure in doing things"
    assert f'<th scope="row">{first_item}</th> <td>Nearly every day' in detail
    history = _text(client.get("/scales/"))
    assert "PHQ-9</td> <td>11 <span" in history


def test_the_phq9_difficulty_question_is_optional_kept_and_not_scored(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    form = _text(client.get("/scales/phq9/"))
    answers = {"1": 3, "2": 2, "9": 0} | {n: 1 for n in "345678"}

    client.post("/scales/phq9/", _phq9(answers | {"10": 2}))
    client.post("/scales/phq9/", _phq9(answers))  # without it: complete all the same

    with_difficulty, without = ScaleResponse.objects.filter(patient=personas.patient).order_by("pk")
    assert "how difficult have these problems made it for you" in form
    assert "Optional. It helps your care team and is not counted in the score." in form
    assert (with_difficulty.total, without.total) == (11, 11)
    assert services.response_answers(with_difficulty)["10"] == 2
    assert "10" not in services.response_answers(without)
    detail = _text(client.get(f"/scales/responses/{with_difficulty.pk}/"))
    assert '<td>Very difficult</td> <td><span class="muted">not counted</span></td>' in detail


def test_a_pcl5_shows_its_clusters_and_only_the_clinician_its_dsm5_pattern(
    personas: Personas,
) -> None:
    answers = dict(
        zip([str(n) for n in range(1, 21)], [4] * 5 + [0, 0] + [4] * 7 + [0] * 6, strict=True)
    )
    client_for(personas.patient).post(
        "/scales/pcl5/",
        {"submission_id": str(uuid.uuid4()), "action": "submit"}
        | {f"item_{k}": str(v) for k, v in answers.items()},
    )
    response = ScaleResponse.objects.get(patient=personas.patient, instrument="pcl5")
    url = f"/scales/responses/{response.pk}/"

    own = _text(client_for(personas.patient).get(url))
    clinician = _text(client_for(personas.care_clinician).get(url))

    assert response.total == 48
    for page in (own, clinician):
        assert "Intrusion (cluster B, items 1-5)</th><td>20 of 20</td>" in page.replace("> <", "><")
        assert "Avoidance (cluster C, items 6-7)</th><td>0 of 8</td>" in page.replace("> <", "><")
    assert "Provisional PTSD pattern" in clinician and ": not met." in clinician
    assert "Provisional PTSD pattern" not in own


def test_submitting_with_missing_items_lists_them_and_keeps_the_answers(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    submission_id = uuid.uuid4()
    partial = {n: 1 for n in "1234567"}

    page = client.post("/scales/phq9/", _phq9(partial, submission_id=submission_id))

    assert page.status_code == 400
    text = _text(page)
    assert "Still to answer: questions 8, 9." in text
    assert text.count("Please choose an answer.") == 2
    assert _checked(text, "item_7") == "1" and _checked(text, "item_8") is None
    response = ScaleResponse.objects.get(patient=personas.patient)
    assert response.status == ResponseStatus.IN_PROGRESS and response.total is None
    assert services.response_answers(response) == partial
    # Finishing the same form later completes the same response.
    client.post("/scales/phq9/", _phq9({"8": 0, "9": 0}, submission_id=submission_id))
    response.refresh_from_db()
    assert response.status == ResponseStatus.COMPLETE and response.total == 7
    assert ScaleResponse.objects.filter(patient=personas.patient).count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7", "7 is not one of 0, 1, 2, 3"),
        ("-1", "-1 is not one of 0, 1, 2, 3"),
        ("often", "Choose one of the answers: Not at all, Several days"),
    ],
)
def test_an_answer_outside_the_options_is_rejected_with_a_clear_message(
    personas: Personas, value: str, message: str
) -> None:
    data = _phq9() | {"item_9": value}

    page = client_for(personas.patient).post("/scales/phq9/", data)

    assert page.status_code == 400
    assert message in _text(page)
    assert not ScaleResponse.objects.exists()


def test_submitting_twice_creates_one_response(personas: Personas) -> None:
    client = client_for(personas.patient)
    data = _phq9()

    first = client.post("/scales/phq9/", data)
    second = client.post("/scales/phq9/", data)

    assert ScaleResponse.objects.filter(patient=personas.patient).count() == 1
    assert first["Location"] == second["Location"]


def test_a_self_harm_answer_leads_to_the_crisis_page_and_raises_an_alert(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    submitted = client.post("/scales/phq9/", _phq9({n: 0 for n in "12345678"} | {"9": 1}))

    assert submitted.status_code == 302 and submitted["Location"] == "/help/"
    response = ScaleResponse.objects.get(patient=personas.patient)
    assert response.flags == ["self_harm"] and response.total == 1
    alert = Alert.objects.get(patient=personas.patient)
    assert alert.kind == AlertKind.SELF_HARM_ANSWER and alert.is_open
    help_page = _text(client.get("/help/"))
    assert "Thank you for answering honestly." in help_page
    assert "988" in help_page


def test_saving_a_self_harm_answer_for_later_alerts_and_shows_the_crisis_page_first(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)

    saved = client.post("/scales/phq9/", _phq9({"9": 2}, action="save"))

    assert saved.status_code == 302 and saved["Location"] == "/help/"
    response = ScaleResponse.objects.get(patient=personas.patient)
    assert response.status == ResponseStatus.IN_PROGRESS and response.total is None
    # Never silent: the care team hears of it even if the form is never finished.
    alert = Alert.objects.get(patient=personas.patient)
    assert alert.kind == AlertKind.SELF_HARM_ANSWER and alert.severity == "high"
    assert "your care team has been told" in _text(client.get("/help/"))


def test_submitting_after_saving_a_self_harm_answer_raises_no_second_alert(
    personas: Personas,
) -> None:
    client = client_for(personas.patient)
    client.post("/scales/phq9/", _phq9({"9": 2}, action="save"))
    submission_id = ScaleResponse.objects.get(patient=personas.patient).submission_id
    every_item = {link_id: 0 for link_id in PHQ9_ITEMS[:8]} | {"9": 2}

    submitted = client.post("/scales/phq9/", _phq9(every_item, submission_id=submission_id))

    assert submitted.status_code == 302
    assert ScaleResponse.objects.get(patient=personas.patient).total is not None
    assert Alert.objects.filter(patient=personas.patient).count() == 1


def test_a_form_without_its_submission_id_is_refused_with_a_reason(personas: Personas) -> None:
    data = _phq9()
    del data["submission_id"]

    page = client_for(personas.patient).post("/scales/phq9/", data)

    assert page.status_code == 400
    assert "This form is out of date. Please reload the page and answer again." in _text(page)
    assert not ScaleResponse.objects.exists()


def test_unknown_scale_is_404(personas: Personas) -> None:
    client = client_for(personas.patient)
    assert client.get("/scales/madrs/").status_code == 404
    assert client.post("/scales/madrs/", _phq9()).status_code == 404


def test_scale_form_shows_stem_items_as_fieldsets_and_the_licence(personas: Personas) -> None:
    page = _text(client_for(personas.patient).get("/scales/gad7/"))

    assert "Over the last 2 weeks, how often have you been bothered" in page
    assert page.count('<fieldset class="scale-item">') == 7
    assert '<legend><span class="item-number">1.</span> Feeling nervous, anxious, or on edge' in (
        page
    )
    assert "Not at all" in page
    assert "No permission required to reproduce" in page
    assert 'type="hidden" name="submission_id"' in page
    assert "Save and finish later" in page


def test_response_detail_is_for_the_patient_and_their_care_team(personas: Personas) -> None:
    response = _completed_phq9(personas.patient, 1, days_ago=0)
    url = f"/scales/responses/{response.pk}/"

    assert client_for(personas.patient).get(url).status_code == 200
    assert client_for(personas.care_clinician).get(url).status_code == 200
    for outsider in (personas.other_patient, personas.outside_clinician, personas.clinic_admin):
        assert client_for(outsider).get(url).status_code == 404


# --- Progress -------------------------------------------------------------------------------


def test_progress_page_is_for_the_patient_and_their_care_team(personas: Personas) -> None:
    url = f"/patients/{personas.patient.pk}/progress/"

    assert client_for(personas.patient).get(url).status_code == 200
    assert client_for(personas.care_clinician).get(url).status_code == 200
    for outsider in (
        personas.outside_clinician,
        personas.other_clinic_clinician,
        personas.other_patient,
        personas.clinic_admin,
        personas.support_person,
    ):
        assert client_for(outsider).get(url).status_code == 404, outsider.role
    assert client_for(personas.patient).get("/progress/")["Location"] == url
    assert client_for(personas.care_clinician).get("/progress/").status_code == 404


def _treatment_began(patient: User, *, days_ago: int) -> None:
    from claywork.care.models import Session

    Session.objects.filter(patient=patient, status="completed").update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )


def test_patient_reads_their_change_in_plain_words(personas: Personas) -> None:
    _treatment_began(personas.patient, days_ago=30)
    _completed_phq9(personas.patient, 2, days_ago=40)  # 16, moderately severe, before treatment
    _completed_phq9(personas.patient, 0, days_ago=1)  # 0, minimal

    page = _text(client_for(personas.patient).get(f"/patients/{personas.patient.pk}/progress/"))

    assert 'PHQ-9: 0 <span class="muted">of 27</span> · Minimal' in page
    assert "Much lower than when you started: less than half." in page
    assert "Now under 5, where few symptoms are." in page
    assert "Response" not in page and "Remission" not in page


def test_clinician_sees_response_and_remission_with_their_rule(personas: Personas) -> None:
    _treatment_began(personas.patient, days_ago=30)
    _completed_phq9(personas.patient, 2, days_ago=40)  # 16
    _completed_phq9(personas.patient, 0, days_ago=1)  # 0

    url = f"/patients/{personas.patient.pk}/progress/"
    page = _text(client_for(personas.care_clinician).get(url))

    assert "16 points lower than the first (16 on" in page
    assert "a clinically meaningful change" in page
    assert "Response: met (100% lower)" in page and "Remission: met" in page
    assert "Judged from a first score of 10 or more, on scores after the first session." in page


def test_no_remission_from_a_minimal_baseline_nor_before_treatment(personas: Personas) -> None:
    _completed_phq9(personas.patient, 0, days_ago=40)  # 0 and 1 before the first session:
    ScaleResponse.objects.filter(patient=personas.patient).update(total=3)  # a baseline of 3
    _completed_phq9(personas.patient, 0, days_ago=10)
    url = f"/patients/{personas.patient.pk}/progress/"
    clinician = client_for(personas.care_clinician)

    before_treatment = _text(clinician.get(url))  # the only session was completed today
    _treatment_began(personas.patient, days_ago=20)
    minimal_baseline = _text(clinician.get(url))
    own = _text(client_for(personas.patient).get(url))

    assert "Response: " not in before_treatment and "Remission: " not in before_treatment
    assert "judged on scores after the first session" in before_treatment
    assert "Remission: " not in minimal_baseline
    assert "the first score, 3, is below 10, where they would mean little" in minimal_baseline
    assert "Much lower than when you started" not in own
    assert "Lower than when you started." not in own  # 3 -> 0 is not a meaningful change
    assert "About the same as when you started." in own


def test_progress_charts_have_data_and_accessible_tables(personas: Personas) -> None:
    _completed_phq9(personas.patient, 2, days_ago=10)
    _completed_phq9(personas.patient, 1, days_ago=3)
    today = selectors.patient_today(personas.patient)
    _daily_check_ins(personas.patient, [4, 5, 6, 7, 6], last_day=today)
    services.check_in_save(
        patient=personas.patient,
        day=today,
        values=services.CheckInValues(6, 3, 5, Decimal("7"), note="Slept by the window."),
    )

    response = client_for(personas.care_clinician).get(f"/patients/{personas.patient.pk}/progress/")

    page = _text(response)
    phq9, mood = _chart_data(page, "chart-phq9-data"), _chart_data(page, "chart-mood-data")
    assert [total for _, total in phq9["series"][0]["points"]] == [16, 8]
    assert phq9["sessions"] == [today.isoformat()]
    assert [value for _, value in mood["series"][0]["points"]] == [4, 5, 6, 7, 6]
    assert [value for _, value in mood["series"][1]["points"]] == [5.0, 5.5, 5.6]
    assert '<caption id="chart-phq9-caption">PHQ-9 totals, newest first</caption>' in page
    assert '<th scope="col">7-day mean</th>' in page
    assert page.count('<canvas data-chart-source="chart-') == 2
    assert "Progress · Pat Patient" in page
    assert "chart-gad7-data" not in page  # nothing answered, nothing charted
    # The care team sees the numbers, never the words of a check-in note.
    assert "Slept by the window." not in page


def _fading_patient() -> User:
    """A course 60-54 days ago lifting mood from 3 to 7, then 5 for the last five days."""
    patient = factories.PatientFactory()
    clinician = factories.ClinicianFactory(clinic=patient.clinic)
    factories.add_to_care_team(patient, clinician)
    course = factories.make_course(patient)
    today = selectors.patient_today(patient)
    # Sessions at the patient's local noon: "60 days ago" then falls on the same local day as
    # the check-ins, whatever the hour in UTC (at 04:45 UTC it fell a day early in New York).
    noon = datetime.combine(today, time(12), tzinfo=patient.zone)
    for days_ago in (60, 57, 54):
        factories.make_session(
            course, status="completed", completed_at=noon - timedelta(days=days_ago)
        )
    moods = [3] * 14 + [5] * 7 + [7] * 49 + [5] * 5  # 74 days ago to today
    _daily_check_ins(patient, moods, last_day=today)
    services.fading_refresh(patient=patient)
    return patient


def test_progress_notes_gently_when_the_effect_may_be_fading(db: None, settings: Any) -> None:
    # The alert tier's mood rule set to the early warning's threshold: an alert at once.
    settings.CLAYWORK_FADING_ALERT_THRESHOLD_TENTHS = settings.CLAYWORK_FADING_MOOD_THRESHOLD_TENTHS
    settings.CLAYWORK_FADING_ALERT_DAYS = 1
    patient = _fading_patient()
    client = client_for(patient)
    progress = _text(client.get(f"/patients/{patient.pk}/progress/"))
    home = _text(client.get("/"))

    for page in (progress, home):
        assert "A gentle note" in page
        assert "talk it over with your care team" in page
        assert "dose" not in readable_text(page).lower()
        assert "usual" not in page  # the rule and its numbers are for the care team
    # Five days at half the lift at the end of the data: a slide the fit cannot yet confirm.
    assert "Course of 3 sessions" in progress and "too recently to tell" in progress


def test_the_care_team_sees_which_rule_fired_and_on_which_values(db: None) -> None:
    patient = _fading_patient()
    clinician = User.objects.get(caseload_links__patient=patient)
    today = selectors.patient_today(patient)

    page = _text(client_for(clinician).get(f"/patients/{patient.pk}/progress/"))

    # Five days 2 below usual: an early warning since the third, no alert yet.
    assert f"Mood below usual — watch, since {today - timedelta(days=2):%-d %b %Y}" in page
    assert (
        "<strong>Daily mood below its usual level</strong>: mood 5.0 on average over 3 "
        f"check-ins since {(today - timedelta(days=4)).isoformat()}, 2.0 below its usual 7."
    ) in page
    assert "An early warning: no alert has been raised." in page
    assert "Mood before the course 3.0, after it 7.0" in page
    # What the slide-and-floor fit found (decision 0006, fourteenth amendment).
    assert "Fitted to the check-ins: mood about 3.0 before the course and 7.0 after it" in page


def test_progress_page_runs_the_same_queries_with_10_or_200_check_ins(
    db: None, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page

    def visit(moods: int) -> tuple[Client, str, int]:
        patient = factories.PatientFactory()
        course = factories.make_course(patient)
        factories.make_session(
            course, status="completed", completed_at=timezone.now() - timedelta(days=5)
        )
        _completed_phq9(patient, 1, days_ago=3)
        _daily_check_ins(
            patient, [day % 11 for day in range(moods)], last_day=selectors.patient_today(patient)
        )
        client = client_for(patient)
        url = f"/patients/{patient.pk}/progress/"
        client.get(url)  # warm caches (instrument registry, keys)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return client, url, len(queries)

    _, _, few = visit(10)
    client, url, _ = visit(200)

    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    assert _text(response).count('<tr><th scope="row">') >= 200
