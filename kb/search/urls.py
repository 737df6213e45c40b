"""The site's search page, included at /search/ by ``kb/urls.py``."""

from django.urls import path

from kb.search import views

urlpatterns = [path("", views.search_page, name="search")]
