"""Browser-test helpers (Playwright on Debian's chromium): a phone context, login, and the two
checks every page must pass on a 390 px phone:

- `overflowing(page)`: the elements that stick out past the right edge of the viewport
  (what makes the page scroll sideways), each described with a CSS path, its text and how
  far it sticks out; empty when the page fits. `page_width(page)` is the figure the check is
  about: `document.documentElement.scrollWidth`.
- `english_ui_text(page)`: English words in the visible text (and in placeholders, titles,
  labels for screen readers, button values and the page title) outside an allow-list of
  proper names and units (API, Excel, QR, PDF, ID, km …). Codes that mix letters and digits
  (WM0000000001, D20260000001, H5), addresses, e-mails, file names and the logged-in user's
  own name (`.who`) are not words of the interface and are skipped.

`assert_fits(page)` and `assert_chinese(page)` turn them into assertions whose message says
which elements and words are at fault, for a test that walks many pages:

    with phone_browser() as (browser, context):
        page = context.new_page()
        errors = collect_page_errors(page)
        login(page, base, "station", DEMO_PASSWORD)
        for path in paths:
            page.goto(base + path)
            problems[path] = overflowing(page) or None

Import this module only from tests: it imports Playwright lazily, so a machine without it can
still import the rest of the test suite.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass

PHONE = {"width": 390, "height": 844}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

# Proper names, file types and units that stay in Latin letters in a Chinese interface. Compared
# without regard to case. Extend per call with `allow=`.
ALLOWED_WORDS = frozenset(w.lower() for w in (
    # products, formats and standards people know by these names
    "API", "Excel", "WPS", "QR", "PDF", "ID", "CSV", "XLSX", "XLS", "DOCX", "PNG", "JPG", "JPEG", "GIF", "WebP",
    "HEIC", "ZIP", "SMS", "URL", "HTTP", "HTTPS", "JSON", "OpenAPI", "Token", "App", "APP", "WeChat", "iOS",
    "Android", "Windows", "WiFi", "Wi-Fi", "GPS", "IP", "GB", "VIP", "ECharts", "CPU", "AI", "OK",
    # abbreviations written in Latin letters in ordinary Chinese
    "MV", "KTV", "DIY", "PPT", "LED", "VR", "AR", "CT", "ICU", "DNA", "USB", "TV", "LOGO", "CEO",
    # units
    "km", "m", "cm", "mm", "kg", "g", "KB", "MB", "TB", "px", "h", "min", "s", "ms", "p95", "pt",
))

# Elements whose text is data or code, not interface wording.
SKIP_SELECTORS = ("script", "style", "noscript", "template", "code", "kbd", "samp", "pre", "svg", "[translate=no]",
                  ".who", ".mono", "[data-english-ok]")

_OVERFLOW_JS = r"""
(limit) => {
  const doc = document.documentElement;
  const vw = limit || doc.clientWidth;
  const sx = window.scrollX;
  const slack = 0.5;
  function contained(el) {
    // Inside a box that scrolls or clips sideways and itself fits: that box is the fix, not a fault.
    for (let a = el.parentElement; a && a !== document.body && a !== doc; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== "visible") {
        if (a.getBoundingClientRect().right + sx <= vw + slack) return true;
      }
    }
    return false;
  }
  function label(el) {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const classes = [...el.classList].slice(0, 3);
    if (classes.length) s += "." + classes.join(".");
    if (el.name && typeof el.name === "string") s += "[name=" + el.name + "]";
    return s;
  }
  function path(el) {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 7; a = a.parentElement) parts.unshift(label(a));
    return parts.join(" > ");
  }
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const tag = el.tagName;
    if (tag === "SCRIPT" || tag === "STYLE" || tag === "TEMPLATE" || tag === "OPTION") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.display === "none") continue;
    let right = r.right + sx;
    let how = "box";
    if (right <= vw + slack && cs.overflowX === "visible" && cs.display !== "inline" && el.scrollWidth > el.clientWidth + 1) {
      // Content (a long word, a wide child) spills out of a box that is narrow enough itself.
      const contentRight = r.left + sx + el.scrollWidth;
      if (contentRight > vw + slack && el.children.length === 0) { right = contentRight; how = "content"; }
    }
    if (right <= vw + slack) continue;
    if (contained(el)) continue;
    found.push({el, right, how, width: r.width});
  }
  // The deepest offenders are the causes; their ancestors are wide only because of them.
  const causes = found.filter(f => !found.some(o => o !== f && f.el.contains(o.el)));
  return causes.slice(0, 40).map(f => ({
    element: label(f.el),
    path: path(f.el),
    text: (f.el.innerText || f.el.value || "").replace(/\s+/g, " ").trim().slice(0, 60),
    right: Math.round(f.right),
    width: Math.round(f.width),
    over_by: Math.round(f.right - vw),
    how: f.how,
  }));
}
"""

_TEXT_JS = r"""
(skip) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    const p = n.parentElement;
    const text = n.textContent.trim();
    if (!p || !text || p.closest(skip)) continue;
    if (p.tagName === "OPTION" || p.tagName === "OPTGROUP") {
      const select = p.closest("select");
      if (select && !select.checkVisibility({visibilityProperty: true})) continue;
    } else if (!p.checkVisibility({visibilityProperty: true})) continue;
    out.push({text, where: p.tagName.toLowerCase() + (p.id ? "#" + p.id : "")});
  }
  const attrs = ["placeholder", "title", "aria-label", "alt"];
  for (const el of document.body.querySelectorAll("[placeholder],[title],[aria-label],img[alt],input[type=submit],input[type=button],input[type=reset]")) {
    if (el.closest(skip) || !el.checkVisibility({visibilityProperty: true})) continue;
    for (const a of attrs) { const v = el.getAttribute(a); if (v && v.trim()) out.push({text: v.trim(), where: el.tagName.toLowerCase() + "@" + a}); }
    if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) && el.value) out.push({text: el.value, where: "input@value"});
  }
  if (document.title) out.push({text: document.title, where: "title"});
  return out;
}
"""

# Not words: web and mail addresses, paths, file names, masked or coded strings (ZG-I01-S001,
# a node's code in brackets as in 秭归县文明办（ZG）, upper-case codes joined by hyphens: HB-YC).
_NOT_WORDS = re.compile(
    r"(?-i:[（(][A-Z0-9][A-Z0-9_.-]*[)）]|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b)"
    r"|(?<![\w-])(?=[\w-]*\d)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+(?![\w-])|https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)/[\w/.\-?=&%]*|\b[\w-]+\.(?:xlsx|xls|csv|pdf|png|jpe?g|zip|json)\b"
    r"|\b[\w-]+(?:\.[\w-]+)+\b",
    re.IGNORECASE | re.ASCII)
_WORD = re.compile(r"(?<![A-Za-z0-9_*])[A-Za-z]+(?:['’-][A-Za-z]+)*(?![A-Za-z0-9_*])")


@dataclass(frozen=True)
class EnglishWord:
    word: str
    context: str
    where: str


def page_width(page) -> int:
    """The page's full width: wider than the viewport means it scrolls sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth")


