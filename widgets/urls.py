from django.urls import URLPattern, URLResolver

app_name = "widgets"

urlpatterns: list[URLPattern | URLResolver] = []
