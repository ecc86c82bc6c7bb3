"""Template helpers for the pages: role-based navigation and optional links."""

from django import template

from wenming.core.menu import menu_for, optional_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return [item for item in menu_for(user) if item.in_nav]


@register.simple_tag
def optional_url(name, *args):
    """{% optional_url 'roster:export' as url %}: "" when that page is not installed."""
    return optional_reverse(name, *args)

