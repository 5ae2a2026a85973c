"""How a clinician sees their caseload: the sort and filter they chose last, kept for next time."""

from __future__ import annotations

from claywork.accounts.models import User
from claywork.measures import caseload, services
from claywork.measures.models import CaseloadPreference


def chosen_view(clinician: User, sort: str | None, show: str | None) -> tuple[str, str]:
    """The sort and filter to show: those asked for (then saved), else those saved, else
    "needs attention first" over everyone. An unknown value is ignored, never saved."""
    saved = CaseloadPreference.objects.filter(clinician=clinician).first()
    asked_sort = sort if caseload.valid_sort(sort) else None
    asked_show = show if show in caseload.FILTERS else None
    chosen_sort = asked_sort or (saved.sort if saved else "") or caseload.DEFAULT_SORT
    chosen_show = asked_show or (saved.show if saved else "") or caseload.DEFAULT_FILTER
    if asked_sort or asked_show:
        services.caseload_preference_save(clinician=clinician, sort=chosen_sort, show=chosen_show)
    return chosen_sort.strip(), caseload.caseload_filter(chosen_show)
