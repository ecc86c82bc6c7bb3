from django import template

from wenming.supplies.quantities import fmt_qty

register = template.Library()


@register.filter
def qty(value) -> str:
    """1000.000 -> 1000, 0.500 -> 0.5."""
    return fmt_qty(value)


@register.filter
def signed_qty(value) -> str:
    """+1000 for a receipt, -20 for an issue."""
    text = fmt_qty(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"
