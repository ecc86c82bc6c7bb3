from .web import portal_urls, staff_urls

# Mounted at /honours/. Ids are <str:…> and parsed by the views (pk_or_404): "²" or a
# 23-digit number is a 404 page, never a 500.
app_name = "honours"
urlpatterns = [*portal_urls.urlpatterns, *staff_urls.urlpatterns]
