from __future__ import annotations

from typing import Any

from django import forms

from claywork.sharing.models import Category
from claywork.sharing.selectors import Audience


class AudienceForm(forms.Form):
    """Share one item with one audience the patient has (the care team, or a circle member)."""

    audience = forms.ChoiceField(label="Share with")

    def __init__(self, *args: Any, audiences: list[Audience], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["audience"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(audience.key, audience.label) for audience in audiences]


class CategoryShareForm(AudienceForm):
    category = forms.ChoiceField(choices=Category.choices, label="What to share")

    field_order = ["category", "audience"]


class RevokeForm(forms.Form):
    # Where to go afterwards: back to the sharing page, or to the item's own page.
    return_to = forms.ChoiceField(choices=[("sharing", "sharing"), ("item", "item")])
