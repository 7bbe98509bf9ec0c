"""Regular expressions shared by validation in Python and the OpenAPI schema (ECMA-262 regexes)."""

# One visible character, the same in both engines: Python counts \x1c-\x1f and \x85 as whitespace (and
# DRF trims them), ECMA-262 counts \ufeff; neither may stand alone in a text that must not be blank.
VISIBLE_CHAR = r"[^\s\x1c-\x1f\x85\ufeff]"
