"""German text normalisation for the finder's search index.

Index and query go through the same functions, so what matters is consistency:
``fold`` maps every spelling a citizen might type ("Gebühr", "Gebuehr", "GEBÜHR")
to one form, ``stem`` removes inflection ("Anmeldung", "anmelden" → "anmeld").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Umlauts and ß are spelled out the way Germans type them without a German keyboard,
# so "Gebuehr" and "Gebühr" fold to the same string. Other diacritics (Sorbian place
# names such as "Budyšin", French loan words) are stripped after NFKD decomposition.
_GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_WORD_RE = re.compile(r"[a-z0-9]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

# Words that carry no meaning for finding a Leistung. Kept short on purpose: words like
# "antrag" or "bescheinigung" do distinguish Leistungen and stay searchable.
STOPWORDS = frozenset(
    [
        "a",
        "aber",
        "als",
        "am",
        "an",
        "auf",
        "aus",
        "bei",
        "beim",
        "bin",
        "bis",
        "da",
        "das",
        "dass",
        "dem",
        "den",
        "der",
        "des",
        "die",
        "doch",
        "du",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "er",
        "es",
        "etwas",
        "fuer",
        "gibt",
        "hat",
        "habe",
        "ich",
        "ihr",
        "im",
        "in",
        "ist",
        "ja",
        "kann",
        "machen",
        "man",
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "mich",
        "mir",
        "mit",
        "moechte",
        "muss",
        "nach",
        "noch",
        "nicht",
        "oder",
        "sich",
        "sie",
        "sind",
        "so",
        "ueber",
        "um",
        "und",
        "uns",
        "vom",
        "von",
        "vor",
        "war",
        "was",
        "weil",
        "wenn",
        "wer",
        "wie",
        "will",
        "wir",
        "wo",
        "zu",
        "zum",
        "zur",
    ]
)

# Words citizens add to what they need ("Personalausweis beantragen"). They stay searchable
# but weigh little, so they do not outrank the thing itself.
SOFT_WORDS = frozenset(
    [
        "antrag",
        "antraege",
        "beantragen",
        "beantrage",
        "beantragung",
        "bekommen",
        "benoetige",
        "brauche",
        "erhalten",
        "formular",
        "formulare",
        "hilfe",
        "information",
        "informationen",
        "online",
    ]
)

_stemmer = snowballstemmer.stemmer("german")


def fold(text: str) -> str:
    """Lower-case, spell out umlauts and ß, strip other diacritics and control characters."""
    text = _CONTROL_RE.sub(" ", text).casefold().translate(_GERMAN_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded alphanumeric words of ``text``, in order (punctuation and metacharacters separate words)."""
    return _WORD_RE.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball German stem of an already folded word (cached: vocabularies repeat a lot)."""
    if word.isdigit():
        return word
    return _stemmer.stemWord(word)


def content_words(text: str) -> list[str]:
    """Folded words without stopwords; falls back to all words if only stopwords were typed."""
    found = words(text)
    kept = [w for w in found if w not in STOPWORDS]
    return kept or found


def terms(text: str) -> list[str]:
    """Stems of the content words of ``text`` (the unit the index stores)."""
    return [stem(w) for w in content_words(text)]
