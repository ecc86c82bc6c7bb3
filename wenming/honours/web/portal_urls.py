"""The public portal's honours pages (no login): campaigns, the vote, the notice, the roll.

Ids use the `honour_id` converter (ASCII digits only): "manage/…" (the back office), "roll/"
and "²" never reach a portal view; a number too large for the database is parsed by the view
(pk_or_404) and is a 404 page as well."""

from django.urls import path, register_converter

from . import portal_forms as forms_v
from . import portal_views as v
from . import portal_vote as vote_v


class HonourIdConverter:
    regex = "[0-9]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(HonourIdConverter, "honour_id")

urlpatterns = [
    path("", v.portal_home, name="portal"),
    path("roll/", v.roll, name="portal_roll"),
    path("<honour_id:campaign_id>/", v.campaign, name="portal_campaign"),
    path("<honour_id:campaign_id>/vote/", vote_v.vote, name="portal_vote"),
    path("<honour_id:campaign_id>/vote/code/", vote_v.vote_code, name="portal_vote_code"),
    path("<honour_id:campaign_id>/vote/verify/", vote_v.vote_verify, name="portal_vote_verify"),
    path("<honour_id:campaign_id>/vote/cast/", vote_v.vote_cast, name="portal_vote_cast"),
    path("<honour_id:campaign_id>/vote/undo/", vote_v.vote_undo, name="portal_vote_undo"),
    path("<honour_id:campaign_id>/vote/forget/", vote_v.vote_forget, name="portal_vote_forget"),
    path("<honour_id:campaign_id>/nominees/<honour_id:nomination_id>/", v.nominee, name="portal_nominee"),
    path("<honour_id:campaign_id>/nominees/<honour_id:nomination_id>/photos/<honour_id:file_id>/", v.nominee_photo,
         name="portal_photo"),
    path("<honour_id:campaign_id>/objection/<honour_id:nomination_id>/", forms_v.objection, name="portal_objection"),
    path("<honour_id:campaign_id>/nominate/", forms_v.nominate, name="portal_nominate"),
]
