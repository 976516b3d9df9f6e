from django.urls import path

from peers.reference import views

urlpatterns = [path("me/", views.me), path("bare/", views.bare)]
