"""Reads of what is shared: the patient's sharing page, and what one reader may see of one
patient (a support person's feed, the care team's page). Query counts do not grow with the
number of items (pinned in the tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from claywork.accounts.models import User
from claywork.care.models import Session, SessionStatus
from claywork.circle.models import CircleMember, MemberStatus
from claywork.core import policy
from claywork.core.policy import AnyUser
from claywork.journal.models import Entry
from claywork.measures.selectors import effect_inputs, patient_today
from claywork.practice.models import Goal, GoalCheck
from claywork.sharing.models import Category, Share

FEED_LIMIT = 25
MOOD_WEEKS = 6
SESSION_DATES_PAST_DAYS = 120
WINS_DAYS = 14

# A deleted entry waits a few seconds for an undo before it is purged with its shares; in
# that time no list shows it (journal.services.entry_delete).
NOT_A_DELETED_ENTRY = Q(entry__isnull=True) | Q(entry__deleted_at__isnull=True)


@dataclass(frozen=True)
class Audience:
    """Someone the patient can share with: "care_team" or "person:<user id>"."""

    key: str
    label: str


@dataclass(frozen=True)
class MoodWeek:
    starts_on: date
    average: float
    check_ins: int


@dataclass(frozen=True)
class GoalWins:
    goal: Goal
    days_done: int  # in the last ``WINS_DAYS`` days
    last_done: date | None


@dataclass
class SharedView:
    """What one reader may see of one patient, newest first."""

    patient: User
    items: list[Share] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    mood_weeks: list[MoodWeek] = field(default_factory=list)
    session_dates: list[Session] = field(default_factory=list)
    goals_and_wins: list[GoalWins] = field(default_factory=list)
    # The id to pass as ``before`` for the next, older page of items; None on the last page.
    older_than: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.items and not self.categories


def audiences_for(patient: User) -> list[Audience]:
    """The care team (when the patient has one) and each person who accepted an invitation."""
    audiences = []
    if policy.care_team_of(patient).exists():
        audiences.append(Audience("care_team", "My care team"))
    members = CircleMember.objects.filter(
        patient=patient, status=MemberStatus.ACCEPTED, person__isnull=False
    ).only("patient_id", "person_id", "full_name_sealed", "relationship_sealed")
    for member in members:
        label = f"{member.full_name} ({member.relationship})" if member.relationship else ""
        audiences.append(Audience(f"person:{member.person_id}", label or member.full_name))
    return audiences


@dataclass(frozen=True)
class SharingRow:
    """One line of the patient's sharing page, with its words and links worked out."""

    share_id: int
    kind: str  # "Journal entry", "Goal", or the category's name
    label: str  # the entry's or goal's title; "" for a category
    item_url: str
    audience: str
    since: str
    ended: str
    revoke_url: str


