"""Who may see a submission's confirmation and receipt: the browser session that submitted it, or staff.

The wizard calls ``session_remember`` right after ``submission_submit``. A Vorgangsnummer alone
grants nothing, so a leaked or guessed number does not expose the receipt.
"""

from __future__ import annotations

SESSION_KEY = "submissions_numbers"
# Enough for a family filing several applications in one sitting; older numbers fall out.
SESSION_LIMIT = 20


def session_remember(*, request, submission) -> None:
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != submission.vorgangsnummer]
    numbers.append(submission.vorgangsnummer)
    request.session[SESSION_KEY] = numbers[-SESSION_LIMIT:]


def may_access(*, request, submission) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    return submission.vorgangsnummer in request.session.get(SESSION_KEY, [])
