from django.urls import path

from claywork.practice import views

app_name = "practice"

urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:goal_id>/check/", views.goal_check, name="goal_check"),
    path("practices/", views.practices, name="practices"),
    path("practices/<int:practice_id>/log/", views.practice_log, name="practice_log"),
    path("insights/", views.what_helps, name="insights"),
]
