"""A few audit events for the demo clinic, so "Who has seen my data" and the clinic's access
log have something to show. Written through the same service the pages use."""

from __future__ import annotations

from claywork.accounts.models import User
from claywork.audit.services import audit_record


def seed_demo_audit(*, patient: User, guide: User, therapist: User) -> None:
    for actor, action, resource in (
        (guide, "read", "measures.caseload"),
        (guide, "read", "measures.progress"),
        (therapist, "read", "crisis.safety_plan"),
        (therapist, "write", "crisis.safety_plan"),
        (guide, "read", "care.session"),
        (None, "export", "measures.scores"),
    ):
        audit_record(
            actor=actor,
            patient=patient,
            action=action,
            resource=resource,
            route="demo" if actor is not None else "command:export",
        )
