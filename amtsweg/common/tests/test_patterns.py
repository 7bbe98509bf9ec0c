"""VISIBLE_CHAR means "a visible character" in Python (which trims) and in the schema's ECMA-262 regexes."""

import re
import sys

from amtsweg.common.patterns import VISIBLE_CHAR

# Whitespace by ECMA-262 (WhiteSpace and LineTerminator), which schemathesis and API clients apply to `pattern`.
ECMA_WHITESPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
ECMA_WHITESPACE += "\u2028\u2029\u202f\u205f\u3000\ufeff"


def test_no_whitespace_of_either_engine_counts_as_visible():
    python_whitespace = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    for char in set(python_whitespace) | set(ECMA_WHITESPACE):
        assert not re.search(VISIBLE_CHAR, char), repr(char)


def test_letters_digits_and_punctuation_are_visible():
    for text in ("a", "Ä", "7", "–", "§", " x "):
        assert re.search(VISIBLE_CHAR, text.strip())
