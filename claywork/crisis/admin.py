"""The deployment's default crisis resources are edited here (clinic lists have their own page).

Safety plans are deliberately not registered: they are health text, for the patient and their
care team only.
"""

from django.contrib import admin

from claywork.crisis.models import CrisisResource


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin[CrisisResource]):
    list_display = ("name", "clinic", "phone", "text_number", "hours", "position", "is_active")
    list_filter = ("is_active", ("clinic", admin.EmptyFieldListFilter))
    ordering = ("clinic", "position")
