"""API helpers shared by all apps."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, with every error body carrying a German ``detail`` message."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Die Anfrage ist ungültig.", "errors": response.data}
    return response
