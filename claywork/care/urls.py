from django.urls import path

from claywork.care import comment_views, suggestion_views, views

app_name = "care"

urlpatterns = [
    path("patients/<int:patient_id>/courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<int:course_id>/motivation/", views.motivation_edit, name="motivation_edit"),
    path("courses/<int:course_id>/sessions/new/", views.session_schedule, name="session_schedule"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:session_id>/intention/", views.intention_edit, name="intention_edit"),
    path("sessions/<int:session_id>/start/", views.session_start, name="session_start"),
    path("sessions/<int:session_id>/complete/", views.session_complete, name="session_complete"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/notes/", views.guide_note_add, name="guide_note_add"),
    path("sessions/<int:session_id>/screen/", views.session_screen, name="session_screen"),
    path(
        "sessions/<int:session_id>/observations/",
        views.observation_save,
        name="observation_save",
    ),
    path("sessions/<int:session_id>/timeline/", views.integration_timeline, name="timeline"),
    path("integration/", views.current_integration, name="current_integration"),
    path("entries/<int:entry_id>/comments/", comment_views.entry_comments, name="entry_comments"),
    path(
        "patients/<int:patient_id>/suggestions/",
        suggestion_views.patient_suggestions,
        name="patient_suggestions",
    ),
    path("suggestions/", suggestion_views.my_suggestions, name="my_suggestions"),
    path(
        "suggestions/<int:suggestion_id>/accept/",
        suggestion_views.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "suggestions/<int:suggestion_id>/decline/",
        suggestion_views.suggestion_decline,
        name="suggestion_decline",
    ),
]