def overflowing(page, width: int | None = None) -> list[dict]:
    """The elements sticking out past the right edge of the viewport (or of `width`), deepest
    first: {element, path, text, right, width, over_by, how}. `how` is "box" when the element's
    own box is too wide or placed too far right, "content" when its text spills out of it.
    Content inside a box that scrolls or clips sideways (a table wrapper with overflow-x: auto)
    is not reported, unless that box itself sticks out. Empty when the page fits."""
    return page.evaluate(_OVERFLOW_JS, width or page.viewport_size["width"])


def english_ui_report(page, *, allow=(), skip=()) -> list[EnglishWord]:
    """Every English word of the interface with the text it was found in and where."""
    allowed = ALLOWED_WORDS | {w.lower() for w in allow}
    pieces = page.evaluate(_TEXT_JS, ",".join(SKIP_SELECTORS + tuple(skip)))
    found = []
    for piece in pieces:
        text = _NOT_WORDS.sub(" ", piece["text"])
        for match in _WORD.finditer(text):
            word = match.group(0)
            if len(word) < 2 or word.lower() in allowed:
                continue
            found.append(EnglishWord(word, piece["text"][:80], piece["where"]))
    return found


def english_ui_text(page, *, allow=(), skip=()) -> list[str]:
    """English words in the visible interface text outside the allow-list, each once, in page
    order. `allow` adds words (proper names of the data, say); `skip` adds CSS selectors whose
    text is data rather than interface."""
    seen: dict[str, None] = {}
    for item in english_ui_report(page, allow=allow, skip=skip):
        seen.setdefault(item.word, None)
    return list(seen)


_WRAPPED_JS = r"""
(source) => {
  const re = new RegExp(source, "g");
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.parentElement || !n.parentElement.checkVisibility()) continue;
    for (const m of n.textContent.matchAll(re)) {
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
}
"""


def wrapped_text(page, pattern: str) -> list[str]:
    """The visible matches of a regular expression (JavaScript syntax) that the browser broke
    over more than one line: request numbers, volunteer numbers, dates that must stay whole."""
    return page.evaluate(_WRAPPED_JS, pattern)


def describe_overflow(items: list[dict]) -> str:
    return "\n".join(f"  {i['path']} (右边缘 {i['right']} px，超出 {i['over_by']} px，{i['how']})：{i['text']!r}"
                     for i in items)


