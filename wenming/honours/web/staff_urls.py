"""The back office's honours pages (campaigns, nominations, review, selection, votes), under
/honours/manage/. Ids are <str:…> parsed by the selectors (pk_or_404): "²" or a 30-digit
number is a 404 page, never a 500."""

from django.urls import path

from . import staff_nominations as n
from . import staff_views as v
from . import staff_votes as votes

urlpatterns = [
    path("manage/", v.index, name="staff_index"),
    path("manage/campaigns/new/", v.campaign_new, name="staff_campaign_new"),
    path("manage/campaigns/<str:campaign_id>/", v.campaign, name="staff_campaign"),
    path("manage/campaigns/<str:campaign_id>/edit/", v.campaign_edit, name="staff_campaign_edit"),
    path("manage/campaigns/<str:campaign_id>/advance/", v.campaign_advance, name="staff_campaign_advance"),
    path("manage/campaigns/<str:campaign_id>/cancel/", v.campaign_cancel, name="staff_campaign_cancel"),
    path("manage/campaigns/<str:campaign_id>/nominations/", n.nominations, name="staff_nominations"),
    path("manage/campaigns/<str:campaign_id>/nominations.xlsx", n.export, name="staff_export"),
    path("manage/campaigns/<str:campaign_id>/nominate/", n.nominate, name="staff_nominate"),
    path("manage/campaigns/<str:campaign_id>/votes/", votes.votes, name="staff_votes"),
    path("manage/campaigns/<str:campaign_id>/votes/void/", votes.votes_void, name="staff_votes_void"),
    path("manage/campaigns/<str:campaign_id>/objections/", votes.objections, name="staff_objections"),
    path("manage/nominations/<str:nomination_id>/", n.nomination, name="staff_nomination"),
    path("manage/nominations/<str:nomination_id>/review/", n.review, name="staff_review"),
    path("manage/nominations/<str:nomination_id>/select/", n.select, name="staff_select"),
    path("manage/nominations/<str:nomination_id>/edit/", n.nomination_edit, name="staff_nomination_edit"),
    path("manage/nominations/<str:nomination_id>/withdraw/", n.nomination_withdraw, name="staff_withdraw"),
    path("manage/nominations/<str:nomination_id>/photos/<str:file_id>/", n.photo, name="staff_photo"),
    path("manage/nominations/<str:nomination_id>/files/<str:file_id>/", n.document, name="staff_document"),
    path("manage/objections/<str:objection_id>/answer/", votes.objection_answer, name="staff_objection_answer"),
    path("manage/objections/<str:objection_id>/photo/", votes.objection_photo, name="staff_objection_photo"),
]
