from django.urls import path

from claywork.themes import views

app_name = "themes"

urlpatterns = [
    path("themes/", views.my_themes, name="mine"),
    path("themes/refresh/", views.refresh, name="refresh"),
    path("themes/tone/", views.tone, name="tone"),
    path("themes/sessions/<int:session_id>/", views.session_lens, name="session_lens"),
    path("themes/<int:theme_id>/", views.theme_edit, name="theme_edit"),
    path("patients/<int:patient_id>/themes/", views.care_team_themes, name="care_team"),
]
