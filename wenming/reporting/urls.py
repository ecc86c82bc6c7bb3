from django.urls import path

from . import public_views as pub
from . import review_views as rev
from . import views as v

# Mounted at /reports/. Ids are <str:…> and parsed by the views (pk_or_404): "²", "abc" or a
# 23-digit number is a 404 page, never a 500. Literal paths come before <str:report_id>.
app_name = "reporting"
urlpatterns = [
    path("", v.mine, name="mine"),
    path("new/", v.new, name="new"),
    path("review/", rev.queue, name="queue"),
    path("all/", rev.all_reports, name="all"),
    path("counts/", rev.counts, name="counts"),
    # the public portal (no login)
    path("public/", pub.public_list, name="public"),
    path("public/<str:report_id>/", pub.public_detail, name="public_detail"),
    path("public/<str:report_id>/images/<str:image_id>/", pub.public_image, name="public_image"),
    # one report
    path("<str:report_id>/", v.detail, name="detail"),
    path("<str:report_id>/edit/", v.edit, name="edit"),
    path("<str:report_id>/submit/", v.submit, name="submit"),
    path("<str:report_id>/delete/", v.delete, name="delete"),
    path("<str:report_id>/images/", v.image_add, name="image_add"),
    path("<str:report_id>/images/<str:image_id>/", v.image, name="image"),
    path("<str:report_id>/images/<str:image_id>/delete/", v.image_remove, name="image_remove"),
    path("<str:report_id>/review/", rev.review, name="review"),
    path("<str:report_id>/publish/", rev.publish, name="publish"),
    path("<str:report_id>/unpublish/", rev.unpublish, name="unpublish"),
    path("<str:report_id>/adoptions/", rev.adoption_add, name="adoption_add"),
    path("<str:report_id>/adoptions/<str:adoption_id>/delete/", rev.adoption_remove, name="adoption_remove"),
]
