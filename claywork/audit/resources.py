"""Resource codes in plain words, for the "who has seen my data" page and the clinic's log.

Every code passed to ``audit_record`` should have a line here; an unknown code still shows, as
"Part of the care record". Labels are nouns so they read the same to the patient and to a
clinic admin, and say what kind of data it was, never what it said.
"""

from __future__ import annotations

RESOURCE_LABELS: dict[str, str] = {
    "care.record": "Care record overview",
    "care.course": "A treatment course",
    "care.session": "A session: its plan, intentions and notes",
    "care.guide_note": "A guide's note on a session",
    "care.private_note": "A clinician's private note on a session",
    "care.observation": "Observations recorded during a session",
    "care.timeline": "Integration timeline after a session",
    "care.entry_comment": "Comments on a shared journal entry",
    "care.suggestion": "Suggestions of prompts and goals",
    "journal.entry": "A journal entry",
    "measures.progress": "Check-in and questionnaire scores",
    "measures.caseload": "Score summary on the caseload",
    "measures.response": "Answers to a questionnaire",
    "measures.scores": "Check-in and questionnaire scores",
    "safety.alert": "A safety alert",
    "accounts.contact": "Phone number and emergency contact",
    "safety.alert_inbox": "Safety alerts in the care team's inbox",
    "crisis.safety_plan": "Safety plan",
    "sharing.care_team": "Items shared with the care team",
    "sharing.feed": "Items shared with the support circle",
    "themes.patient": "Themes in the journal",
    "themes.care_team": "Themes in the journal",
    "messaging.inbox": "The list of message conversations",
    "messaging.thread": "Messages with the care team",
    "messaging.message": "A message from the care team",
    "messaging.hand_over": "A conversation handed to another clinician",
    "accounts.deletion_request": "A request to delete the account",
    "accounts.account": "The whole account, erased as the patient asked",
    # The system re-keyed the lookup codes beside sealed names (``claywork rotate-index-key``).
    "vault.blind_index": "Lookup codes of sealed names recomputed for a key change",
    # About a clinician or admin, on the clinic's log: their second factor was reset.
    "accounts.second_factor": "Second factors reset by a clinic admin",
}
UNKNOWN_RESOURCE = "Part of the care record"


def resource_label(code: str) -> str:
    return RESOURCE_LABELS.get(code, UNKNOWN_RESOURCE)
