from django.urls import URLPattern, URLResolver

app_name = "sms"

urlpatterns: list[URLPattern | URLResolver] = []