def _url_for_ids(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[id])`` for many ids, reversing once (a ``{% url %}`` per row was
    a third of the sharing page's time)."""
    marker = 2_147_483_647
    before, after = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def _day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def sharing_rows(patient: User, *, live: bool, limit: int | None = None) -> list[SharingRow]:
    """What the patient shares now (``live``), newest first; or what they stopped sharing,
    most recently stopped first. Three queries, whatever the number of shares."""
    shares = (
        Share.objects.filter(patient=patient, revoked_at__isnull=live)
        .filter(NOT_A_DELETED_ENTRY)
        .select_related("entry", "goal")
        .defer("entry__body_sealed")
        .order_by(*(("-created_at", "-pk") if live else ("-revoked_at", "-pk")))
    )
    names = patient_names(patient)
    entry_url, revoke_url = _url_for_ids("journal:entry_detail"), _url_for_ids("sharing:revoke")
    goals_url = reverse("practice:goals")
    rows = []
    for share in shares[:limit] if limit else shares:
        if share.entry is not None:
            kind, label = "Journal entry", share.entry.title or "Untitled entry"
            item_url = entry_url(share.entry.pk)
        elif share.goal is not None:
            kind, label, item_url = "Goal", share.goal.title, goals_url
        else:
            kind, label, item_url = share.get_category_display(), "", ""
        if share.care_team:
            audience = "My care team"
        else:
            audience = names.get(share.person_id or 0, "someone no longer in your circle")
        rows.append(
            SharingRow(
                share_id=share.pk,
                kind=kind,
                label=label,
                item_url=item_url,
                audience=audience,
                since=_day(share.created_at),
                ended=_day(share.revoked_at),
                revoke_url=revoke_url(share.pk),
            )
        )
    return rows


def live_shares_of_item(*, item: Entry | Goal) -> list[Share]:
    field_name = "entry" if isinstance(item, Entry) else "goal"
    return list(
        Share.objects.filter(**{field_name: item}, revoked_at__isnull=True)
        .select_related("person")
        .order_by("created_at")
    )


def live_goal_shares_by_goal(patient: User) -> dict[int, list[Share]]:
    """All live shares of the patient's goals, by goal id: one query for a whole goals page."""
    by_goal: dict[int, list[Share]] = {}
    shares = (
        Share.objects.filter(patient=patient, goal__isnull=False, revoked_at__isnull=True)
        .select_related("person")
        .order_by("created_at")
    )
    for share in shares:
        by_goal.setdefault(share.goal_id, []).append(share)  # type: ignore[arg-type]
    return by_goal


def patient_names(patient: User) -> dict[int, str]:
    """The patient's names for their circle members, by account id (for "shared with")."""
    members = CircleMember.objects.filter(patient=patient, person__isnull=False)
    return {
        member.person_id: member.full_name for member in members if member.person_id is not None
    }


def shared_view(
    *, reader: AnyUser, patient: User, care_team: bool, before: int | None = None
) -> SharedView:
    """What ``reader`` may see of ``patient``: shared with the care team (``care_team``) or
    with them as a person. Entries and goals newest shared first, ``FEED_LIMIT`` at a time
    (``before``: a share id, for the older ones), then the standing shares."""
    shares = policy.live_shares_for(reader).filter(patient=patient)
    shares = shares.filter(care_team=True) if care_team else shares.filter(person_id=reader.pk)
    view = SharedView(patient=patient)
    items = shares.filter(category="").filter(NOT_A_DELETED_ENTRY)
    if before is not None:
        items = items.filter(pk__lt=before)
    view.items = list(
        items.select_related("entry", "goal")
        .prefetch_related("entry__tags")
        .order_by("-pk")[: FEED_LIMIT + 1]
    )
    if len(view.items) > FEED_LIMIT:
        view.items = view.items[:FEED_LIMIT]
        view.older_than = view.items[-1].pk
    view.categories = set(shares.exclude(category="").values_list("category", flat=True))
    if Category.WEEKLY_MOOD in view.categories:
        view.mood_weeks = weekly_mood(patient=patient)
    if Category.SESSION_DATES in view.categories:
        view.session_dates = session_dates(patient=patient)
    if Category.GOALS_AND_WINS in view.categories:
        view.goals_and_wins = goals_and_wins(patient=patient)
    return view


def weekly_mood(*, patient: User, weeks: int = MOOD_WEEKS) -> list[MoodWeek]:
    """Average daily-check-in mood per week (Monday to Sunday, the patient's zone), the latest
    ``weeks`` weeks that had a check-in, newest first. Numbers only: notes stay private."""
    today = patient_today(patient)
    first_monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    by_week: dict[date, list[int]] = {}
    for day, mood in effect_inputs(patient_id=patient.pk).mood:
        if day >= first_monday:
            by_week.setdefault(day - timedelta(days=day.weekday()), []).append(mood)
    return [
        MoodWeek(starts_on=monday, average=round(fmean(moods), 1), check_ins=len(moods))
        for monday, moods in sorted(by_week.items(), reverse=True)
    ]


def session_dates(*, patient: User, now: datetime | None = None) -> list[Session]:
    """Upcoming sessions and those of the last months: dates and state only, newest first."""
    since = (now or timezone.now()) - timedelta(days=SESSION_DATES_PAST_DAYS)
    return list(
        Session.objects.filter(patient=patient, scheduled_at__gte=since)
        .exclude(status=SessionStatus.CANCELLED)
        .only("pk", "scheduled_at", "status", "started_at", "completed_at")
        .order_by("-scheduled_at")
    )


def goals_and_wins(*, patient: User) -> list[GoalWins]:
    """The patient's active goals, with how many of the last two weeks' days they were done."""
    since = patient_today(patient) - timedelta(days=WINS_DAYS - 1)
    goals = Goal.objects.filter(patient=patient, is_active=True).prefetch_related(
        Prefetch(
            "checks",
            queryset=GoalCheck.objects.filter(day__gte=since).order_by("-day"),
            to_attr="recent_checks",
        )
    )
    return [
        GoalWins(
            goal=goal,
            days_done=len(goal.recent_checks),  # type: ignore[attr-defined]
            last_done=goal.recent_checks[0].day if goal.recent_checks else None,  # type: ignore[attr-defined]
        )
        for goal in goals
    ]


def patients_supported(reader: AnyUser) -> list[CircleMember]:
    """The circles the reader is an accepted member of, with the patient, by name."""
    if not reader.is_authenticated:
        return []
    return list(
        CircleMember.objects.filter(
            person=reader,
            status=MemberStatus.ACCEPTED,
            patient__in=policy.patients_supported_by(reader),
        )
        .select_related("patient")
        .order_by("patient__full_name")
    )


def shared_counts_for(reader: AnyUser) -> dict[int, int]:
    """How many things (entries, goals, standing categories) each patient shares with the
    reader as a person right now. One query; counts only, no content."""
    rows = (
        policy.live_shares_for(reader)
        .filter(person_id=reader.pk)
        .filter(NOT_A_DELETED_ENTRY)
        .values("patient_id")
        .annotate(count=Count("pk"))
    )
    return {row["patient_id"]: row["count"] for row in rows}
