from django.urls import path

from claywork.calendar_feed import views

app_name = "calendar_feed"

urlpatterns = [
    path("calendar/", views.calendar_page, name="page"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="feed"),
]
