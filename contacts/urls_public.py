from django.urls import URLPattern, URLResolver

app_name = "unsubscribe"

urlpatterns: list[URLPattern | URLResolver] = []
