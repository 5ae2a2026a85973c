from django.urls import path

from claywork.journal import views

app_name = "journal"

urlpatterns = [
    path("", views.journal_list, name="list"),
    path("new/", views.entry_new, name="entry_new"),
    path("prompts/", views.prompt_library, name="prompts"),
    path("draft/", views.draft_autosave, name="draft_autosave"),
    path("draft/discard/", views.draft_discard, name="draft_discard"),
    path("<int:entry_id>/", views.entry_detail, name="entry_detail"),
    path("<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:entry_id>/restore/", views.entry_restore, name="entry_restore"),
]
