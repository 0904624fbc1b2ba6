from django.urls import path

from visits.urls_followup import urlpatterns as followup_urlpatterns
from visits.views import checklist, pages

app_name = "visits"
urlpatterns = [
    path("", pages.visit_list, name="list"),
    path("plan/", pages.plan, name="plan"),
    path("suggestions/", pages.suggestions, name="suggestions"),
    path("sw.js", checklist.service_worker, name="service-worker"),
    path("<int:pk>/", pages.detail, name="detail"),
    path("<int:pk>/arrival/", pages.record_moment, {"moment": "arrival"}, name="arrival"),
    path("<int:pk>/departure/", pages.record_moment, {"moment": "departure"}, name="departure"),
    path("<int:pk>/access/", pages.record_access, name="access"),
    path("<int:pk>/interviews/", pages.record_interview, name="interview"),
    path("<int:pk>/interviews/<int:interview_pk>/notes.age", pages.sealed_notes, name="sealed-notes"),
    path("<int:pk>/observations/", pages.add_observation, name="observation"),
    path("<int:pk>/evidence/", pages.add_evidence, name="evidence"),
    path("<int:pk>/counts/", pages.counts, name="counts"),
    path("<int:pk>/complete/", pages.complete, name="complete"),
    path("<int:pk>/checklist/", checklist.checklist, name="checklist"),
    path("<int:pk>/checklist/check/", checklist.check, name="check"),
    path("<int:pk>/checklist/save/", checklist.save, name="save"),
    path("<int:pk>/checklist/<str:code>/keep/", checklist.keep, name="keep"),
]
urlpatterns += followup_urlpatterns
