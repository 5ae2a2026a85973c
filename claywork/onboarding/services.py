"""Writes to a patient's first-run checklist: skip a step, take it up again, read the guide."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from claywork.accounts.models import User
from claywork.onboarding.models import OnboardingState
from claywork.onboarding.steps import STEP_KEYS


def _locked_state(patient: User) -> OnboardingState:
    state, _ = OnboardingState.objects.select_for_update().get_or_create(patient=patient)
    return state


def step_skip(*, patient: User, key: str) -> None:
    if key not in STEP_KEYS:
        raise ValueError(f"no first step called {key!r}")
    with transaction.atomic():
        state = _locked_state(patient)
        if key not in state.skipped:
            state.skipped = [*state.skipped, key]
            state.save(update_fields=["skipped", "updated_at"])


def step_resume(*, patient: User, key: str) -> None:
    if key not in STEP_KEYS:
        raise ValueError(f"no first step called {key!r}")
    with transaction.atomic():
        state = _locked_state(patient)
        if key in state.skipped:
            state.skipped = [name for name in state.skipped if name != key]
            state.save(update_fields=["skipped", "updated_at"])


def guide_mark_read(*, patient: User) -> None:
    with transaction.atomic():
        state = _locked_state(patient)
        if state.guide_read_at is None:
            state.guide_read_at = timezone.now()
            state.save(update_fields=["guide_read_at", "updated_at"])
