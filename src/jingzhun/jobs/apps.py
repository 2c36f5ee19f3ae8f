from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jingzhun.jobs"
    label = "jobs"
