"""The public portal of the honours (先进典型评选): no login, mobile first.

- /honours/: the campaigns open to the public with their stage, dates and next step;
- a campaign: its intro, the stages as a timeline, the vote's rules in plain words, and who
  is shown at this stage (records.public_nominations: nobody before the vote, the ballot
  while voting, the selected during 公示, the honoured once announced), with the vote page's
  link and QR code;
- a nominee: story, photos, the place said coarsely, and during 公示 the way to object;
- 光荣榜: the announced honours by level and year.
The vote lives in portal_vote.py, the objection and self-nomination forms in portal_forms.py.
Anything a stage does not show is the same 404 page as what does not exist.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from wenming.core.decorators import error_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.uploads import image_response
from wenming.service.venue import venue_qr_svg

from ..models import HonourLevel, NominationStatus, Stage
from ..selectors import portal, records

CAMPAIGNS_PER_PAGE = 20
ROLL_PER_PAGE = 24
SHOWN_TITLES = {
    Stage.VOTING: "投票候选人",
    Stage.FINAL_REVIEW: "网络投票结果（复审中）",
    Stage.NOTICE: "拟表彰对象公示",
    Stage.ANNOUNCED: "受表彰的先进典型",
}
VOTES_SHOWN = (Stage.VOTING, Stage.FINAL_REVIEW)


# stages in which the vote page is still worth sharing (it is open, or will be)
VOTE_AHEAD = (Stage.NOMINATING, Stage.INITIAL_REVIEW, Stage.VOTING)

def portal_page(view):
    """A service's DomainError or a 404 becomes the Chinese error page with its status."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_page(request, exc)
        except Http404:
            return error_page(request, CoreError.NOT_FOUND.error())

    return wrapped


def cards(nominations) -> list[dict]:
    """A nominee card each: the nomination, the place said coarsely and the first photo."""
    nominations = list(nominations)
    places, photos = portal.public_places(nominations), portal.first_photos(nominations)
    return [{"n": n, "place": places.get(n.pk, ""), "photo": photos.get(n.pk)} for n in nominations]


def campaign_context(campaign) -> dict:
    return {"campaign": campaign, "steps": portal.timeline(campaign), "next_step": portal.next_step(campaign),
            "rules": portal.vote_rules(campaign) if campaign.vote_enabled else [],
            "stage_label": Stage(campaign.stage).label}


@require_GET
@portal_page
def portal_home(request):
    page = paginate(records.public_campaigns(), request.GET.get("page", 1), CAMPAIGNS_PER_PAGE)
    rows = [{"campaign": c, "stage_label": Stage(c.stage).label, "next_step": portal.next_step(c)}
            for c in page.items]
    return render(request, "honours/portal/home.html", {"page": page, "rows": rows})


@require_GET
@portal_page
def campaign(request, campaign_id: str):
    c = records.public_campaign(campaign_id)
    shown = cards(records.public_nominations(c))
    vote_link = request.build_absolute_uri(reverse("honours:portal_vote", args=[c.pk]))
    return render(request, "honours/portal/campaign.html", {
        **campaign_context(c), "cards": shown, "shown_title": SHOWN_TITLES.get(c.stage, ""),
        "show_votes": c.vote_enabled and c.stage in VOTES_SHOWN,
        "page_link": request.build_absolute_uri(reverse("honours:portal_campaign", args=[c.pk])),
        "vote_link": vote_link, "qr": venue_qr_svg(vote_link) if c.vote_enabled and c.stage in VOTE_AHEAD else "",
        "may_nominate": c.self_nomination and c.stage == Stage.NOMINATING,
    })


@require_GET
@portal_page
def nominee(request, campaign_id: str, nomination_id: str):
    c = records.public_campaign(campaign_id)
    n = records.public_nomination(c, nomination_id)
    return render(request, "honours/portal/nominee.html", {
        **campaign_context(c), "n": n, "place": portal.public_places([n]).get(n.pk, ""),
        "photos": portal.photos_of(n), "show_votes": c.vote_enabled and c.stage in VOTES_SHOWN,
        "may_object": c.stage == Stage.NOTICE and n.status == NominationStatus.SELECTED,
        "may_vote": c.stage == Stage.VOTING,
    })


@require_GET
def nominee_photo(request, campaign_id: str, nomination_id: str, file_id: str):
    """A photo of a nominee the public may see at this stage; anything else a 404."""
    try:
        c = records.public_campaign(campaign_id)
        n = records.public_nomination(c, nomination_id)
        found = portal.photo_of(n, file_id)
        return image_response(request, found.image if found else None, allowed=found is not None)
    except (DomainError, Http404):
        return error_page(request, CoreError.NOT_FOUND.error())


@require_GET
@portal_page
def roll(request):
    level, year = portal.roll_level(request.GET.get("level")), portal.roll_year(request.GET.get("year"))
    page = paginate(records.honour_roll(level=level, year=year).select_related("campaign__node"),
                    request.GET.get("page", 1), ROLL_PER_PAGE)
    return render(request, "honours/portal/roll.html", {
        "page": page, "cards": cards(page.items), "level": level, "year": year, "levels": HonourLevel.choices,
        "years": portal.roll_years(),
    })
