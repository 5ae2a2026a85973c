"""A support person's home: whose circle they are in and how much each shares, never "nothing
is shared" while something is; and no link from a shared entry to a page they cannot open."""

from __future__ import annotations

import re

import pytest

from claywork.sharing import services as sharing
from tests import factories
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def _text(page: bytes) -> str:
    return re.sub(r"\s+", " ", page.decode())


def test_home_counts_what_each_person_shares_with_them(personas: Personas) -> None:
    entry = factories.make_entry(personas.patient, body="For Sue.")
    sharing.share_item(patient=personas.patient, item=entry, person=personas.support_person)
    sharing.share_category(
        patient=personas.patient, category="session_dates", person=personas.support_person
    )
    quiet = factories.PatientFactory(full_name="Quinn Quiet")
    factories.add_to_circle(quiet, personas.support_person)

    page = _text(client_for(personas.support_person).get("/").content)

    assert "Shares 2 things with you." in page
    assert "Quinn Quiet" in page and "Has not shared anything with you yet." in page
    assert "When someone invites you" not in page
    assert "For Sue." not in page  # counts only: the words are on the feed, which is audited


def test_home_of_someone_in_no_circle_says_what_will_appear() -> None:
    person = factories.SupportPersonFactory()

    page = _text(client_for(person).get("/").content)

    assert "When someone invites you to their support circle" in page


def test_a_shared_entry_links_to_its_session_only_for_those_who_may_see_it(
    personas: Personas,
) -> None:
    entry = factories.make_entry(personas.patient, session=personas.completed, body="Tide.")
    sharing.share_item(patient=personas.patient, item=entry, person=personas.support_person)
    sharing.share_item(patient=personas.patient, item=entry, care_team=True)
    link = f'href="/sessions/{personas.completed.pk}/"'

    supporter = client_for(personas.support_person).get(f"/journal/{entry.pk}/")
    clinician = client_for(personas.care_clinician).get(f"/journal/{entry.pk}/")
    patient = client_for(personas.patient).get(f"/journal/{entry.pk}/")

    assert supporter.status_code == 200 and link not in supporter.content.decode()
    assert link in clinician.content.decode()
    assert link in patient.content.decode()
    assert (
        client_for(personas.care_clinician).get(f"/sessions/{personas.completed.pk}/").status_code
        == 200
    )
