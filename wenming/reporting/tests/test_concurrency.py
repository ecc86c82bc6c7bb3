"""Reports under concurrent writers, on real connections (one per thread): the conditional
UPDATEs let exactly one decision through and keep the image limit."""


from wenming.core.testing import CONCURRENT, ran_ok
from wenming.dashboards.models import FigureDelta
from wenming.reporting import services
from wenming.reporting.models import InfoReport, ReportReview
from wenming.reporting.models import ReportStatus as S
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

from .factories import draft, reporting_world, submitted


@CONCURRENT
def test_concurrent_decisions_let_exactly_one_through():
    w = reporting_world(build_world())
    report = submitted(w.liaison_a, unit=w.unit_a)
    copies = [InfoReport.objects.select_related("node").get(pk=report.pk) for _ in range(16)]  # all read "submitted"
    jobs = []
    for i, copy in enumerate(copies):
        if i % 2:
            jobs.append(lambda c=copy: ran_ok(lambda: services.report_approve(actor=w.office, report=c)))
        else:
            jobs.append(lambda c=copy: ran_ok(lambda: services.report_return(actor=w.manager_a, report=c,
                                                                          comment="退回")))
    results = storm(jobs)
    assert len(results) == 16 and results.count("ok") == 1
    assert set(results) - {"ok"} == {"reporting.bad_status"}
    decisions = list(ReportReview.objects.filter(report=report).values_list("decision", flat=True))
    assert len(decisions) == 2 and decisions[0] == "submit"
    final = InfoReport.objects.get(pk=report.pk).status
    assert final == (S.APPROVED if decisions[1] == "approve" else S.RETURNED)
    assert FigureDelta.objects.filter(metric="reports_approved").count() == (1 if final == S.APPROVED else 0)


@CONCURRENT
def test_concurrent_submissions_count_once():
    w = reporting_world(build_world())
    report = draft(w.liaison_a, unit=w.unit_a)
    copies = [InfoReport.objects.select_related("node").get(pk=report.pk) for _ in range(12)]
    results = storm([lambda c=c: ran_ok(lambda: services.report_submit(actor=w.liaison_a, report=c)) for c in copies])
    assert results.count("ok") == 1 and set(results) - {"ok"} == {"reporting.bad_status"}
    assert FigureDelta.objects.filter(metric="reports_submitted").count() == 1


@CONCURRENT
def test_concurrent_uploads_never_pass_the_image_limit(settings, tmp_path):
    from wenming.core.testing import make_jpeg

    settings.UPLOAD_DIR = str(tmp_path)
    w = reporting_world(build_world())
    report = draft(w.liaison_a, unit=w.unit_a)
    data = make_jpeg()
    copies = [InfoReport.objects.select_related("node").get(pk=report.pk) for _ in range(16)]
    results = storm([lambda c=c: ran_ok(lambda: services.report_image_add(actor=w.liaison_a, report=c, upload=data))
                     for c in copies])
    assert results.count("ok") == 9 and results.count("reporting.too_many_images") == 7
    report.refresh_from_db()
    assert report.image_count == 9 == report.images.count()