def assert_fits(page, width: int | None = None) -> None:
    """The page is no wider than the viewport; the message names the elements at fault."""
    limit = width or page.viewport_size["width"]
    scroll = page_width(page)
    items = overflowing(page, limit)
    if scroll > limit or items:
        raise AssertionError(f"{page.url} 宽 {scroll} px，超过 {limit} px：\n{describe_overflow(items) or '  （未找到具体元素）'}")


def assert_chinese(page, *, allow=(), skip=()) -> None:
    items = english_ui_report(page, allow=allow, skip=skip)
    if items:
        lines = "\n".join(f"  {i.word} · {i.where}：{i.context!r}" for i in items[:30])
        raise AssertionError(f"{page.url} 界面中有英文：\n{lines}")


def collect_page_errors(page) -> list[str]:
    """JavaScript errors of the page, appended as they happen (assert the list stays empty)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)


@contextmanager
def phone_browser(**context_options):
    """Chromium with a 390x844 phone context in Chinese: yields (browser, context)."""
    from playwright.sync_api import sync_playwright

    options = {"viewport": dict(PHONE), "is_mobile": True, "has_touch": True, "locale": "zh-CN",
               "timezone_id": "Asia/Shanghai"} | context_options
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser, browser.new_context(**options)
        finally:
            browser.close()


def login(page, base: str, username: str, password: str) -> None:
    """Log in through the password form of the login page; a refusal (wrong password, locked
    out) fails at once with the page's message instead of a 30-second wait."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")  # submits the password form, whatever else the page offers
    if "/accounts/login/" in page.url:
        said = " ".join(page.locator(".error, .alert").all_inner_texts()) or "仍在登录页"
        raise AssertionError(f"{username} 登录失败：{said}")


def code_from_demo_inbox(page, phone: str, subject: str) -> str:
    """Follow the page's 演示短信 link (it opens beside the form), type the phone and read the
    newest code of `subject` (点单验证码, 登录验证码…). Needs the inbox on (DEMO_SMS_INBOX)."""
    import re

    with page.expect_popup() as popup:
        page.locator("#demo-sms-hint a").click()
    inbox = popup.value
    inbox.fill("#id_phone", phone)
    inbox.locator("#demo-sms-show").click()
    newest = inbox.locator(".demo-sms-item").first
    newest.wait_for()
    text = newest.inner_text()
    inbox.close()
    assert subject in text, text
    return re.search(r"验证码是 (\d{6})", text).group(1)


def login_by_phone_code(page, base: str, phone: str) -> None:
    """Log in on the 验证码登录 tab with the code read from the demo inbox."""
    page.goto(f"{base}/accounts/login/")
    page.locator("#tab-phone").click()
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.locator("#code-status").filter(has_text="验证码已发送").wait_for()
    page.fill("#id_code", code_from_demo_inbox(page, phone, "登录验证码"))
    with page.expect_navigation():
        page.locator("#id_code").press("Enter")
    if "/accounts/login/" in page.url:
        said = " ".join(page.locator(".error, .alert").all_inner_texts()) or "仍在登录页"
        raise AssertionError(f"{phone} 验证码登录失败：{said}")


@dataclass
class PageCheck:
    """What check_pages found on one page; `ok` when nothing is wrong."""

    path: str
    status: int | None
    width: int
    overflow: list[dict]
    english: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return (self.status or 0) < 500 and not self.overflow and not self.english and not self.errors


def check_pages(page, base: str, paths, *, width: int | None = None, allow=(), skip=(),
                english: bool = True, shots: str | None = None) -> list[PageCheck]:
    """Visit each path with `page` (already logged in as needed) and record its status, width,
    overflowing elements, English words and JavaScript errors. With `shots` (a directory and
    file-name prefix, e.g. "docs/img/h9-"), a screenshot of each page with a problem is saved
    there. Return the findings for every page; keep those that are not `ok`:

        bad = [c for c in check_pages(page, base, paths) if not c.ok]
        assert bad == [], "\n".join(f"{c.path}: {c.overflow or c.english or c.errors}" for c in bad)
    """
    errors = collect_page_errors(page)
    limit = width or page.viewport_size["width"]
    found = []
    for n, path in enumerate(paths):
        del errors[:]
        response = page.goto(base + path)
        try:
            page.wait_for_load_state("networkidle", timeout=5000)  # charts drawn, scripts run
        except Exception:  # a page that polls (a job's status) is never idle for long: take it as loaded
            pass
        check = PageCheck(path=path, status=response.status if response else None, width=page_width(page),
                          overflow=overflowing(page, limit),
                          english=english_ui_text(page, allow=allow, skip=skip) if english else [],
                          errors=list(errors))
        if check.width > limit and not check.overflow:
            check.overflow = [{"element": "html", "path": "html", "text": "", "right": check.width,
                               "width": check.width, "over_by": check.width - limit, "how": "box"}]
        if shots and not check.ok:
            page.screenshot(path=f"{shots}{n:03d}.png", full_page=True)
        found.append(check)
    return found
