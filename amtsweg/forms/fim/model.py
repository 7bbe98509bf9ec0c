"""Version-independent intermediate model of an XDatenfelder document (what the parser produces)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FimRule:
    id: str
    version: str
    name: str
    description: str = ""
    free_text: str = ""  # v3 freitextRegel, v2 definition
    script: str = ""  # never executed, carried as documentation only
    kind: str = ""  # v3 typ: K, M, V, B
    line: int | None = None


@dataclass
class FimConstraints:
    min_length: int | None = None
    max_length: int | None = None
    min_value: str | None = None
    max_value: str | None = None
    pattern: str | None = None
    text: str = ""  # anything in praezisierung we could not interpret (e.g. a code list name in v1)


@dataclass
class FimCodelist:
    urn: str  # canonical identification (or the list's id when no URN is known)
    version: str = ""
    name: str = ""


@dataclass
class FimValue:
    code: str
    name: str
    help: str = ""


@dataclass
class FimElement:
    id: str
    version: str
    name: str
    label: str
    description: str = ""
    definition: str = ""
    reference: str = ""  # bezug: legal reference
    help: str = ""
    rules: list[FimRule] = field(default_factory=list)
    line: int | None = None


@dataclass
class FimField(FimElement):
    input_kind: str = "input"  # feldart: input, select, label, hidden, locked
    data_type: str = "text"  # datentyp: text, text_latin, date, time, datetime, bool, num, num_int, num_currency, ...
    constraints: FimConstraints = field(default_factory=FimConstraints)
    content: str = ""  # inhalt: label text or preset value
    codelist: FimCodelist | None = None
    values: list[FimValue] = field(default_factory=list)  # v3 embedded werte
    max_size: int | None = None  # v3 maxSize (bytes)
    media_types: list[str] = field(default_factory=list)


@dataclass
class FimChild:
    element: FimField | FimGroup
    min: int
    max: int | None  # None = unbounded ("*")
    line: int | None = None


@dataclass
class FimGroup(FimElement):
    children: list[FimChild] = field(default_factory=list)


@dataclass
class FimSchema(FimElement):
    """The imported root: a Stammdatenschema, or the root Datenfeldgruppe of a Datenfeldgruppe message."""

    standard_version: int = 2  # XDatenfelder 1, 2 or 3
    message_type: str = ""  # root element name, e.g. xdatenfelder.stammdatenschema.0102
    root_kind: str = "stammdatenschema"  # or "datenfeldgruppe"
    children: list[FimChild] = field(default_factory=list)


@dataclass
class CodelistValues:
    """The values of a referenced code list as found in the code-list store (see forms.selectors)."""

    urn: str
    version: str  # the version actually used
    requested_version: str  # the version the schema asked for ("" = none given)
    name: str
    options: list[dict]  # [{"value": code, "label": label}, ...]
    attribution: str = ""

    @property
    def fallback(self) -> bool:
        return bool(self.requested_version) and self.version != self.requested_version
