from django.urls import path  # noqa: F401

from .web import import_urls, survey_urls, unit_urls

# Mounted at /evaluation/. Ids are <str:…> and parsed by the views (pk_or_404).
app_name = "evaluation"
urlpatterns = [*import_urls.urlpatterns, *survey_urls.urlpatterns, *unit_urls.urlpatterns]
