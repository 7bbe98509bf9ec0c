"""Logging filters that keep personal data out of logs."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")
# Draft and resume tokens travel in URL paths; a log line must not become a way into a draft.
_TOKEN = re.compile(r"/[A-Za-z0-9_-]{24,}(?=/|\s|\"|$)")


def _scrub(text: str) -> str:
    return _TOKEN.sub("/…", _QUERY.sub("?…", text))


class StripQueryString(logging.Filter):
    """Remove query strings and secret path tokens from request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_scrub(a) if isinstance(a, str) else a for a in record.args)
        record.msg = _scrub(str(record.msg))
        return True
