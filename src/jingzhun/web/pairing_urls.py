"""URLs of the pairing pages (issue 6): partnerships, figures, reports, trace, claims and assessment."""

from django.urls import path

from .views import pairing as views
from .views import pairing_review as review

urlpatterns = [
    path("", views.pairing, name="pairing"),
    path("<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("<int:pk>/charts/", views.pairing_charts, name="pairing_charts"),
    path("<int:pk>/agreements/", views.pairing_agreement, name="pairing_agreement"),
    path("<int:pk>/report/", views.pairing_report, name="pairing_report"),
    path("<int:pk>/report.xlsx", views.pairing_report_xlsx, name="pairing_report_xlsx"),
    path("<int:pk>/trace/", views.pairing_trace, name="pairing_trace"),
    path("<int:pk>/assessment/<int:year>/", review.pairing_assessment, name="pairing_assessment"),
    path("area/<str:code>/", views.pairing_area, name="pairing_area"),
    path("household/<int:pk>/", views.pairing_household, name="pairing_household"),
    path("claims/", review.pairing_claims, name="pairing_claims"),
    path("claims/<int:pk>/", review.pairing_claim, name="pairing_claim"),
]
