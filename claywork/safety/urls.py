from django.urls import path

from claywork.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("<int:alert_id>/assign/", views.alert_assign, name="alert_assign"),
]
