"""A real task worker (django-tasks-db) runs a job that a user watches."""

import signal
from decimal import Decimal

import pytest
from django.core.management import call_command

from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start
from jingzhun.policy.models import IncomeComponentRule
from jingzhun.registry.models import IncomeRecord
from jingzhun.registry.services import income_set
from jingzhun.registry.tasks import incomes_recompute_task


@pytest.mark.django_db(transaction=True)
def test_recompute_job_runs_in_the_worker(household, areas, users):
    rec = income_set(actor=None, household=household, year=2020, wages=3000, pensions=3000)
    assert rec.net == Decimal("6000.00")
    IncomeComponentRule.objects.create(year=2020, area=areas["522633000000"], component="pensions", counts=False, source="t")
    job = job_start(actor=users["county"], kind="incomes_recompute", area=areas["522633000000"], params={"year": 2020},
                    task=incomes_recompute_task)
    assert job.status == JobStatus.QUEUED and job.task_result_id
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("worker", batch=True, interval=0.1)
    finally:  # the worker installs its own handlers for the whole process; this test process keeps its own
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert (job.progress, job.total, job.result) == (1, 1, {"changed": 1})
    assert IncomeRecord.objects.get(pk=rec.pk).net == Decimal("3000.00")


@pytest.mark.django_db
def test_job_start_checks_scope(areas, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        job_start(actor=users["analyst"], kind="x", area=areas["522633000000"], params={}, task=incomes_recompute_task)
    assert Job.objects.count() == 0
