"""``postfach_unread``: the unread count for "Mein Konto" and the header. A callable, so the query only runs
on pages whose template actually shows it."""

from __future__ import annotations

from functools import cache

from amtsweg.cases.selectors import postfach_unread_count


def postfach(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        return postfach_unread_count(user=user)

    return {"postfach_unread": unread}
