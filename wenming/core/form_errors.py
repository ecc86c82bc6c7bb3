"""All of a form's errors at once, in clean Chinese punctuation.

- `check(form, field, validate, *args)` runs one field's validator (a pure function that
  raises DomainError, the same one the service runs) and files its message under the field
  the error names, so a form can check every field before the service runs and show every
  problem in one round instead of the first one the service meets.
- `join_messages(messages)` joins messages into one sentence: "；" between them and one "。"
  at the end, whatever each ended with (Django's password validators end theirs with "。",
  which joined with "；" gave "这个密码太常见了。；密码只包含数字。").
- `tidy(message)` mends doubled punctuation in a message built from parts.
- `validation_messages(exc)` gives a Django ValidationError's messages in Chinese, by error
  code where Django's own translation is missing (Django 5.2 changed the password-length
  message to "%d" and its zh-Hans catalogue still has "%(min_length)d": it shows English).
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from .errors import DomainError

_END = "。．.；;，,、：: \u3000\n\t"
_DOUBLED = [
    (re.compile(r"[。．]\s*([；;，,])"), r"\1"),                   # 。； → ；  。， → ，
    (re.compile(r"([；;，,：:])\s*[。．]"), "。"),                   # ；。 → 。
    (re.compile(r"([；，])\s*[；;，,]+"), r"\1"),                   # ；； → ；
    (re.compile(r"[。．]{2,}"), "。"),                              # 。。 → 。
    (re.compile(r"([！？])\s*。"), r"\1"),                          # ！。 → ！
]


# Django's validators by error code, in the words of this product.
DJANGO_MESSAGES = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符",
    "password_too_common": "这个密码太常见了",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码与{verbose_name}太相似",
}


def validation_messages(exc) -> list[str]:
    """The messages of a django.core.exceptions.ValidationError, Chinese by code where known."""
    out = []
    for error in exc.error_list:
        template = DJANGO_MESSAGES.get(error.code or "")
        if template is None:
            out.extend(error.messages)
            continue
        params = {k: str(v) for k, v in (error.params or {}).items()}
        try:
            out.append(template.format(**params))
        except (KeyError, IndexError):
            out.extend(error.messages)
    return out


def tidy(message: str) -> str:
    """One message with its doubled punctuation mended ("太常见了。；" → "太常见了；")."""
    text = str(message)
    for pattern, repl in _DOUBLED:
        text = pattern.sub(repl, text)
    return text


def join_messages(messages: Iterable[Any]) -> str:
    """"a。", "b" → "a；b。": each message without its end punctuation, "；" between, one
    "。" at the end; blanks and repeats dropped."""
    parts: list[str] = []
    for message in messages:
        part = tidy(str(message)).strip().rstrip(_END)
        if part and part not in parts:
            parts.append(part)
    return "；".join(parts) + "。" if parts else ""


def check(form, field: str, validate: Callable, *args, **kwargs):
    """Run `validate(*args, **kwargs)`; on DomainError file its message under the field the
    error names (or `field`) and answer None, else answer the cleaned value. A field that
    already has an error (required, too long …) is not checked again: one message each."""
    if form.has_error(field):
        return None
    try:
        return validate(*args, **kwargs)
    except DomainError as exc:
        target = exc.field if exc.field in form.fields else field
        if not form.has_error(target):
            form.add_error(target if target in form.fields else None, exc.message)
        return None
