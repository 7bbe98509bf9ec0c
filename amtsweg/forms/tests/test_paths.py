"""The one answer-path syntax (amtsweg.forms.paths) reads exactly what the two former regexes read: the
wizard's (every path the engine reports) and the submissions' (only paths of one stored answer)."""

from __future__ import annotations

import re

import pytest

from amtsweg.forms.definition import content_hash
from amtsweg.forms.paths import AnswerPath, answer_path_parse, path_parse, row_path

# The two definitions this module replaced, kept here as the reference for the behaviour.
WIZARD_RE = re.compile(r"^([a-z][a-z0-9_]*)(?:\[(\d+)\])?(?:\.([a-z][a-z0-9_]*))?(?:\.([a-z_]+))?$")
SUBMISSIONS_RE = re.compile(r"^([a-z][a-z0-9_]*)(?:\[(\d{1,3})\]\.([a-z][a-z0-9_]*))?$")

PATHS = [
    "name",
    "hund_2",
    "hund[0].hund_name",
    "hund[12].rasse",
    "hund[999].x",
    "hund[1000].x",
    "hund[007].x",
    "hund[0]",
    "hund[0].",
    "anschrift.city",
    "anschrift._x",
    "hund[1].anschrift.postal_code",
    "hund[1]._x",
    "a.b.c.d",
    "Hund",
    "1hund",
    "_hund",
    "hund[-1].x",
    "hund[].x",
    "hund[a].x",
    "hund[1]x",
    "",
    "hund[0].hund_name\n",
]


@pytest.mark.parametrize("path", PATHS)
def test_path_parse_reads_what_the_wizard_read(path):
    old = WIZARD_RE.match(path)
    new = path_parse(path)
    if old is None:
        assert new is None
    else:
        key, index, sub, part = old.groups()
        assert new == AnswerPath(key, None if index is None else int(index), sub, part)


@pytest.mark.parametrize("path", PATHS)
def test_answer_path_parse_reads_what_submissions_read(path):
    old = SUBMISSIONS_RE.match(path)
    new = answer_path_parse(path)
    if old is None:
        assert new is None
    else:
        key, index, sub = old.groups()
        assert (new.key, new.index, new.sub) == (key, None if index is None else int(index), sub)


def test_none_and_row_paths():
    assert path_parse(None) is None and answer_path_parse(None) is None
    assert row_path("hund", 1, "hund_name") == "hund[1].hund_name"
    assert answer_path_parse(row_path("hund", 1, "hund_name")) == AnswerPath("hund", 1, "hund_name")


def test_content_hash_is_pinned():
    # Published versions store this hash; it is the shared canonical JSON's SHA-256 and may never change.
    sample = {"name": "Jürgen Größe", "z": [1.5, 2.0, 1e-7, 3], "a": {"ß": "straße", "b": None, "t": True}}
    sample["€"] = "\u2028x"
    assert content_hash(sample) == "52fb007d7437d4c2ef1c4c3f01682976e0a0cecdb1fc152fb94dbebe8ddfd9cf"
