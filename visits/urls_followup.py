"""The pages of findings, recommendations, follow-up and reports (included by visits/urls.py)."""

from django.urls import path

from visits.views import findings, recommendations, reports

urlpatterns = [
    path("<int:pk>/findings/", findings.visit_findings, name="findings"),
    path("<int:pk>/findings/<int:finding>/recommend/", recommendations.issue, name="recommend"),
    path("<int:pk>/follow-up/", recommendations.follow_up, name="follow-up"),
    path("<int:pk>/report/", reports.report, name="report"),
    path("<int:pk>/report.pdf", reports.report_pdf, name="report-pdf"),
    path("facilities/<int:pk>/follow-up/", recommendations.facility_follow_up, name="facility-follow-up"),
    path("answers/", recommendations.addressee_list, name="answers"),
    path("answers/<int:pk>/", recommendations.addressee_detail, name="answer"),
    path("national/", reports.national_view, name="national"),
    path("findings/", reports.finding_list, name="finding-list"),
    path("recommendations/", reports.recommendation_list, name="recommendation-list"),
    path("export/<slug:what>.<slug:fmt>", reports.export_view, name="export"),
    path("notices/", findings.notice_list, name="notices"),
    path("notices/<int:pk>/", findings.notice_open, name="notice"),
]
