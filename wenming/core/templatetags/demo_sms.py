"""{% demo_sms_hint %}: beside every 获取验证码 button, a link to the 演示短信 inbox, shown
only while that page exists (core/demo_sms.py)."""

from django import template

register = template.Library()


@register.inclusion_tag("core/_demo_sms_hint.html")
def demo_sms_hint():
    from wenming.core.demo_sms import demo_sms_enabled

    return {"enabled": demo_sms_enabled()}
