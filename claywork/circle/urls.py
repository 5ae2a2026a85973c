from django.urls import path

from claywork.circle import views

app_name = "circle"

urlpatterns = [
    path("circle/", views.circle_home, name="home"),
    path("circle/members/<int:member_id>/resend/", views.member_resend, name="member_resend"),
    path("circle/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "circle/members/<int:member_id>/check-in/",
        views.check_in_request,
        name="check_in_request",
    ),
    path("circle/invitations/<str:token>/", views.accept, name="accept"),
    path("circle/invitations/<str:token>/decline/", views.decline, name="decline"),
    path("supporting/", views.supporting, name="supporting"),
    path("supporting/guide/", views.guide, name="guide"),
    path("supporting/<int:patient_id>/", views.feed, name="feed"),
    path("supporting/<int:patient_id>/notes/", views.note_send, name="note_send"),
    path("supporting/<int:patient_id>/leave/", views.leave, name="leave"),
    path(
        "supporting/requests/<int:request_id>/answer/",
        views.request_answer,
        name="request_answer",
    ),
]
