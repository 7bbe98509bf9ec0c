"""Background tasks of submissions (run by ``manage.py db_worker``, see docs/adr/0006-background-tasks.md)."""

from __future__ import annotations

from django_tasks import task

from amtsweg.submissions import worker_steps
from amtsweg.submissions.models import Submission


@task()
def receipt_generate(submission_id: int) -> dict:
    """Render and store the PDF/A receipt, then send the confirmation e-mail once.

    Idempotent: running it again (a retry, a duplicate task, ``submissions_resume``) neither renders
    a second receipt nor sends a second e-mail.
    """
    submission = (
        Submission.objects.select_related("form_version", "leistung", "authority").filter(pk=submission_id).first()
    )
    if submission is None:
        return {"submission": submission_id, "receipt": "missing", "confirmation": "missing"}
    worker_steps.receipt_store(submission=submission)
    confirmation = worker_steps.confirmation_send(submission=submission)
    return {"submission": submission_id, "receipt": "ready", "confirmation": confirmation}
