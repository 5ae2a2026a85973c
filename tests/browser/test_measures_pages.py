"""A patient checks in, answers a PHQ-9 and sees their progress drawn, under the strict CSP.

The charts are Chart.js canvases fed from `json_script` blocks by progress.js; each has a
table of the same numbers beside it. The fixture fails the test on any CSP console error.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claywork.care.models import Session
from claywork.measures.models import CheckIn, ResponseStatus, ScaleResponse
from tests import factories
from tests.browser.conftest import ClinicPeople, Visit

PHQ9_ANSWERS = ["Several days"] * 4 + ["Not at all"] * 5  # total 4, no self-harm answer


@pytest.mark.browser
def test_patient_checks_in_answers_a_phq9_and_sees_the_charts(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    patient = clinic_people.patient
    course = factories.make_course(patient, clinic_people.clinician)
    session = factories.make_session(course, status="completed")
    Session.objects.filter(pk=session.pk).update(completed_at=timezone.now() - timedelta(days=3))
    me = visit(patient, name="patient")

    # Home says today's check-in is not done; one tap saves the mood, the extras follow.
    expect(me.page.get_by_role("region", name="Today's check-in")).to_contain_text("Not done yet")
    me.follow(me.nav_link("Check-in"))
    me.follow(me.page.get_by_role("button", name="Good"))
    expect(me.page.get_by_role("status")).to_contain_text("Saved: Good.")
    me.page.get_by_role("group", name="Anxiety").get_by_text("3", exact=True).click()
    me.page.get_by_role("group", name="Energy").get_by_text("6", exact=True).click()
    me.page.get_by_label("Hours slept").fill("7.5")
    me.follow(me.page.get_by_role("button", name="Save", exact=True))
    expect(me.page.get_by_role("status")).to_contain_text("Check-in saved.")
    expect(me.page.get_by_role("region", name="Today's check-in")).to_contain_text("Mood 7")
    check_in = CheckIn.objects.get(patient=patient)
    assert (check_in.mood, check_in.anxiety, check_in.energy) == (7, 3, 6)

    # The PHQ-9 is due; answer the nine scored items (the tenth, on difficulty, is optional).
    me.follow(me.page.get_by_role("link", name="Answer PHQ-9"))
    items = me.page.locator("fieldset.scale-item")
    expect(items).to_have_count(10)
    for index, answer in enumerate(PHQ9_ANSWERS):
        items.nth(index).get_by_label(answer, exact=True).check()
    me.follow(me.page.get_by_role("button", name="Submit"))
    expect(me.page.get_by_role("heading", name="Total: 4 of 27")).to_be_visible()
    response = ScaleResponse.objects.get(patient=patient)
    assert response.status == ResponseStatus.COMPLETE and response.total == 4

    # The progress page draws both charts, each with its table.
    me.follow(me.nav_link("Progress"))
    assert me.page.url == me.url(f"/patients/{patient.pk}/progress/")
    for source, caption in [
        ("chart-phq9-data", "PHQ-9 totals, newest first"),
        ("chart-mood-data", "Daily mood and 7-day mean, newest first"),
    ]:
        canvas = me.page.locator(f"canvas[data-chart-source={source}]")
        expect(canvas).to_be_visible()
        drawn = canvas.evaluate("(element) => Boolean(window.Chart.getChart(element))")
        assert drawn, f"{source} was not drawn"
        box = canvas.bounding_box()
        assert box is not None and box["height"] > 100, source
        expect(me.page.get_by_role("table", name=caption)).to_be_visible()
    phq9_table = me.page.get_by_role("table", name="PHQ-9 totals, newest first")
    expect(phq9_table.get_by_role("row")).to_have_count(2)
    expect(phq9_table).to_contain_text("Minimal")
    # The session is drawn as an annotation line on each chart.
    lines = me.page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas[data-chart-source]")).map(
            (element) => Object.keys(
                window.Chart.getChart(element).options.plugins.annotation.annotations
            ).length
        )"""
    )
    assert lines == [1, 1]

    # The questionnaires page lists the answered PHQ-9 in the history.
    me.goto("/scales/")
    history = me.page.get_by_role("table", name="Completed questionnaires, newest first")
    expect(history.get_by_role("row").nth(1)).to_contain_text("PHQ-9")
    assert me.csp_errors == []
