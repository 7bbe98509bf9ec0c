"""Who may see a submission's confirmation and receipt: the browser session that submitted it, or
staff holding the model permission ``submissions.view_submission`` who work for the submission's
authority (``directory.AuthorityMembership``; superusers: all). ``is_staff`` alone is not enough.

The wizard calls ``session_remember`` right after ``submission_submit``. A Vorgangsnummer alone
grants nothing, so a leaked or guessed number does not expose the receipt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amtsweg.directory.selectors import user_may_work_for

if TYPE_CHECKING:
    from django.http import HttpRequest

    from amtsweg.submissions.models import Submission

SESSION_KEY = "submissions_numbers"
# Enough for a family filing several applications in one sitting; older numbers fall out.
SESSION_LIMIT = 20
STAFF_PERMISSION = "submissions.view_submission"


def session_remember(*, request: HttpRequest, submission: Submission) -> None:
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != submission.vorgangsnummer]
    numbers.append(submission.vorgangsnummer)
    request.session[SESSION_KEY] = numbers[-SESSION_LIMIT:]


def may_access(*, request: HttpRequest, submission: Submission) -> bool:
    user = getattr(request, "user", None)
    staff = user is not None and user.is_active and user.is_staff and user.has_perm(STAFF_PERMISSION)
    if staff and user_may_work_for(user, submission.authority_id):
        return True
    # The applicant's account ("Meine Anträge"): linked at submit time or attached with the Zugangscode.
    if user is not None and user.is_authenticated and submission.vorgang.applicant_id == user.pk:
        return True
    return submission.vorgangsnummer in request.session.get(SESSION_KEY, [])
