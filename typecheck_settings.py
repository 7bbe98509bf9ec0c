"""Django settings for the type checker's Django plugin ([tool.django-stubs] in pyproject.toml).

The plugin imports settings to learn the installed apps and models; the production profile (the
default) would demand secrets, so mypy reads the test profile unless a mode is set.
"""

import os

os.environ.setdefault("AMTSWEG_MODE", "test")

from amtsweg.settings import *  # noqa: E402, F403
