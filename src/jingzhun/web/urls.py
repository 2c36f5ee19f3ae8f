from django.urls import include, path

from . import views
from .views import cases as case_views
from .views import eligibility as eligibility_views
from .views import exports as export_views
from .views import imports as import_views
from .views import notices as notice_views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/", views.areas, name="areas"),
    path("areas/<str:code>/", views.area, name="area"),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household_card, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/income/", views.income_set, name="income_set"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/death/", views.person_death, name="person_death"),
    path("persons/<int:pk>/reveal-id/", views.person_reveal_id, name="person_reveal_id"),
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/export.xlsx", views.analytics_export, name="analytics_export"),
    path("analytics/export.csv", views.analytics_export_csv, name="analytics_export_csv"),
    path("analytics/snapshot/", views.analytics_snapshot, name="analytics_snapshot"),
    path("analytics/jobs/<int:pk>/", views.analytics_job, name="analytics_job"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/template/<str:name>.<str:fmt>", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_batch, name="import"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/merge/", import_views.import_merge, name="import_merge"),
    path("imports/<int:pk>/check/", import_views.import_recheck, name="import_recheck"),
    path("imports/<int:pk>/report.json", import_views.import_report_json, name="import_report_json"),
    path("imports/<int:pk>/report.csv", import_views.import_report_csv, name="import_report_csv"),
    path("imports/<int:pk>/report.xlsx", import_views.import_report_xlsx, name="import_report_xlsx"),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:pk>/", export_views.export_job, name="export"),
    path("exports/<int:pk>/download", export_views.export_download, name="export_download"),
    path("cases/", case_views.cases, name="cases"),
    path("cases/count/", case_views.cases_count, name="cases_count"),
    path("cases/eligibility/", eligibility_views.eligibility, name="eligibility"),
    path("cases/eligibility/link/", eligibility_views.eligibility_link, name="eligibility_link"),
    path("cases/eligibility/open/", eligibility_views.eligibility_open, name="eligibility_open"),
    path("cases/eligibility/scan/", eligibility_views.eligibility_scan, name="eligibility_scan"),
    path("cases/eligibility/scan/<int:pk>/", eligibility_views.eligibility_scan_job, name="eligibility_scan_job"),
    path("cases/<int:pk>/", case_views.case_detail, name="case"),
    path("cases/<int:pk>/step/", case_views.case_step, name="case_step"),
    path("cases/<int:pk>/objection/", case_views.case_objection, name="case_objection"),
    path("cases/<int:pk>/evidence/", case_views.case_evidence, name="case_evidence"),
    path("cases/<int:pk>/evidence/<int:evidence_pk>/", case_views.case_evidence_file, name="case_evidence_file"),
    path("households/<int:pk>/cases/new/", case_views.case_open, name="case_open"),
    path("households/<int:pk>/measures/new/", case_views.measure_new, name="measure_new"),
    path("notices/", notice_views.notices, name="notices"),
    path("notices/<int:pk>/print", notice_views.notice_print, name="notice_print"),
    path("notices/<int:pk>/pdf", notice_views.notice_pdf_view, name="notice_pdf"),
    path("pairing/", include("jingzhun.web.pairing_urls")),
    path("pairing/", include("jingzhun.web.pairing_ledger_urls")),
]
