from django.urls import path

from claywork.reminders import views

app_name = "reminders"

urlpatterns = [
    path("reminders/settings/", views.preferences, name="settings"),
    path("notifications/", views.notifications, name="notifications"),
    path("r/reflect/", views.reflect, name="reflect"),
    path("r/<str:token>/", views.redeem, name="redeem"),
]
