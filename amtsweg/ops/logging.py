"""Logging filters that keep personal data out of logs."""

import logging
import re
from collections.abc import Mapping, MutableMapping

_QUERY = re.compile(r"\?[^\s\"]*")
# Draft and resume tokens travel in URL paths; a log line must not become a way into a draft.
_TOKEN = re.compile(r"/[A-Za-z0-9_-]{24,}(?=/|\s|\"|$)")


def _scrub(text: str) -> str:
    return _TOKEN.sub("/…", _QUERY.sub("?…", text))


class StripQueryString(logging.Filter):
    """Remove query strings and secret path tokens from request log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            # gunicorn's access log passes its atoms as one mapping ("%(r)s" is the request line).
            # Changed in place: gunicorn's mapping type answers "-" for atoms it does not have.
            args = record.args if isinstance(record.args, MutableMapping) else dict(record.args)
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = _scrub(value)
            record.args = args
        elif record.args:
            record.args = tuple(_scrub(a) if isinstance(a, str) else a for a in record.args)
        record.msg = _scrub(str(record.msg))
        return True
