from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.boundfield import BoundWidget

from claywork.core.forms import BoundedDecimalField, health_text_field
from claywork.measures import day_tags, instruments
from claywork.measures.instruments import Instrument, Item
from claywork.measures.models import CheckIn
from claywork.measures.selectors import TagOption
from claywork.measures.services import CheckInValues, DayTags

SCORE_CHOICES = [(value, str(value)) for value in range(11)]
SAVE, SUBMIT = "save", "submit"


def score_field(label: str, low: str, high: str, *, required: bool = True) -> forms.IntegerField:
    """A 0-10 rating shown as eleven radio buttons; anything else is refused with a reason."""
    message = f"Choose a number from 0 to 10 for {label.lower()}."
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        widget=forms.RadioSelect(choices=SCORE_CHOICES),
        help_text=f"0 = {low}, 10 = {high}",
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


FACE_MESSAGE = "Tap the face closest to how you feel today."


class CheckInForm(forms.Form):
    """The one-tap check-in: a face is the mood (and submits the form); everything else is
    optional. ``current_mood`` carries a mood saved earlier today, so "Save" on the extras
    alone keeps it."""

    # The faces send 1, 3, 5, 7 or 9 (day_tags.FACES); any point of the 0-10 scale is kept.
    mood = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10,
        error_messages={
            "invalid": FACE_MESSAGE,
            "min_value": FACE_MESSAGE,
            "max_value": FACE_MESSAGE,
        },
    )
    current_mood = forms.IntegerField(
        required=False, min_value=0, max_value=10, widget=forms.HiddenInput
    )
    anxiety = score_field("Anxiety", "calm", "very anxious", required=False)
    energy = score_field("Energy", "exhausted", "full of energy", required=False)
    sleep_hours = BoundedDecimalField(
        label="Hours slept",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(24),
        step_size=Decimal("0.5"),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "invalid": "Enter the hours you slept as a number, for example 7.5.",
            "min_value": "Hours slept cannot be below 0.",
            "max_value": "Hours slept cannot be more than 24.",
            "step_size": "Use whole or half hours, for example 7 or 7.5.",
            "max_digits": "Enter the hours you slept, from 0 to 24.",
            "max_decimal_places": "Use whole or half hours, for example 7 or 7.5.",
        },
    )
    tags = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Tags"
    )
    new_tag = forms.CharField(max_length=40, required=False, label="Add your own tag", strip=True)
    new_tag_group = forms.ChoiceField(
        choices=list(day_tags.GROUP_LABELS.items()),
        required=False,
        label="It is about",
        initial=day_tags.ACTIVITY,
    )
    note = health_text_field(label="A note (optional)", required=False, rows=2)

    def __init__(self, *args: Any, tag_options: list[TagOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag_options = tag_options
        tags = self.fields["tags"]
        assert isinstance(tags, forms.MultipleChoiceField)
        tags.choices = [(option.value, option.label) for option in tag_options]

    @classmethod
    def initial_from(cls, check_in: CheckIn | None, tag_values: list[str]) -> dict[str, Any]:
        if check_in is None:
            return {}
        return {
            "current_mood": check_in.mood,
            "anxiety": check_in.anxiety,
            "energy": check_in.energy,
            "sleep_hours": check_in.sleep_hours,
            "note": check_in.note,
            "tags": tag_values,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "mood" in self.errors:
            return cleaned
        mood = cleaned.get("mood")
        if mood is None:
            mood = cleaned.get("current_mood")
        if mood is None:
            self.add_error("mood", FACE_MESSAGE)
        cleaned["mood"] = mood
        return cleaned

    def tag_groups(self) -> list[tuple[str, list[BoundWidget]]]:
        """The tag checkboxes by group, for the template."""
        boxes = {box.data["value"]: box for box in self["tags"]}
        return [
            (label, [boxes[o.value] for o in self.tag_options if o.group == group])
            for group, label in day_tags.GROUP_LABELS.items()
        ]

    def values(self) -> CheckInValues:
        data = self.cleaned_data
        chosen: list[str] = data["tags"]
        new_tag = data["new_tag"]
        return CheckInValues(
            mood=data["mood"],
            anxiety=data["anxiety"],
            energy=data["energy"],
            sleep_hours=data["sleep_hours"],
            note=data["note"],
            tags=DayTags(
                keys=frozenset(value[2:] for value in chosen if value.startswith("k:")),
                own_ids=frozenset(int(value[2:]) for value in chosen if value.startswith("t:")),
                new_own=((data["new_tag_group"] or day_tags.ACTIVITY, new_tag),) if new_tag else (),
            ),
        )


def item_field_name(link_id: str) -> str:
    return f"item_{link_id}"


@dataclass(frozen=True)
class ScaleRow:
    """One question as the form shows it: its number (or prefix), the item and its field.

    A question asked only after some answer carries that rule twice: in words for the reader
    (``hint``) and as ``item_2=1`` tokens (``enable_when``) for the script that hides it.
    """

    number: str
    item: Item
    field: forms.BoundField
    hint: str = ""
    enable_when: str = ""


class ScaleForm(forms.Form):
    """One instrument's items as radio groups; answers are checked against its options.

    Every item is optional here: a questionnaire may be saved half-done. Completeness is the
    service's rule at submit (``response_submit``), so it is judged in one place.
    """

    submission_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form is out of date. Please reload the page and answer again.",
            "invalid": "This form is out of date. Please reload the page and answer again.",
        },
    )
    action = forms.ChoiceField(
        choices=[(SUBMIT, "Submit"), (SAVE, "Save")],
        required=False,
        error_messages={"invalid_choice": "Use the Submit or the Save and finish later button."},
    )

    def __init__(self, instrument: Instrument, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            options = instrument.options_for(item)
            allowed = ", ".join(option.text for option in options)
            self.fields[item_field_name(item.link_id)] = forms.IntegerField(
                label=item.text,
                required=False,
                widget=forms.RadioSelect(choices=[(o.value, o.text) for o in options]),
                error_messages={"invalid": f"Choose one of the answers: {allowed}."},
            )

    @staticmethod
    def initial_from(submission_id: object, answers: dict[str, int]) -> dict[str, Any]:
        return {"submission_id": submission_id} | {
            item_field_name(link_id): value for link_id, value in answers.items()
        }

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or SUBMIT

    def clean(self) -> dict[str, Any]:
        super().clean()
        try:
            instruments.validate_answers(self.instrument, self.answers())
        except instruments.InvalidAnswer as error:
            raise forms.ValidationError(
                f"An answer is not one of the options ({error}). Please choose one of the "
                "answers shown for each question."
            ) from None
        return self.cleaned_data

    def answers(self) -> dict[str, int]:
        """The items answered in this submission, by link id."""
        return {
            item.link_id: value
            for item in self.instrument.items
            if (value := self.cleaned_data.get(item_field_name(item.link_id))) is not None
        }

    def items_with_fields(self) -> Iterator[ScaleRow]:
        numbers = item_numbers(self.instrument)
        for item in self.instrument.items:
            yield ScaleRow(
                number=numbers[item.link_id],
                item=item,
                field=self[item_field_name(item.link_id)],
                hint=_skip_hint(self.instrument, item, numbers),
                enable_when=" ".join(
                    f"{item_field_name(condition.link_id)}={condition.answer}"
                    for condition in item.enable_when
                ),
            )

    def mark_missing(self, link_ids: list[str]) -> None:
        wanted = set(link_ids)
        for item in self.instrument.items:
            if item.link_id in wanted:
                self.add_error(item_field_name(item.link_id), "Please choose an answer.")


def item_numbers(instrument: Instrument) -> dict[str, str]:
    """What each question is called on the page: its prefix, or its position."""
    return {
        item.link_id: item.prefix or str(position)
        for position, item in enumerate(instrument.items, start=1)
    }


def _skip_hint(instrument: Instrument, item: Item, numbers: dict[str, str]) -> str:
    """The skip logic in words, for a reader whose browser shows every question."""
    if not item.enable_when:
        return ""
    parts = []
    for condition in item.enable_when:
        option = instrument.option(condition.answer, instrument.item(condition.link_id))
        answer = option.text if option else str(condition.answer)
        parts.append(f"question {numbers[condition.link_id]} was “{answer}”")
    return f"Only if your answer to {' or to '.join(parts)}."
