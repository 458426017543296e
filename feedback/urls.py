from django.urls import URLPattern, URLResolver

app_name = "feedback"

urlpatterns: list[URLPattern | URLResolver] = []
