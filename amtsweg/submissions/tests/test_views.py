import pytest
from django.contrib.auth import get_user_model

from amtsweg.submissions.access import SESSION_KEY, session_remember
from amtsweg.submissions.services import receipt_store


def _remember(client, submission):
    session = client.session
    session[SESSION_KEY] = [submission.vorgangsnummer]
    session.save()


def _view_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="view_submission", content_type__app_label="submissions")


@pytest.fixture
def submission(submit):
    return submit()


def test_confirmation_page_while_pending_polls_with_htmx_and_offers_a_reload_link(client, submission):
    _remember(client, submission)
    response = client.get(f"/antraege/{submission.vorgangsnummer}/bestaetigung/")
    assert response.status_code == 200
    html = response.content.decode()
    assert submission.vorgangsnummer in html and "Ihr Antrag ist eingegangen" in html
    assert "wird gerade erstellt" in html
    assert f'hx-get="/antraege/{submission.vorgangsnummer}/status/"' in html and 'hx-trigger="every 2s"' in html
    assert f'href="/antraege/{submission.vorgangsnummer}/bestaetigung/"' in html  # works without JavaScript
    assert "quittung.pdf" not in html
    assert "<script>" not in html and "style=" not in html  # strict CSP: nothing inline
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert client.get(f"/antraege/{submission.vorgangsnummer}/quittung.pdf").status_code == 404


def test_status_partial_and_download_once_the_receipt_is_ready(client, submission):
    _remember(client, submission)
    receipt_store(submission=submission)

    partial = client.get(f"/antraege/{submission.vorgangsnummer}/status/").content.decode()
    assert "hx-trigger" not in partial  # polling stops
    assert f'href="/antraege/{submission.vorgangsnummer}/quittung.pdf"' in partial

    response = client.get(f"/antraege/{submission.vorgangsnummer}/quittung.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="Eingangsbestaetigung-{submission.vorgangsnummer}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_download_name_follows_the_receipts_language_not_the_page(client, submit):
    """An English receipt is named in English, even when the page is German now (and the other way round)."""
    english, german = submit(language="en"), submit()
    _remember_all(client, english, german)
    for submission in (english, german):
        receipt_store(submission=submission)
    client.cookies["amtsweg_language"] = "de"
    response = client.get(f"/antraege/{english.vorgangsnummer}/quittung.pdf")
    assert f'filename="Confirmation-of-receipt-{english.vorgangsnummer}.pdf"' in response["Content-Disposition"]
    client.cookies["amtsweg_language"] = "en"
    response = client.get(f"/antraege/{german.vorgangsnummer}/quittung.pdf")
    assert f'filename="Eingangsbestaetigung-{german.vorgangsnummer}.pdf"' in response["Content-Disposition"]


def _remember_all(client, *submissions):
    session = client.session
    session[SESSION_KEY] = [s.vorgangsnummer for s in submissions]
    session.save()


def test_other_sessions_get_404_for_everything(client, submission):
    receipt_store(submission=submission)
    for suffix in ("bestaetigung/", "status/", "quittung.pdf"):
        assert client.get(f"/antraege/{submission.vorgangsnummer}/{suffix}").status_code == 404
    assert client.get("/antraege/AW-2026-UNBEKANN/bestaetigung/").status_code == 404
    assert client.get("/antraege/kaputt/bestaetigung/").status_code == 404


def test_staff_of_the_authority_with_the_view_permission_may_open_its_receipts(client, submission):
    from amtsweg.directory.services import membership_set

    receipt_store(submission=submission)
    staff = get_user_model().objects.create_user(username="sachbearbeitung", password="x" * 16, is_staff=True)
    staff.user_permissions.add(_view_permission())
    client.force_login(staff)
    # The permission alone is not enough: the staff user must work for the submission's authority.
    assert client.get(f"/antraege/{submission.vorgangsnummer}/quittung.pdf").status_code == 404
    assert submission.vorgangsnummer not in client.get("/admin/submissions/submission/").content.decode()
    membership_set(user=staff, authority=submission.authority)
    assert client.get(f"/antraege/{submission.vorgangsnummer}/bestaetigung/").status_code == 200
    assert client.get(f"/antraege/{submission.vorgangsnummer}/quittung.pdf").status_code == 200
    assert submission.vorgangsnummer in client.get("/admin/submissions/submission/").content.decode()


def test_staff_without_the_permission_gets_nothing(client, submission):
    """Issue 8 finding 3: ``is_staff`` alone downloaded any citizen's receipt."""
    receipt_store(submission=submission)
    staff = get_user_model().objects.create_user(username="praktikum", password="x" * 16, is_staff=True)
    client.force_login(staff)
    for suffix in ("bestaetigung/", "status/", "quittung.pdf"):
        assert client.get(f"/antraege/{submission.vorgangsnummer}/{suffix}").status_code == 404
    # The admin hides the list as well (Django checks the model permissions there).
    assert client.get("/admin/submissions/submission/").status_code == 403
    assert client.get(f"/admin/submissions/submission/{submission.pk}/change/").status_code in (302, 403)
    assert submission.vorgangsnummer not in client.get("/admin/").content.decode()


def test_inactive_staff_gets_nothing_even_with_the_permission(client, submission):
    receipt_store(submission=submission)
    staff = get_user_model().objects.create_user(username="ehemalig", password="x" * 16, is_staff=True)
    staff.user_permissions.add(_view_permission())
    staff.is_active = False
    staff.save()
    client.force_login(staff)
    assert client.get(f"/antraege/{submission.vorgangsnummer}/quittung.pdf").status_code == 404


def test_lower_case_number_is_accepted_for_the_owner(client, submission):
    _remember(client, submission)
    response = client.get(f"/antraege/{submission.vorgangsnummer.lower()}/bestaetigung/")
    assert response.status_code == 200


def test_session_remember_keeps_the_latest_numbers(rf, submission):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session[SESSION_KEY] = [f"AW-2026-{i:08d}" for i in range(25)]
    session_remember(request=request, submission=submission)
    numbers = request.session[SESSION_KEY]
    assert len(numbers) == 20 and numbers[-1] == submission.vorgangsnummer
