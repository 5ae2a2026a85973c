"""The demo's support circle: Maya's sister Ana accepted her invitation; Maya shares one
entry and two standing categories with her, another entry with her care team; Ana sent a note
and answered a check-in request. Every write goes through the services."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from claywork.accounts.models import User
from claywork.circle import services as circle
from claywork.journal.models import Entry
from claywork.sharing import services as sharing
from claywork.sharing.models import Category

if TYPE_CHECKING:
    from claywork.core.demo import DemoLogin

ANA_EMAIL = "ana@clayhill.example"


def seed_demo_circle(*, maya: User) -> DemoLogin:
    from claywork.core.demo import DEMO_PASSWORD, DemoLogin

    member, token = circle.member_invite(
        patient=maya, email=ANA_EMAIL, full_name="Ana Rivera", relationship="sister"
    )
    member, ana = circle.invitation_accept_new(
        token=token, full_name="Ana Rivera", password=DEMO_PASSWORD, timezone_name=maya.timezone
    )
    entries = {entry.title: entry for entry in Entry.objects.filter(patient=maya)}
    if "The ocean" in entries:
        sharing.share_item(patient=maya, item=entries["The ocean"], person=ana)
    if "The half-open door" in entries:
        sharing.share_item(patient=maya, item=entries["The half-open door"], care_team=True)
    for category in (Category.SESSION_DATES, Category.WEEKLY_MOOD):
        sharing.share_category(patient=maya, category=category, person=ana)
    circle.note_send(
        member=member,
        text="Proud of you for going back on Thursday. Soup is in your freezer.",
        submission_id=uuid.uuid4(),
    )
    request, _ = circle.check_in_request_send(
        patient=maya, member=member, message="A walk with the dog?", submission_id=uuid.uuid4()
    )
    circle.check_in_request_answer(
        check_in_request=request, answer="yes", reply="Saturday morning, I'll bring coffee."
    )
    return DemoLogin(ana.get_role_display(), ana.full_name, ana.email)
