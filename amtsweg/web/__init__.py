"""The web base every layer uses: client identity (``clients``), atomic flood limits (``limits``), the API base
(``api``: safe JSON parser, German errors, JSON 404), DRF throttling, error views and the context processor.

A plain package (no Django app, no models): it imports no app, only ``amtsweg.common``, Django and libraries.
"""
