"""The training pages: a volunteer blocked by a required course takes it and can sign up."""

import pytest
from django.urls import reverse

from wenming.accounts.models import User
from wenming.mobilization.models import CourseCompletion
from wenming.mobilization.services import course_create, project_course_require
from wenming.service.models import Enrollment
from wenming.service.tests.factories import recruiting_shift

pytestmark = pytest.mark.django_db

QUIZ = [{"question": "遇到突发情况先做什么？", "options": ["自行处置", "报告队长"], "answer": 1},
        {"question": "劝导时应当？", "options": ["耐心解释", "大声呵斥"], "answer": 0}]


@pytest.fixture
def setup(client, world):
    user = User.objects.create_user(username="liming", password="x")
    world.vol_a.user = user
    world.vol_a.save()
    client.force_login(user)
    shift = recruiting_shift(world, capacity=3)
    course = course_create(actor=world.root, node=world.county, title="文明劝导员岗前培训", material="劝导礼貌用语",
                           quiz=QUIZ, pass_score=100)
    project_course_require(actor=world.root, project=shift.project, course=course)
    return shift, course


def test_required_course_is_linked_taken_and_then_sign_up_works(client, world, setup):
    shift, course = setup
    detail = client.get(reverse("service_pages:project", args=[shift.project_id])).content.decode()
    assert reverse("mobilization:course", args=[course.pk]) in detail
    refused = client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True).content.decode()
    assert "须先完成岗前培训：文明劝导员岗前培训" in refused
    page = client.get(reverse("mobilization:course", args=[course.pk])).content.decode()
    assert "劝导礼貌用语" in page and "遇到突发情况先做什么？" in page
    failed = client.post(reverse("mobilization:course", args=[course.pk]), {"q0": "0", "q1": "0"}).content.decode()
    assert "未通过" in failed and not CourseCompletion.objects.exists()
    passed = client.post(reverse("mobilization:course", args=[course.pk]), {"q0": "1", "q1": "0"}).content.decode()
    assert "恭喜您通过" in passed and CourseCompletion.objects.filter(volunteer=world.vol_a).exists()
    client.post(reverse("service_pages:sign_up", args=[shift.pk]))
    assert Enrollment.objects.filter(shift=shift, volunteer=world.vol_a, status="confirmed").exists()
    listing = client.get(reverse("mobilization:courses")).content.decode()
    assert "文明劝导员岗前培训" in listing and "已通过" in listing


@pytest.mark.parametrize("answers", [{}, {"q0": "1"}, {"q0": "²", "q1": "0"}, {"q0": "7", "q1": "0"}])
def test_incomplete_or_bad_answers_are_refused_without_a_500(client, setup, answers):
    _, course = setup
    res = client.post(reverse("mobilization:course", args=[course.pk]), answers)
    assert res.status_code == 422 and "请回答每一道题" in res.content.decode()
    assert not CourseCompletion.objects.exists()


def test_a_course_nobody_requires_outside_my_area_is_not_found(client, world, setup):
    other = course_create(actor=world.root, node=world.station_b, title="杨贵店村内部培训")
    assert client.get(reverse("mobilization:course", args=[other.pk])).status_code == 404
