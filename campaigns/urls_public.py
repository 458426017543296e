from django.urls import URLPattern, URLResolver

app_name = "invite"

urlpatterns: list[URLPattern | URLResolver] = []
