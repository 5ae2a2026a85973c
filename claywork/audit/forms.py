from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from claywork.accounts.models import Role, User

# A name that matches more patients than this narrows to the first of them; type more of it.
NAME_MATCHES = 50


class CursorForm(forms.Form):
    """``?before=`` / ``?after=``: the keyset cursors of the log pages; junk is ignored."""

    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def cursors(self) -> tuple[int | None, int | None]:
        if not self.is_valid():
            return None, None
        return self.cleaned_data["before"], self.cleaned_data["after"]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class ClinicLogFilterForm(CursorForm):
    """A clinic admin narrows the clinic's log to one patient (chosen from a row, or by name),
    one member of staff, some days. Patients are not offered as a list: a clinic has
    thousands, and a select that long is slow to send and to use on a phone."""

    patient = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(
        required=False,
        max_length=100,
        label="Patient's name",
        help_text="Part of a name or e-mail address is enough.",
    )
    actor = PersonChoiceField(
        queryset=User.objects.none(), required=False, label="Who (clinic staff)"
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patients = people.filter(role=Role.PATIENT)
        self.fields["patient"].queryset = self.patients  # type: ignore[attr-defined]
        staff = people.exclude(role=Role.PATIENT).order_by("full_name", "pk")
        self.fields["actor"].queryset = staff  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "Choose a day on or after the first day.")
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid form filters nothing (its errors are shown)."""
        if not self.is_valid():
            return {}
        filters = {key: self.cleaned_data[key] for key in ("patient", "actor", "since", "until")}
        name = self.cleaned_data["name"].strip()
        if name:
            matches = self.patients.filter(Q(full_name__icontains=name) | Q(email__icontains=name))
            filters["patient_ids"] = list(matches.values_list("pk", flat=True)[:NAME_MATCHES])
        return filters
