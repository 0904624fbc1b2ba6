from django.urls import path

from complaints.views import figures, keys, public, register, workspace

app_name = "complaints"
urlpatterns: list = [
    path("", workspace.inbox, name="inbox"),
    path("unlock/", keys.unlock, name="unlock"),
    path("lock/", keys.lock, name="lock"),
    path("register/", register.register, name="register"),
    path("statistics/", figures.statistics_page, name="statistics"),
    path("facility/<int:pk>/", figures.facility_counts, name="facility-counts"),
    path("alerts/", figures.alerts, name="alerts"),
    path("alerts/read/", figures.alerts_read, name="alerts-read"),
    path("<uuid:pk>/", workspace.detail, name="detail"),
    path("<uuid:pk>/identity/", workspace.show_identity, name="identity"),
    path("<uuid:pk>/voice/", workspace.voice, name="voice"),
    path("<uuid:pk>/status/", workspace.change_status, name="status"),
    path("<uuid:pk>/assign/", workspace.assign, name="assign"),
    path("<uuid:pk>/escalate/", workspace.escalate, name="escalate"),
    path("<uuid:pk>/reply/", workspace.reply, name="reply"),
    path("<uuid:pk>/note/", workspace.note, name="note"),
    path("<uuid:pk>/classify/", workspace.classify, name="classify"),
    path("follow-up/", public.follow_up, name="public-follow-up"),
    path("follow-up/salt", public.salt, name="public-salt"),
    path("follow-up/thread", public.thread, name="public-thread"),
    path("follow-up/message", public.message, name="public-message"),
]
