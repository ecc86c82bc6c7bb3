"""Activity photos (活动照片) for the demo: simple scenes drawn with Pillow (sky, ground, a red
banner, volunteers in red vests), so the project pages and the published report show
photos without anything downloaded. Each scene comes from its own seeded Random: adding
photos does not move the demo's other random draws."""

from __future__ import annotations

import random
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from wenming.accounts.models import User
from wenming.orgs.models import Node
from wenming.service.models import Project
from wenming.service.photos.services import project_photo_add

WIDTH, HEIGHT = 800, 600
SKIES = [((120, 180, 235), (215, 235, 250)), ((250, 200, 140), (255, 235, 205)), ((160, 200, 225), (235, 240, 245))]
GROUNDS = [(120, 160, 90), (170, 165, 150), (150, 135, 110)]
VEST = (205, 45, 40)

# project title → (phase, caption, scene seed)
PROJECT_PHOTOS = {
    "文明劝导进小区 · 周末文明交通劝导": [("before", "上周末劝导点位踩点", 11), ("during", "路口文明交通劝导", 12)],
    "关爱空巢老人 · 上门探访陪伴": [("during", "志愿者上门陪伴老人", 21)],
    "疫情防控 · 居家隔离户物资配送": [("during", "分拣代购物资", 31), ("after", "配送完成后合影", 32),
                                     ("after", "物资送到门口", 33)],
}
REPORT_PHOTO_SEEDS = (41, 42)


def activity_photo(seed: int) -> ContentFile:
    """An 800×600 JPEG of a made-up activity scene, the same for the same seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    top, bottom = rng.choice(SKIES)
    horizon = rng.randint(330, 390)
    for y in range(horizon):  # the sky, a vertical gradient
        t = y / horizon
        draw.line([(0, y), (WIDTH, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    draw.rectangle([0, horizon, WIDTH, HEIGHT], fill=rng.choice(GROUNDS))
    for _ in range(rng.randint(2, 4)):  # hills or buildings behind
        x = rng.randint(-100, WIDTH)
        w, h = rng.randint(160, 320), rng.randint(60, 160)
        shade = rng.randint(150, 200)
        draw.rectangle([x, horizon - h, x + w, horizon], fill=(shade, shade - 10, shade - 25))
        for wx in range(x + 15, x + w - 20, 40):  # windows
            draw.rectangle([wx, horizon - h + 15, wx + 18, horizon - h + 35], fill=(235, 235, 220))
    banner_y = horizon - rng.randint(150, 210)
    draw.rectangle([120, banner_y, 680, banner_y + 56], fill=(200, 30, 35))  # the activity's banner
    for n in range(8):
        draw.rectangle([150 + n * 64, banner_y + 18, 186 + n * 64, banner_y + 38], fill=(250, 225, 120))
    for n in range(rng.randint(4, 7)):  # volunteers in red vests
        x = 90 + n * 100 + rng.randint(-20, 20)
        y = horizon + rng.randint(40, 120)
        skin = rng.choice([(240, 205, 175), (225, 185, 150), (210, 170, 135)])
        draw.ellipse([x - 16, y - 118, x + 16, y - 86], fill=skin)
        draw.rectangle([x - 22, y - 84, x + 22, y - 24], fill=VEST)
        draw.rectangle([x - 18, y - 24, x - 4, y + 10], fill=(50, 60, 80))
        draw.rectangle([x + 4, y - 24, x + 18, y + 10], fill=(50, 60, 80))
    draw.ellipse([660, 40, 730, 110], fill=(255, 235, 150))  # the sun
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"demo-{seed}.jpg")


def create_project_photos(station: Node) -> int:
    """Photos on three of the demo station's projects (recruiting and finished), uploaded by
    the station's manager through the service."""
    staff = User.objects.get(username="station")
    added = 0
    for title, photos in PROJECT_PHOTOS.items():
        project = Project.objects.filter(node=station, title=title).select_related("node").first()
        if project is None:
            continue
        for phase, caption, seed in photos:
            project_photo_add(actor=staff, project=project, upload=activity_photo(seed), phase=phase, caption=caption)
            added += 1
    return added
