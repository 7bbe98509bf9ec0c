"""Background tasks of the assistant (run by the task worker, see docs/adr/0006-background-tasks.md)."""

from __future__ import annotations

from django_tasks import task

from amtsweg.assistant import resume


@task()
def resume_mail_send(mail_id: int) -> dict:
    """Send a queued resume-link e-mail; retries itself with backoff (see ``resume.resume_mail_send``).

    The arguments hold only the row id: no address, no link, no token.
    """
    return {"mail": mail_id, "result": resume.resume_mail_send(mail_id=mail_id)}
