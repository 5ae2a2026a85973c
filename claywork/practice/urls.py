from django.urls import path

from claywork.practice import views

app_name = "practice"

urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:goal_id>/check/", views.goal_check, name="goal_check"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("practices/", views.practices, name="practices"),
    path("practices/<int:practice_id>/log/", views.practice_log, name="practice_log"),
    path("practices/<int:practice_id>/delete/", views.practice_delete, name="practice_delete"),
    path("patterns/", views.check_in_patterns, name="patterns"),
    path("insights/", views.what_helps_moved, name="insights"),
]
