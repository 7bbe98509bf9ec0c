"""Writes for the municipality register, postal codes and authorities.

All importers are idempotent and use bulk operations: importing all of Germany
(about 16,000 register records) costs a handful of queries, not one per row.

One module per concern; the public names are re-exported here, so callers import
from ``amtsweg.directory.services``:

- ``register``: the GV100AD register import (``register_report``: what it changed);
- ``register_history``: every register version of the data folder in order, or backfilled into a newer one;
- ``successors``: successors of dissolved units and redirecting references onto them;
- ``postal_codes``: PLZ → Gemeinde;
- ``authorities``: default authorities generated from the register;
- ``authority_io``: authority import and export (CSV/JSON);
- ``names``, ``base``: helpers shared by the above.
"""

from .authorities import DEFAULT_OPENING_HOURS, GEMEINDEFREI_TYPES, KREISFREI_TYPES, authorities_generate
from .authority_io import EXPORT_FIELDS, authorities_export, authorities_import
from .base import LEVELS, Kind
from .memberships import membership_remove, membership_set
from .names import short_name
from .postal_codes import postal_codes_import
from .register import register_import
from .register_history import REGISTER_FILES, register_backfill, register_history_ensure
from .register_report import register_report_text
from .successors import SUCCESSORS_FILE, Candidate, Dissolved, references_redirect, successors_guess
from .version import reference_version_bump

__all__ = [
    "membership_remove",
    "membership_set",
    "DEFAULT_OPENING_HOURS",
    "EXPORT_FIELDS",
    "GEMEINDEFREI_TYPES",
    "KREISFREI_TYPES",
    "LEVELS",
    "REGISTER_FILES",
    "SUCCESSORS_FILE",
    "Candidate",
    "Dissolved",
    "Kind",
    "authorities_export",
    "authorities_generate",
    "authorities_import",
    "postal_codes_import",
    "reference_version_bump",
    "references_redirect",
    "register_backfill",
    "register_history_ensure",
    "register_import",
    "register_report_text",
    "short_name",
    "successors_guess",
]
