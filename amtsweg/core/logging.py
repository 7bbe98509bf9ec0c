"""Logging filters that keep personal data out of logs."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class StripQueryString(logging.Filter):
    """Remove query strings from request log lines: they carry search terms and places."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_QUERY.sub("?…", a) if isinstance(a, str) else a for a in record.args)
        record.msg = _QUERY.sub("?…", str(record.msg))
        return True
