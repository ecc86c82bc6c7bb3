"""Pages of questionnaires (问卷调查) and material review (材料审核), mounted at /evaluation/.
Ids are <str:…> and parsed by the views (pk_or_404): "²" or 23 digits are a 404, never a 500."""

from django.urls import path

from . import survey_views as v

urlpatterns = [
    # residents (no account)
    path("s/<str:public_id>/", v.survey_public, name="survey_public"),
    path("s/<str:public_id>/code/", v.survey_public_code, name="survey_public_code"),
    # the office
    path("surveys/", v.survey_home, name="survey_home"),
    path("campaigns/<str:campaign_id>/surveys/", v.survey_list, name="survey_list"),
    path("campaigns/<str:campaign_id>/surveys/new/", v.survey_new, name="survey_new"),
    path("surveys/<str:survey_id>/", v.survey_detail, name="survey_detail"),
    path("surveys/<str:survey_id>/edit/", v.survey_edit, name="survey_edit"),
    path("surveys/<str:survey_id>/questions/", v.survey_question_add, name="survey_question_add"),
    path("surveys/<str:survey_id>/questions/<str:question_id>/remove/", v.survey_question_remove,
         name="survey_question_remove"),
    path("surveys/<str:survey_id>/open/", v.survey_open, name="survey_open"),
    path("surveys/<str:survey_id>/close/", v.survey_close, name="survey_close"),
    path("surveys/<str:survey_id>/delete/", v.survey_delete, name="survey_delete"),
    path("surveys/<str:survey_id>/qr.png", v.survey_qr, name="survey_qr"),
    path("surveys/<str:survey_id>/results/", v.survey_results, name="survey_results"),
    # units and reviewers
    path("materials/", v.material_home, name="material_home"),
    path("campaigns/<str:campaign_id>/materials/", v.material_queue, name="material_queue"),
    path("campaigns/<str:campaign_id>/materials/mine/", v.material_mine, name="material_mine"),
    path("campaigns/<str:campaign_id>/materials/submit/", v.material_submit, name="material_submit"),
    path("materials/<str:material_id>/", v.material_detail, name="material_detail"),
    path("materials/<str:material_id>/review/", v.material_review, name="material_review"),
    path("materials/<str:material_id>/file/", v.material_file, name="material_file"),
]
