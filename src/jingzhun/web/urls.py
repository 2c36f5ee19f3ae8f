from django.urls import path

from . import views

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
]
