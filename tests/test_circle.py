"""The support circle: invitations, their answers, removal, notes and check-in requests."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from claywork.accounts.models import Role, User
from claywork.circle import services
from claywork.circle.models import CheckInRequest, CircleMember, EncouragementNote, MemberStatus
from claywork.clinics.models import hash_token
from claywork.sharing import services as sharing
from claywork.sharing.models import Share
from tests import factories
from tests.conftest import Personas, client_for

NEW_PASSWORD = "tide-pools-and-lanterns-7"


def _invite(personas: Personas, email: str = "jo@example.test") -> tuple[CircleMember, str]:
    return services.member_invite(
        patient=personas.patient, email=email, full_name="Jo Friend", relationship="neighbour"
    )


def _accept_new(client: Client, token: str) -> object:
    return client.post(
        f"/circle/invitations/{token}/",
        {
            "full_name": "Jo Friend",
            "timezone": "Europe/London",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def _sue(personas: Personas) -> CircleMember:
    """The support persona's accepted place in the patient's circle (tests/conftest.py)."""
    return CircleMember.objects.get(patient=personas.patient, person=personas.support_person)


def _link_token(message: mail.EmailMessage) -> str:
    found = re.search(r"/circle/invitations/([\w-]+)/", message.body)
    assert found, message.body
    return found.group(1)


# --- Inviting -------------------------------------------------------------------------------


def test_patient_invites_a_person_by_email_without_health_information(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    p = personas
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client_for(p.patient).post(
            "/circle/",
            {"full_name": "Jo Friend", "email": "Jo@Example.test", "relationship": "neighbour"},
        )

    assert response.status_code == 302
    member = CircleMember.objects.with_email("jo@example.test").get(patient=p.patient)
    assert (member.full_name, member.status) == ("Jo Friend", MemberStatus.INVITED)
    (message,) = mail.outbox
    assert message.to == ["jo@example.test"]
    body = (message.subject + message.body).lower()
    for private in ("ocean", "ketamine", "session", "therapy", "clinic", "patient", "neighbour"):
        assert private not in body, private
    token = _link_token(message)
    # Only the hash is stored: the database cannot be used to accept.
    assert member.token_hash == hash_token(token)
    assert token not in str(CircleMember.objects.values_list().get(pk=member.pk))


def test_inviting_the_same_address_again_renews_the_link_without_a_second_person(
    personas: Personas,
) -> None:
    before = CircleMember.objects.count()
    first, old_token = _invite(personas)
    second, new_token = _invite(personas, email="JO@example.test ")

    assert first.pk == second.pk
    assert CircleMember.objects.count() == before + 1
    with pytest.raises(services.CircleError):
        services.invitation_for_token(old_token)
    assert services.invitation_for_token(new_token).pk == first.pk


def test_resend_button_sends_a_fresh_link_to_the_same_person(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    member, old_token = _invite(personas)
    before = CircleMember.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client_for(personas.patient).post(f"/circle/members/{member.pk}/resend/")

    assert response.status_code == 302
    assert CircleMember.objects.count() == before
    assert _link_token(mail.outbox[-1]) != old_token
    assert client_for(None).get(f"/circle/invitations/{old_token}/").status_code == 404


def test_a_patient_cannot_invite_themselves(personas: Personas) -> None:
    response = client_for(personas.patient).post(
        "/circle/", {"full_name": "Me", "email": personas.patient.email}
    )

    assert response.status_code == 400
    assert not CircleMember.objects.with_email(personas.patient.email).exists()


def test_the_circle_page_is_the_patients_alone(personas: Personas) -> None:
    member, _ = _invite(personas)
    for other in (personas.other_patient, personas.care_clinician, personas.support_person):
        client = client_for(other)
        assert client.post(f"/circle/members/{member.pk}/remove/").status_code == 404
    assert CircleMember.objects.get(pk=member.pk).status == MemberStatus.INVITED


# --- Answering ------------------------------------------------------------------------------


def test_a_new_person_accepts_with_their_own_support_account(personas: Personas) -> None:
    member, token = _invite(personas)
    client = Client()

    response = _accept_new(client, token)

    assert response.status_code == 302
    person = User.objects.get(email="jo@example.test")
    assert (person.role, person.clinic_id) == (Role.SUPPORT, None)
    member.refresh_from_db()
    assert (member.status, member.person_id, member.token_hash) == ("accepted", person.pk, None)
    # Signed in at once, and the feed is theirs.
    assert client.get(f"/supporting/{personas.patient.pk}/").status_code == 200


def test_an_invitation_link_works_once(personas: Personas) -> None:
    _, token = _invite(personas)
    assert _accept_new(Client(), token).status_code == 302

    again = _accept_new(Client(), token)

    assert again.status_code == 404
    assert User.objects.filter(email="jo@example.test").count() == 1


def test_an_expired_invitation_cannot_be_used(personas: Personas) -> None:
    member, token = _invite(personas)
    CircleMember.objects.filter(pk=member.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert Client().get(f"/circle/invitations/{token}/").status_code == 404
    assert _accept_new(Client(), token).status_code == 404
    assert not User.objects.filter(email="jo@example.test").exists()


def test_an_address_with_an_account_is_linked_not_duplicated(personas: Personas) -> None:
    p = personas
    # Any account: here another patient, who is also a friend of the patient.
    _, token = _invite(p, email=p.other_patient.email)

    signed_out = Client()
    assert b"already have an account" in signed_out.get(f"/circle/invitations/{token}/").content
    assert _accept_new(signed_out, token).status_code == 409

    response = client_for(p.other_patient).post(f"/circle/invitations/{token}/")

    assert response.status_code == 302
    assert User.objects.filter(email=p.other_patient.email).count() == 1
    member = CircleMember.objects.with_email(p.other_patient.email).get(patient=p.patient)
    assert (member.person_id, member.status) == (p.other_patient.pk, MemberStatus.ACCEPTED)
    assert p.other_patient.role == Role.PATIENT


def test_a_signed_in_different_account_is_never_swapped_in(personas: Personas) -> None:
    p = personas
    _, token = _invite(p)
    client = client_for(p.other_patient)

    assert client.post(f"/circle/invitations/{token}/").status_code == 409
    assert _accept_new(client, token).status_code == 409
    assert client.post(f"/circle/invitations/{token}/decline/").status_code == 409

    member = CircleMember.objects.with_email("jo@example.test").get(patient=p.patient)
    assert (member.status, member.person_id) == (MemberStatus.INVITED, None)
    assert not User.objects.filter(email="jo@example.test").exists()
    assert client.get("/").wsgi_request.user == p.other_patient


def test_declining_closes_the_invitation(personas: Personas) -> None:
    member, token = _invite(personas)

    response = Client().post(f"/circle/invitations/{token}/decline/")

    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.status, member.token_hash) == (MemberStatus.DECLINED, None)
    assert Client().get(f"/circle/invitations/{token}/").status_code == 404


def test_removing_a_member_ends_their_access_on_the_next_request(personas: Personas) -> None:
    p = personas
    member = _sue(p)
    sharing.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    reader = client_for(p.support_person)
    assert reader.get(f"/supporting/{p.patient.pk}/").status_code == 200
    assert reader.get(f"/journal/{p.entry.pk}/").status_code == 200

    response = client_for(p.patient).post(f"/circle/members/{member.pk}/remove/")

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.REMOVED
    assert reader.get(f"/supporting/{p.patient.pk}/").status_code == 404
    assert reader.get(f"/journal/{p.entry.pk}/").status_code == 404


def test_a_support_person_steps_back_and_loses_access_on_the_next_request(
    personas: Personas,
) -> None:
    p = personas
    member = _sue(p)
    share = sharing.share_item(patient=p.patient, item=p.entry, person=p.support_person)
    reader = client_for(p.support_person)
    assert reader.get(f"/journal/{p.entry.pk}/").status_code == 200

    response = reader.post(f"/supporting/{p.patient.pk}/leave/")

    assert response.status_code == 302 and response["Location"] == "/supporting/"
    member.refresh_from_db()
    share.refresh_from_db()
    assert member.status == MemberStatus.LEFT and share.revoked_at is not None
    assert reader.get(f"/supporting/{p.patient.pk}/").status_code == 404
    assert reader.get(f"/journal/{p.entry.pk}/").status_code == 404
    # Stepping back twice finds no membership to leave.
    assert reader.post(f"/supporting/{p.patient.pk}/leave/").status_code == 404
    circle_page = client_for(p.patient).get("/circle/").content.decode()
    assert "Stepped back" in circle_page


@pytest.mark.parametrize("status", ["invited", "declined", "removed"])
def test_only_accepted_members_can_step_back(personas: Personas, status: str) -> None:
    p = personas
    rex = factories.SupportPersonFactory(full_name="Rex")
    member = factories.add_to_circle(p.patient, rex, status=status)

    assert client_for(rex).post(f"/supporting/{p.patient.pk}/leave/").status_code == 404
    member.refresh_from_db()
    assert member.status == status


def test_a_removed_person_invited_again_sees_nothing_until_shared_anew(
    personas: Personas,
) -> None:
    p = personas
    rex = factories.SupportPersonFactory(full_name="Rex")
    factories.add_to_circle(p.patient, rex, status="removed")
    assert not Share.objects.filter(person=rex, revoked_at__isnull=True).exists()
    _, token = services.member_invite(patient=p.patient, email=rex.email, full_name="Rex")
    services.invitation_accept_as(token=token, person=rex)

    response = client_for(rex).get(f"/supporting/{p.patient.pk}/")

    assert response.status_code == 200
    assert "Nothing is shared with you right now" in response.content.decode()


# --- Notes and check-in requests ------------------------------------------------------------


def test_a_member_sends_a_note_and_the_patient_reads_it(personas: Personas) -> None:
    p = personas
    data = {"text": "Thinking of you this week.", "submission_id": str(uuid.uuid4())}
    client = client_for(p.support_person)

    assert client.post(f"/supporting/{p.patient.pk}/notes/", data).status_code == 302
    assert client.post(f"/supporting/{p.patient.pk}/notes/", data).status_code == 302

    assert EncouragementNote.objects.count() == 1
    assert "Thinking of you this week." in client_for(p.patient).get("/circle/").content.decode()
    # Sealed at rest.
    assert "Thinking" not in EncouragementNote.objects.values_list("text_sealed", flat=True)[0]


@pytest.mark.parametrize("status", ["invited", "declined", "removed"])
def test_only_accepted_members_send_notes(personas: Personas, status: str) -> None:
    p = personas
    person = factories.SupportPersonFactory()
    factories.add_to_circle(p.patient, person, status=status)
    data = {"text": "Hello", "submission_id": str(uuid.uuid4())}

    response = client_for(person).post(f"/supporting/{p.patient.pk}/notes/", data)

    assert response.status_code == 404
    assert not EncouragementNote.objects.exists()


def test_check_in_request_is_answered_once_and_the_patient_sees_the_answer(
    personas: Personas,
) -> None:
    p = personas
    member = _sue(p)
    patient = client_for(p.patient)
    ask = {"message": "A walk on Saturday?", "submission_id": str(uuid.uuid4())}
    assert patient.post(f"/circle/members/{member.pk}/check-in/", ask).status_code == 302
    assert patient.post(f"/circle/members/{member.pk}/check-in/", ask).status_code == 302
    request = CheckInRequest.objects.get()
    supporter = client_for(p.support_person)
    assert "A walk on Saturday?" in supporter.get(f"/supporting/{p.patient.pk}/").content.decode()

    supporter.post(
        f"/supporting/requests/{request.pk}/answer/", {"answer": "yes", "reply": "Saturday at 10"}
    )
    supporter.post(f"/supporting/requests/{request.pk}/answer/", {"answer": "not_this_week"})

    request.refresh_from_db()
    assert (request.answer, request.reply) == ("yes", "Saturday at 10")
    page = patient.get("/circle/").content.decode()
    assert "Yes, I will" in page
    assert "Saturday at 10" in page


def test_a_removed_member_cannot_answer_an_old_request(personas: Personas) -> None:
    p = personas
    member = _sue(p)
    request, _ = services.check_in_request_send(
        patient=p.patient, member=member, message="", submission_id=uuid.uuid4()
    )
    services.member_remove(patient=p.patient, member=member)

    response = client_for(p.support_person).post(
        f"/supporting/requests/{request.pk}/answer/", {"answer": "yes"}
    )

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.answered_at is None


def test_check_in_requests_go_only_to_accepted_members(personas: Personas) -> None:
    p = personas
    member = factories.add_to_circle(p.patient, factories.SupportPersonFactory(), status="invited")

    client_for(p.patient).post(
        f"/circle/members/{member.pk}/check-in/", {"submission_id": str(uuid.uuid4())}
    )

    assert not CheckInRequest.objects.exists()


def test_guide_page_links_the_crisis_page(client: Client) -> None:
    response = client.get("/supporting/guide/")

    assert response.status_code == 200
    assert 'href="/help/"' in response.content.decode()
