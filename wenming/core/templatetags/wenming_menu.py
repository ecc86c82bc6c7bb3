"""{% site_menu as menu %}: the top bar's items and the grouped menu (core/menu.py), worked out
once per request (the frame and the home page both use it)."""

from django import template

from wenming.core.menu import site_menu as build_site_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context):
    request = context.get("request")
    if request is None:
        return build_site_menu(context.get("user"))
    cached = getattr(request, "_wenming_site_menu", None)
    if cached is None:
        cached = request._wenming_site_menu = build_site_menu(getattr(request, "user", None))
    return cached
