from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "jingzhun.areas"
    label = "areas"
