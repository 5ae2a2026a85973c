from django.urls import path

from claywork.reminders import views

app_name = "reminders"

urlpatterns = [
    path("reminders/settings/", views.preferences, name="settings"),
    path("reminders/goals/<int:goal_id>/", views.goal_routine, name="goal_routine"),
    path("reminders/practices/<int:practice_id>/", views.practice_routine, name="practice_routine"),
    path("reminders/<int:reminder_id>/open/", views.reminder_open, name="open"),
    path("notifications/", views.notifications, name="notifications"),
    path("r/reflect/", views.reflect, name="reflect"),
    path("r/<str:token>/", views.redeem, name="redeem"),
]
