"""The English catalogue is complete (issue 11 §4): every German source string has an English text.

``scripts/messages`` refreshes ``locale/en/LC_MESSAGES/django.po`` from the code; these tests fail while an
entry is untranslated or fuzzy, while the committed .mo lags behind the .po, or while the code has a marked
string that the .po does not know yet (checked when GNU gettext is installed, as ``./dev`` does).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert len(_entries(po)) > 100
    assert [e.msgid for e in _entries(po) if not e.translated()] == []
    assert [e.msgid for e in _entries(po) if "fuzzy" in e.flags] == []


def test_placeholders_survive_translation():
    po = polib.pofile(str(PO))
    for entry in _entries(po):
        if "python-format" in entry.flags or "python-brace-format" in entry.flags:
            texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
            for text in texts:
                for token in _placeholders(entry.msgid):
                    assert token in text, (entry.msgid, text)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text))


@pytest.mark.parametrize("language", ["de", "en"])
def test_compiled_catalogue_matches_its_source(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in _entries(po):
        if entry.translated():
            assert (entry.msgctxt, entry.msgid) in compiled, f"{entry.msgid!r}: run scripts/messages"
            assert compiled[(entry.msgctxt, entry.msgid)][0] == entry.msgstr, f"{entry.msgid!r}: run scripts/messages"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (./dev installs it)")
def test_every_marked_string_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    # From inside the package (which has no locale folder of its own) makemessages writes to LOCALE_PATHS only.
    monkeypatch.chdir(Path(settings.BASE_DIR) / "amtsweg")
    settings.LOCALE_PATHS = [tmp_path]
    call_command("makemessages", locale=["en"], ignore_patterns=["static/*", "*/tests/*"], verbosity=0)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "en" / "LC_MESSAGES" / "django.po"))}
    known = {(e.msgctxt, e.msgid) for e in _entries(polib.pofile(str(PO)))}
    assert sorted(fresh - known, key=str) == [], "new strings: run scripts/messages and translate them"
