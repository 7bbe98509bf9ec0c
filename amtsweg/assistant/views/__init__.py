"""The citizen's wizard: start page, one page per step, review and submit, drafts and uploads.

Every page works without JavaScript (plain POST + redirect); htmx only re-renders the step's fields
when a row is added or removed or an answer shows or hides other fields. Views stay thin: where a
page leads is decided in ``transitions``, what a page shows in ``wizard``, writes are in ``services``.
"""

from amtsweg.assistant.views.account import account_draft_delete, account_draft_resume
from amtsweg.assistant.views.files import upload_download
from amtsweg.assistant.views.later import resume_link, save_later
from amtsweg.assistant.views.reopen import reopen_file, reopen_step
from amtsweg.assistant.views.review import review
from amtsweg.assistant.views.start import draft_entry, start
from amtsweg.assistant.views.steps import step_view, stop

__all__ = [
    "account_draft_delete",
    "account_draft_resume",
    "draft_entry",
    "reopen_file",
    "reopen_step",
    "resume_link",
    "review",
    "save_later",
    "start",
    "step_view",
    "stop",
    "upload_download",
]
