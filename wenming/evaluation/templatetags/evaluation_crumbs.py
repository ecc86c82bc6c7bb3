"""The campaign in a page's breadcrumbs: a link to its scoreboard for those who may read
boards (eval.view), its name alone for a unit's liaison (the board would answer 404)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from ..access import EVAL_VIEW, has

register = template.Library()


@register.simple_tag(takes_context=True)
def campaign_crumb(context, campaign) -> str:
    if has(context["request"].user, EVAL_VIEW):
        return format_html('<a href="{}">{}</a>', reverse("evaluation:campaign", args=[campaign.pk]), campaign.name)
    return format_html("<span>{}</span>", campaign.name)
