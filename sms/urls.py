from django.urls import URLPattern, URLResolver, path

from sms import views

app_name = "sms"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.MessageListView.as_view(), name="message_list"),
]
