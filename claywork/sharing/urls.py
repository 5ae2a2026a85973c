from django.urls import path

from claywork.sharing import views

app_name = "sharing"

urlpatterns = [
    path("sharing/", views.sharing_page, name="page"),
    path("sharing/entries/<int:entry_id>/", views.share_entry, name="share_entry"),
    path("sharing/goals/<int:goal_id>/", views.share_goal, name="share_goal"),
    path("sharing/<int:share_id>/revoke/", views.revoke, name="revoke"),
    path("patients/<int:patient_id>/shared/", views.care_team_view, name="care_team"),
]
