"""Secure messages between a patient and their care team: who reads what, sending once,
drafts of what could not be sent, read receipts, handing a thread over, crisis screening,
the new-message e-mail and constant queries on a long thread."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claywork.care import services as care
from claywork.core import policy
from claywork.messaging import selectors, services
from claywork.messaging.delivery import notices_send_due
from claywork.messaging.models import Message, MessageDraft, MessageNotice, Thread
from claywork.safety import free_text
from claywork.safety.models import Alert, AlertDelivery
from tests import factories
from tests.conftest import Personas, client_for

CRISIS = "the lanternfish-canary wants to end it all"


@dataclass(frozen=True)
class StandInResult:
    flag: bool
    reason: str
    matched: str

    @property
    def level(self) -> str:
        return "crisis" if self.flag else "none"


@pytest.fixture(autouse=True)
def detector(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in detector that flags one phrase keeps these tests about the hook.
    monkeypatch.setattr(
        free_text, "screen_text", lambda text: StandInResult(CRISIS in text, "", "")
    )


def start(p: Personas, body: str = "Can we move Thursday?", subject: str = "Thursday") -> Thread:
    thread, _ = services.thread_start(
        patient=p.patient,
        author=p.patient,
        subject=subject,
        body=body,
        submission_id=uuid.uuid4(),
    )
    return thread


def send(thread: Thread, author: Any, body: str) -> Message:
    return services.message_send(
        thread=thread, author=author, body=body, submission_id=uuid.uuid4()
    ).message


def form(body: str, **extra: str) -> dict[str, str]:
    return {"body": body, "submission_id": str(uuid.uuid4()), **extra}


# --- Policy ---------------------------------------------------------------------------------


def test_patient_and_their_care_team_see_the_thread_and_no_one_else(personas: Personas) -> None:
    p = personas
    thread = start(p)

    readers = {
        name
        for name in (
            "patient",
            "other_patient",
            "care_clinician",
            "outside_clinician",
            "other_clinic_clinician",
            "clinic_admin",
            "support_person",
        )
        if policy.threads_visible_to(p.role(name)).filter(pk=thread.pk).exists()
    }

    assert readers == {"patient", "care_clinician"}


def test_clinician_removed_from_the_care_team_loses_the_thread_on_the_next_request(
    personas: Personas,
) -> None:
    p = personas
    thread = start(p)
    guide = client_for(p.care_clinician)
    assert guide.get(f"/messages/{thread.pk}/").status_code == 200

    care.care_team_remove(patient=p.patient, clinician=p.care_clinician)

    assert guide.get(f"/messages/{thread.pk}/").status_code == 404
    assert guide.post(f"/messages/{thread.pk}/", form("Still here?")).status_code == 404
    assert thread.messages.count() == 1


def test_only_patients_of_a_clinic_start_threads_and_only_care_team_write_first(
    personas: Personas,
) -> None:
    p = personas
    assert policy.may_write_messages(p.patient)
    assert not policy.may_write_messages(p.care_clinician)
    assert not policy.may_write_messages(p.support_person)
    assert policy.may_start_thread_with(p.care_clinician, p.patient.pk)
    assert not policy.may_start_thread_with(p.outside_clinician, p.patient.pk)
    assert not policy.may_start_thread_with(p.clinic_admin, p.patient.pk)


# --- Sending --------------------------------------------------------------------------------


def test_message_text_is_stored_sealed(personas: Personas) -> None:
    thread = start(personas, body="The plum tree is flowering.", subject="Plum")
    row = Message.objects.values("body_sealed").get(thread=thread)

    assert "plum" not in row["body_sealed"].lower()
    assert "Plum" not in Thread.objects.values_list("subject_sealed", flat=True).get()
    assert Message.objects.get(thread=thread).body == "The plum tree is flowering."


def test_the_same_submission_twice_makes_one_message(personas: Personas) -> None:
    p = personas
    thread = start(p)
    sent = form("Only once, please.")
    patient = client_for(p.patient)

    first = patient.post(f"/messages/{thread.pk}/", sent)
    second = patient.post(f"/messages/{thread.pk}/", sent)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert thread.messages.filter(submission_id=sent["submission_id"]).count() == 1


def test_starting_a_thread_twice_with_one_submission_makes_one_thread(personas: Personas) -> None:
    p = personas
    data = form("Hello", subject="Once")
    patient = client_for(p.patient)

    patient.post("/messages/new/", data)
    patient.post("/messages/new/", data)

    assert Thread.objects.filter(patient=p.patient).count() == 1
    assert Message.objects.filter(patient=p.patient).count() == 1


def test_a_message_one_character_too_long_is_refused_and_kept_as_a_draft(
    personas: Personas, settings: Any
) -> None:
    p = personas
    thread = start(p)
    words = "w" * (settings.CLAYWORK_MAX_ENTRY_CHARS + 1)

    response = client_for(p.patient).post(f"/messages/{thread.pk}/", form(words))

    assert response.status_code == 400
    assert "longer than 100,000 characters" in response.content.decode()
    assert thread.messages.count() == 1
    draft = MessageDraft.objects.get(author=p.patient, draft_key=f"thread-{thread.pk}")
    assert draft.content == words
    assert "w" * 100 not in draft.content_sealed
    # The next visit offers the words again.
    again = client_for(p.patient).get(f"/messages/{thread.pk}/").content.decode()
    assert "We restored your unsent draft" in again


def test_sending_after_a_refused_message_clears_the_draft(personas: Personas) -> None:
    p = personas
    thread = start(p)
    patient = client_for(p.patient)
    patient.post(f"/messages/{thread.pk}/", form("   "))
    assert MessageDraft.objects.filter(author=p.patient).exists()

    patient.post(f"/messages/{thread.pk}/", form("Now with words."))

    assert not MessageDraft.objects.filter(author=p.patient).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"body": "Hi"},
        {"body": "Hi", "submission_id": "not-a-uuid"},
        {"body": "\x00", "submission_id": str(uuid.uuid4())},
        {"body": ["a", "b"], "submission_id": str(uuid.uuid4())},
    ],
)
def test_bad_input_is_a_clear_error_never_a_server_error(
    personas: Personas, data: dict[str, Any]
) -> None:
    p = personas
    thread = start(p)
    patient = client_for(p.patient)

    assert patient.post(f"/messages/{thread.pk}/", data).status_code in (302, 400)
    assert patient.post("/messages/new/", data).status_code in (302, 400)
    assert patient.get(f"/messages/{thread.pk}/?before=abc").status_code == 200
    assert patient.get(f"/messages/{thread.pk}/?before=99999999999999999999").status_code == 200


def test_patients_message_reaches_the_care_team_as_it_is_now(personas: Personas) -> None:
    p = personas
    thread = start(p)
    newcomer = factories.ClinicianFactory(clinic=p.patient.clinic, full_name="Nia Newcomer")
    factories.add_to_care_team(p.patient, newcomer)
    care.care_team_remove(patient=p.patient, clinician=p.care_clinician)
    MessageNotice.objects.all().delete()

    send(thread, p.patient, "Is anyone there?")

    assert set(MessageNotice.objects.values_list("recipient_id", flat=True)) == {newcomer.pk}
    assert client_for(newcomer).get(f"/messages/{thread.pk}/").status_code == 200


# --- Reading --------------------------------------------------------------------------------


def test_read_receipts_follow_each_side(personas: Personas) -> None:
    p = personas
    thread = start(p)

    mine = selectors.thread_page(thread, p.patient).messages[0]
    assert mine.mine and not mine.read

    client_for(p.care_clinician).get(f"/messages/{thread.pk}/")
    mine = selectors.thread_page(thread, p.patient).messages[0]
    assert mine.read

    reply = send(thread, p.care_clinician, "Yes, Friday works.")
    shown = selectors.thread_page(thread, p.care_clinician).messages[-1]
    assert shown.message == reply and not shown.read
    client_for(p.patient).get(f"/messages/{thread.pk}/")
    assert selectors.thread_page(thread, p.care_clinician).messages[-1].read


def test_the_thread_page_marks_new_messages_names_each_side_and_shows_receipts(
    personas: Personas,
) -> None:
    p = personas
    thread = start(p, body="Is <b>Friday</b> & 3pm ok?")
    first = thread.messages.get()

    clinician_page = client_for(p.care_clinician).get(f"/messages/{thread.pk}/").content.decode()
    patient_name = p.patient.full_name

    assert f'id="message-{first.pk}" class="card message message-new"' in clinician_page
    assert '<span class="badge badge-medium">New</span>' in clinician_page
    assert f"      {patient_name}\n" in clinician_page
    assert "Is &lt;b&gt;Friday&lt;/b&gt; &amp; 3pm ok?" in clinician_page
    # The clinician sees no receipt on the patient's message: receipts are for one's own side.
    assert "read-receipt" not in clinician_page

    send(thread, p.care_clinician, "Friday works.")
    patient_page = client_for(p.patient).get(f"/messages/{thread.pk}/").content.decode()

    assert f'id="message-{first.pk}" class="card message message-mine"' in patient_page
    assert "      You\n" in patient_page and f"      {p.care_clinician.full_name}\n" in patient_page
    # The patient's message was read by the care team; not the last message, so no time.
    assert '<p class="muted read-receipt">Read</p>' in patient_page
    assert patient_page.count("message-new") == 1
    again = client_for(p.patient).get(f"/messages/{thread.pk}/").content.decode()
    assert "message-new" not in again
    # The clinician's reply, the last message, was read by the patient: with the time.
    clinician_again = client_for(p.care_clinician).get(f"/messages/{thread.pk}/").content.decode()
    assert '<p class="muted read-receipt">Read ' in clinician_again
    assert '<p class="muted read-receipt">Read</p>' not in clinician_again


def test_unread_count_counts_the_other_sides_messages_until_opened(personas: Personas) -> None:
    p = personas
    thread = start(p)
    send(thread, p.patient, "And one more thing.")

    assert selectors.unread_count(p.care_clinician) == 2
    assert selectors.unread_count(p.patient) == 0
    assert selectors.unread_count(p.outside_clinician) == 0
    badge = client_for(p.care_clinician).get("/messages/unread/").content.decode()
    assert "2<span" in badge

    assert [row.unread for row in selectors.inbox(p.care_clinician)] == [True]
    assert [row.unread for row in selectors.inbox(p.patient)] == [False]

    client_for(p.care_clinician).get(f"/messages/{thread.pk}/")

    assert selectors.unread_count(p.care_clinician) == 0
    assert [row.unread for row in selectors.inbox(p.care_clinician)] == [False]
    send(thread, p.care_clinician, "Got it.")
    assert selectors.unread_count(p.patient) == 1


def test_every_read_by_the_care_team_is_audited_and_the_patients_own_are_not(
    personas: Personas,
) -> None:
    from claywork.audit.models import AuditEvent

    p = personas
    thread = start(p)
    client_for(p.patient).get(f"/messages/{thread.pk}/")
    client_for(p.care_clinician).get(f"/messages/{thread.pk}/")
    client_for(p.care_clinician).get("/messages/")

    events = set(AuditEvent.objects.values_list("actor_id", "resource", "object_id"))
    assert (p.care_clinician.pk, "messaging.thread", str(thread.pk)) in events
    assert (p.care_clinician.pk, "messaging.inbox", "") in events
    assert not AuditEvent.objects.filter(actor=p.patient).exists()


def test_a_500_message_thread_page_takes_as_many_queries_as_a_short_one(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0  # the view's own queries, not a stored page's
    p = personas
    warm, short, long = start(p), start(p), start(p)
    Message.objects.bulk_create(
        [
            Message(
                thread=long,
                patient=p.patient,
                author=p.care_clinician if n % 2 else p.patient,
                from_patient=not n % 2,
                body_sealed=Message.objects.get(thread=long).body_sealed,
                submission_id=uuid.uuid4(),
            )
            for n in range(499)
        ]
    )
    guide = client_for(p.care_clinician)
    guide.get(f"/messages/{warm.pk}/")  # the data key is unwrapped once per process

    # A first visit (marks the thread read) and a second one, to each thread.
    counts = []
    for thread in (short, long, short, long):
        with CaptureQueriesContext(connection) as queries:
            page = guide.get(f"/messages/{thread.pk}/")
        assert page.status_code == 200
        counts.append(len(queries))

    assert "Earlier messages" in page.content.decode()
    assert counts[0] == counts[1] and counts[2] == counts[3], counts


def long_thread(p: Personas, length: int) -> Thread:
    """A thread of ``length`` messages, the patient's and the care team's taking turns."""
    thread = start(p)
    sealed = Message.objects.get(thread=thread).body_sealed
    Message.objects.bulk_create(
        [
            Message(
                thread=thread,
                patient=p.patient,
                author=p.care_clinician if n % 2 else p.patient,
                from_patient=not n % 2,
                body_sealed=sealed,
                submission_id=uuid.uuid4(),
            )
            for n in range(1, length)
        ]
    )
    return thread


def shown_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li id="message-(\d+)"', html)]


def earlier(client: Any, thread: Thread, before: int, since: int = 0) -> str:
    url = f"/messages/{thread.pk}/earlier/?before={before}&since={since}"
    answer = client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    return str(answer.content.decode())


def test_a_long_thread_shows_its_newest_50_and_loads_the_earlier_ones_50_at_a_time(
    personas: Personas,
) -> None:
    p = personas
    thread = long_thread(p, 120)
    every_id = list(thread.messages.order_by("pk").values_list("pk", flat=True))
    guide = client_for(p.care_clinician)

    page = guide.get(f"/messages/{thread.pk}/").content.decode()
    newest = shown_ids(page)
    second = earlier(guide, thread, newest[0])
    oldest = earlier(guide, thread, shown_ids(second)[0])

    assert newest == every_id[-50:]
    assert shown_ids(second) == every_id[-100:-50]
    assert shown_ids(oldest) == every_id[:20]
    # The control: a link that works without script (the full page of the earlier ones) and
    # that htmx swaps for the earlier messages; none once the first message is shown.
    assert f'href="/messages/{thread.pk}/?before={newest[0]}"' in page
    assert f'hx-get="/messages/{thread.pk}/earlier/?before={newest[0]}&amp;since=0"' in page
    assert "Earlier messages" in second
    assert "Earlier messages" not in oldest
    assert "Not for emergencies" in page
    no_script = guide.get(f"/messages/{thread.pk}/?before={newest[0]}").content.decode()
    assert shown_ids(no_script) == every_id[-100:-50]


def test_earlier_messages_keep_their_new_marks_and_read_receipts(personas: Personas) -> None:
    p = personas
    thread = long_thread(p, 60)
    patient = client_for(p.patient)
    patient.get(f"/messages/{thread.pk}/")  # the patient has read the care team's messages
    guide = client_for(p.care_clinician)

    page = guide.get(f"/messages/{thread.pk}/").content.decode()  # marks all 60 read
    first_shown = shown_ids(page)[0]
    older = earlier(guide, thread, first_shown, since=0)
    older_for_patient = earlier(patient, thread, first_shown, since=first_shown)

    # New to the clinician when they opened the thread: the patient's 5 earlier messages too.
    assert older.count("message-new") == 5
    # The care team's earlier messages, read by the patient: "Read" on the clinician's side.
    assert older.count('<p class="muted read-receipt">Read</p>') == 5
    # The patient's own earlier messages, read by the clinician just now.
    assert older_for_patient.count('<p class="muted read-receipt">Read</p>') == 5
    assert "message-new" not in older_for_patient


def test_earlier_messages_are_audited_for_the_care_team_and_not_for_the_patient(
    personas: Personas,
) -> None:
    from claywork.audit.models import AuditEvent

    p = personas
    thread = long_thread(p, 60)
    first_shown = shown_ids(client_for(p.patient).get(f"/messages/{thread.pk}/").content.decode())
    earlier(client_for(p.patient), thread, first_shown[0])
    before = AuditEvent.objects.count()

    earlier(client_for(p.care_clinician), thread, first_shown[0])

    event = AuditEvent.objects.order_by("pk").last()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.actor_id, event.resource, event.object_id) == (
        p.care_clinician.pk,
        "messaging.thread",
        str(thread.pk),
    )
    assert not AuditEvent.objects.filter(actor=p.patient).exists()


def test_earlier_messages_of_a_500_message_thread_take_as_many_queries_as_of_a_short_one(
    personas: Personas, settings: Any
) -> None:
    settings.CLAYWORK_PAGE_CACHE_SECONDS = 0
    p = personas
    short, long = long_thread(p, 60), long_thread(p, 500)
    guide = client_for(p.care_clinician)
    for thread in (short, long):
        guide.get(f"/messages/{thread.pk}/")  # read marks, the data key unwrapped

    counts = []
    for thread in (short, long):
        before = thread.messages.order_by("-pk").values_list("pk", flat=True)[49]
        with CaptureQueriesContext(connection) as queries:
            earlier(guide, thread, before)
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


def test_a_thread_page_unseals_only_the_messages_it_shows(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claywork.vault import fields

    p = personas
    thread = long_thread(p, 120)
    guide = client_for(p.care_clinician)
    guide.get(f"/messages/{thread.pk}/")
    opened: list[str] = []
    real_open = fields.open_text

    def counting_open(**kwargs: Any) -> str:
        opened.append(kwargs["context"])
        return real_open(**kwargs)

    monkeypatch.setattr(fields, "open_text", counting_open)
    page = guide.get(f"/messages/{thread.pk}/?before=999999999").content.decode()

    assert len(shown_ids(page)) == 50
    assert opened.count("messaging.message.body") == 50


def test_a_thread_page_from_memory_records_the_care_teams_read_and_shows_new_messages(
    personas: Personas,
) -> None:
    from claywork.audit.models import AuditEvent

    p = personas
    thread = start(p)
    guide = client_for(p.care_clinician)
    guide.get(f"/messages/{thread.pk}/")  # marks the patient's message read
    reads = AuditEvent.objects.filter(actor=p.care_clinician, resource="messaging.thread")
    before = reads.count()

    guide.get(f"/messages/{thread.pk}/")
    with CaptureQueriesContext(connection) as stored_view:
        again = guide.get(f"/messages/{thread.pk}/").content.decode()
    send(thread, p.patient, "One more question about Friday.")
    after_write = guide.get(f"/messages/{thread.pk}/").content.decode()

    assert reads.count() == before + 3
    # Sent from memory: no message or read mark was read for it.
    assert not any("messaging_message" in query["sql"] for query in stored_view.captured_queries)
    assert "One more question about Friday." not in again
    assert "One more question about Friday." in after_write


# --- Handing over ---------------------------------------------------------------------------


def test_a_thread_handed_to_a_colleague_tells_only_them_of_the_patients_next_message(
    personas: Personas,
) -> None:
    p = personas
    colleague = factories.ClinicianFactory(clinic=p.patient.clinic, full_name="Cole League")
    factories.add_to_care_team(p.patient, colleague)
    thread = start(p)

    response = client_for(p.care_clinician).post(
        f"/messages/{thread.pk}/hand-over/", {"to": colleague.pk}
    )
    MessageNotice.objects.all().delete()
    send(thread, p.patient, "For whoever has this now.")

    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).assigned_to == colleague
    assert list(MessageNotice.objects.values_list("recipient_id", flat=True)) == [colleague.pk]


def test_a_thread_cannot_be_handed_to_someone_off_the_care_team(personas: Personas) -> None:
    p = personas
    thread = start(p)

    response = client_for(p.care_clinician).post(
        f"/messages/{thread.pk}/hand-over/", {"to": p.outside_clinician.pk}, follow=True
    )

    assert "not on this patient" in response.content.decode()
    assert Thread.objects.get(pk=thread.pk).assigned_to is None
    with pytest.raises(services.NotOnCareTeam):
        services.thread_hand_over(thread=thread, by=p.care_clinician, to=p.outside_clinician)


def test_a_handed_over_colleague_who_left_the_team_is_passed_over(personas: Personas) -> None:
    p = personas
    colleague = factories.ClinicianFactory(clinic=p.patient.clinic)
    factories.add_to_care_team(p.patient, colleague)
    thread = start(p)
    services.thread_hand_over(thread=thread, by=p.care_clinician, to=colleague)
    care.care_team_remove(patient=p.patient, clinician=colleague)
    MessageNotice.objects.all().delete()

    send(thread, p.patient, "Hello again.")

    assert list(MessageNotice.objects.values_list("recipient_id", flat=True)) == [
        p.care_clinician.pk
    ]


# --- Crisis language ------------------------------------------------------------------------


def test_a_patients_message_with_crisis_language_alerts_the_care_team_and_shows_help(
    personas: Personas,
) -> None:
    p = personas
    thread = start(p)

    response = client_for(p.patient).post(f"/messages/{thread.pk}/", form(f"Tonight {CRISIS}."))

    assert response.status_code == 302 and response["Location"] == "/help/"
    alert = Alert.objects.get(patient=p.patient, kind="crisis_language")
    assert alert.title == "Crisis language in a message to the care team"
    assert AlertDelivery.objects.filter(alert=alert, recipient=p.care_clinician).exists()
    assert thread.messages.count() == 2


def test_the_care_teams_words_are_not_screened(personas: Personas) -> None:
    p = personas
    thread = start(p)

    send(thread, p.care_clinician, f"If you ever feel '{CRISIS}', call us.")

    assert not Alert.objects.filter(patient=p.patient).exists()


def test_crisis_language_in_a_new_threads_first_message_alerts_once(personas: Personas) -> None:
    p = personas
    data = form(CRISIS, subject="Tonight")
    patient = client_for(p.patient)

    first = patient.post("/messages/new/", data)
    patient.post("/messages/new/", data)

    assert first["Location"] == "/help/"
    assert Alert.objects.filter(patient=p.patient, kind="crisis_language").count() == 1


# --- The new-message e-mail -----------------------------------------------------------------


def test_new_message_email_names_nothing_and_links_to_the_thread(personas: Personas) -> None:
    p = personas
    thread = start(p, body="The words of the message", subject="The subject line")

    assert notices_send_due() == 1

    (email,) = mail.outbox
    text = f"{email.subject}\n{email.body}"
    assert email.to == [p.care_clinician.email]
    assert f"/messages/{thread.pk}/" in email.body
    for private in ("words of the message", "subject line", p.patient.full_name, "Pat"):
        assert private not in text


def test_a_notice_is_not_sent_once_the_message_was_read(personas: Personas) -> None:
    p = personas
    thread = start(p)
    client_for(p.care_clinician).get(f"/messages/{thread.pk}/")

    assert notices_send_due() == 0
    assert not mail.outbox


def test_one_email_per_unread_spell(personas: Personas) -> None:
    p = personas
    thread = start(p)
    send(thread, p.patient, "Two")
    send(thread, p.patient, "Three")

    assert MessageNotice.objects.filter(recipient=p.care_clinician).count() == 1
    assert notices_send_due() == 1


def test_failed_sending_is_retried_later(personas: Personas, monkeypatch: Any) -> None:
    from claywork.messaging import delivery

    p = personas
    start(p)

    def broken(notice: MessageNotice) -> Any:
        raise OSError("mail server down")

    monkeypatch.setattr(delivery, "notice_email", broken)
    assert notices_send_due() == 0
    notice = MessageNotice.objects.get()
    assert notice.state == "pending" and notice.attempts == 1 and notice.last_error == "OSError"


# --- Clinic settings ------------------------------------------------------------------------


def test_office_hours_set_by_the_clinic_admin_show_on_every_thread(personas: Personas) -> None:
    p = personas
    thread = start(p)

    saved = client_for(p.clinic_admin).post(
        "/clinic/messaging/",
        {"office_hours": "Mon–Fri 9:00–17:00", "reply_note": "We reply within a day."},
    )
    page = client_for(p.patient).get(f"/messages/{thread.pk}/").content.decode()

    assert saved.status_code == 302
    assert "Mon–Fri 9:00–17:00" in page and "We reply within a day." in page
    assert "Not for emergencies" in page and 'href="/help/"' in page


def test_office_hours_longer_than_allowed_are_a_clear_error(personas: Personas) -> None:
    response = client_for(personas.clinic_admin).post(
        "/clinic/messaging/", {"office_hours": "x" * 201, "reply_note": ""}
    )

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


@pytest.mark.parametrize("to", ["", "abc", "999999", "-1"])
def test_a_hand_over_to_no_one_is_a_clear_error(personas: Personas, to: str) -> None:
    p = personas
    thread = start(p)

    response = client_for(p.care_clinician).post(
        f"/messages/{thread.pk}/hand-over/", {"to": to}, follow=True
    )

    assert response.status_code == 200
    assert Thread.objects.get(pk=thread.pk).assigned_to is None


def test_a_care_team_clinician_writes_to_the_patient_first(personas: Personas) -> None:
    p = personas

    response = client_for(p.care_clinician).post(
        f"/patients/{p.patient.pk}/messages/new/", form("How was the week?", subject="Check in")
    )

    thread = Thread.objects.get(patient=p.patient)
    assert response.status_code == 302
    assert thread.started_by == p.care_clinician
    assert list(MessageNotice.objects.values_list("recipient_id", flat=True)) == [p.patient.pk]
    assert selectors.unread_count(p.patient) == 1
    outside = client_for(p.outside_clinician)
    assert outside.post(f"/patients/{p.patient.pk}/messages/new/", form("Hi")).status_code == 404
