"""Training courses (岗前培训) gate sign-up until passed."""

import pytest

from wenming.core.errors import DomainError
from wenming.mobilization import selectors, services
from wenming.mobilization.models import CallResponse, CourseCompletion
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import Enrollment
from wenming.service.tests.factories import recruiting_shift

from .helpers import make_call, reserve

pytestmark = pytest.mark.django_db

QUIZ = [
    {"question": "发现险情第一步？", "options": ["拍照", "报告带队人"], "answer": 1},
    {"question": "防护服何时脱？", "options": ["离开污染区后", "随时"], "answer": 0},
]


def _gated(world, **course_fields):
    shift = recruiting_shift(world)
    course = services.course_create(actor=world.manager_a, node=world.station_a, title="防疫安全须知",
                                    material="……", quiz=QUIZ, pass_score=100, **course_fields)
    services.project_course_require(actor=world.manager_a, project=shift.project, course=course)
    return shift, course


def test_a_required_course_blocks_sign_up_until_passed(world):
    shift, course = _gated(world)
    with pytest.raises(DomainError) as err:
        enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    assert err.value.code == "mobilization.course_required"
    assert err.value.message == "须先完成岗前培训：防疫安全须知"

    failed = services.course_complete(actor=world.root, course=course, volunteer=world.vol_a, answers=[1, 1])
    assert failed["passed"] is False and failed["score"] == 50
    assert "未通过" in failed["message"]
    assert selectors.missing_courses(shift.project, world.vol_a) == ["防疫安全须知"]
    with pytest.raises(DomainError):
        enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)

    passed = services.course_complete(actor=world.root, course=course, volunteer=world.vol_a, answers=[1, 0])
    assert passed == {"passed": True, "score": 100, "pass_score": 100,
                      "message": "恭喜您通过“防疫安全须知”培训，得分 100 分"}
    assert selectors.missing_courses(shift.project, world.vol_a) == []
    assert enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a).status == "confirmed"
    # Passing again keeps one completion.
    services.course_complete(actor=world.root, course=course, volunteer=world.vol_a, answers=[1, 0])
    assert CourseCompletion.objects.filter(course=course, volunteer=world.vol_a).count() == 1


def test_a_yes_without_training_is_rolled_back_with_the_reason(world, django_capture_on_commit_callbacks):
    shift, course = _gated(world)
    vol = reserve(world)
    call = make_call(world, shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.call_target(actor=world.manager_a, call=call)
    response = CallResponse.objects.select_related("call__shift__project", "volunteer").get(call=call)
    with pytest.raises(DomainError) as err:
        services.call_answer(actor=None, response=response, answer="yes")
    assert err.value.code == "mobilization.course_required"
    response.refresh_from_db()
    assert response.answer == "none" and response.enrollment_id is None

    services.course_complete(actor=world.root, course=course, volunteer=vol, answers=[1, 0])
    answered = services.call_answer(actor=None, response=response, answer="yes")
    assert answered.answer == "yes"
    assert Enrollment.objects.get(pk=answered.enrollment_id).source == "mobilization"


def test_wrong_number_of_answers_and_bad_quizzes_are_refused(world):
    _shift, course = _gated(world)
    with pytest.raises(DomainError) as err:
        services.course_complete(actor=world.root, course=course, volunteer=world.vol_a, answers=[1])
    assert err.value.code == "mobilization.answers_invalid"
    with pytest.raises(DomainError) as err:
        services.course_create(actor=world.manager_a, node=world.station_a, title="x",
                               quiz=[{"question": "q", "options": ["a", "b"], "answer": 5}])
    assert err.value.code == "mobilization.quiz_invalid"


def test_a_course_without_quiz_is_completed_by_reading(world):
    course = services.course_create(actor=world.manager_a, node=world.station_a, title="服务礼仪")
    assert services.course_complete(actor=world.root, course=course, volunteer=world.vol_a)["passed"] is True


def test_staff_cannot_record_completions_outside_their_subtree(world):
    course = services.course_create(actor=world.manager_a, node=world.station_a, title="服务礼仪")
    with pytest.raises(DomainError) as err:
        services.course_complete(actor=world.manager_b, course=course, volunteer=world.vol_a)
    assert err.value.code == "not_found"
