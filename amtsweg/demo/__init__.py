"""Set-up and demo content (``bootstrap``, demo assistants, routes, mail sink, demo Fachverfahren).

The top layer beside ``amtsweg.ops``: it may use every app, and no app imports it.
"""
