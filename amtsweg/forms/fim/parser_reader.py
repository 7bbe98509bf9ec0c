"""The element reader of ``parser.py``: one class for XDatenfelder 1, 2 and 3, with a few version switches."""

from __future__ import annotations

from lxml import etree

from .errors import FimImportError, at_line
from .model import FimChild, FimCodelist, FimConstraints, FimField, FimGroup, FimRule, FimSchema, FimValue
from .parser_helpers import (
    DATENTYP_ALIASES,
    DATENTYPEN,
    FELDARTEN,
    FREIGABESTATUS,
    KNOWN,
    MAX_DEPTH,
    MULTI,
    clean,
    label_humanise,
    meaningful,
    multiplicity_parse,
    praezisierung_text_parse,
)


class Reader:
    def __init__(self, *, version: int, namespace: str, warnings: list[str]):
        self.version = version
        self.ns = namespace
        self.warnings = warnings

    # -- helpers -------------------------------------------------------------------------------------------------

    def local(self, el: etree._Element) -> str | None:
        """Local name of an element in the XDatenfelder namespace, None for anything else."""
        qname = etree.QName(el)
        return qname.localname if qname.namespace == self.ns else None

    def collect(self, el: etree._Element, kind: str, *, what: str) -> dict[str, list[etree._Element]]:
        known = KNOWN[kind]
        multi = MULTI | ({"bezug"} if self.version == 3 else set())
        found: dict[str, list[etree._Element]] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = self.local(child)
            if name is None:
                continue  # extension elements of other namespaces are not ours to judge
            if name not in known:
                self.warnings.append(
                    at_line(child.sourceline, f"Unbekanntes Element 'xdf:{name}' {what} wird ignoriert.")
                )
                continue
            if name in found and name not in multi:
                raise FimImportError(
                    at_line(child.sourceline, f"Element 'xdf:{name}' ist {what} mehrfach vorhanden."),
                    line=child.sourceline,
                )
            found.setdefault(name, []).append(child)
        return found

    def text(self, found: dict, name: str) -> str:
        elements = found.get(name)
        return clean(elements[0].text) if elements else ""

    def code(self, el: etree._Element) -> str:
        for child in el:
            if isinstance(child.tag, str) and etree.QName(child).localname == "code":
                return clean(child.text)
        return clean(el.text)

    def identification(self, el: etree._Element, found: dict, *, tag: str) -> tuple[str, str]:
        if self.version == 1:
            ids = found.get("id")
            if not ids:
                raise FimImportError(
                    at_line(el.sourceline, f"Element 'xdf:{tag}' ohne Identifikation ('xdf:id' fehlt)."),
                    line=el.sourceline,
                )
            ident = clean(ids[0].text)
            if not ident:
                raise FimImportError(at_line(ids[0].sourceline, "Element 'xdf:id' ist leer."), line=ids[0].sourceline)
            return ident, self.text(found, "version")
        idents = found.get("identifikation")
        if not idents:
            raise FimImportError(
                at_line(el.sourceline, f"Element 'xdf:{tag}' ohne Identifikation ('xdf:identifikation' fehlt)."),
                line=el.sourceline,
            )
        ident_el = idents[0]
        parts: dict[str, etree._Element] = {}
        for child in ident_el:
            if not isinstance(child.tag, str):
                continue
            name = self.local(child)
            if name not in {"id", "version"}:
                shown = f"xdf:{name}" if name else etree.QName(child).localname
                raise FimImportError(
                    at_line(child.sourceline, f"Unerwartetes Element '{shown}' in 'xdf:identifikation'."),
                    line=child.sourceline,
                )
            if name in parts:
                raise FimImportError(
                    at_line(child.sourceline, f"Element 'xdf:{name}' ist in 'xdf:identifikation' mehrfach vorhanden."),
                    line=child.sourceline,
                )
            parts[name] = child
        if "id" not in parts:
            raise FimImportError(
                at_line(ident_el.sourceline, f"'xdf:identifikation' von 'xdf:{tag}' ohne 'xdf:id'."),
                line=ident_el.sourceline,
            )
        ident = clean(parts["id"].text)
        if not ident:
            raise FimImportError(
                at_line(parts["id"].sourceline, "Element 'xdf:id' ist leer."), line=parts["id"].sourceline
            )
        version = clean(parts["version"].text) if "version" in parts else ""
        return ident, version

    def base(self, el: etree._Element, found: dict, *, tag: str) -> dict:
        ident, version = self.identification(el, found, tag=tag)
        names = found.get("name")
        if not names:
            raise FimImportError(at_line(el.sourceline, f"'xdf:{tag}' {ident} ohne 'xdf:name'."), line=el.sourceline)
        name = clean(names[0].text)
        label = meaningful(self.text(found, "bezeichnungEingabe")) or meaningful(self.text(found, "bezeichnung"))
        if not name and not label:
            self.warnings.append(
                at_line(el.sourceline, f"'xdf:{tag}' {ident} hat keinen Namen; die Kennung wird verwendet.")
            )
        if self.version == 3 and "freigabestatus" in found:
            status_el = found["freigabestatus"][0]
            status = self.code(status_el)
            if status not in FREIGABESTATUS:
                raise FimImportError(
                    at_line(
                        status_el.sourceline,
                        f"Ungültiger Freigabestatus '{status}' in 'xdf:{tag}' {ident} (erlaubt: Codes 1 bis 8).",
                    ),
                    line=status_el.sourceline,
                )
        references = [clean(r.text) for r in found.get("bezug", [])]
        return {
            "id": ident,
            "version": version,
            "name": name or label or ident,
            "label": label_humanise(label or name) or ident,
            "description": meaningful(self.text(found, "beschreibung")),
            "definition": meaningful(self.text(found, "definition")),
            "reference": "; ".join(r for r in references if meaningful(r)),
            "help": meaningful(self.text(found, "hilfetextEingabe")) or meaningful(self.text(found, "hilfetext")),
            "rules": [self.rule(r) for r in found.get("regel", [])],
            "line": el.sourceline,
        }

    # -- elements ------------------------------------------------------------------------------------------------

    def rule(self, el: etree._Element) -> FimRule:
        found = self.collect(el, "regel", what="in einer Regel")
        ident, version = self.identification(el, found, tag="regel")
        kind = self.code(found["typ"][0]) if "typ" in found else ""
        return FimRule(
            id=ident,
            version=version,
            name=self.text(found, "name") or meaningful(self.text(found, "bezeichnungEingabe")) or ident,
            description=meaningful(self.text(found, "beschreibung")),
            free_text=meaningful(self.text(found, "freitextRegel")) or meaningful(self.text(found, "definition")),
            script=self.text(found, "skript") or self.text(found, "script"),
            kind=kind,
            line=el.sourceline,
        )

    def structures(self, found: dict, *, depth: int) -> list[FimChild]:
        if depth > MAX_DEPTH:
            first = found["struktur"][0]
            raise FimImportError(
                at_line(first.sourceline, f"Datenfeldgruppen sind tiefer als {MAX_DEPTH} Ebenen verschachtelt."),
                line=first.sourceline,
            )
        return [self.structure(s, depth=depth) for s in found.get("struktur", [])]

    def structure(self, el: etree._Element, *, depth: int) -> FimChild:
        parts: dict[str, list[etree._Element]] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = self.local(child)
            if name is None:
                continue
            if name not in {"anzahl", "bezug", "enthaelt"}:
                raise FimImportError(
                    at_line(child.sourceline, f"Unerwartetes Element 'xdf:{name}' in 'xdf:struktur'."),
                    line=child.sourceline,
                )
            if name in parts and not (name == "bezug" and self.version == 3):
                raise FimImportError(
                    at_line(child.sourceline, f"Element 'xdf:{name}' ist in 'xdf:struktur' mehrfach vorhanden."),
                    line=child.sourceline,
                )
            parts.setdefault(name, []).append(child)
        if "anzahl" not in parts:
            raise FimImportError(
                at_line(el.sourceline, "'xdf:struktur' ohne 'xdf:anzahl' (Multiplizität)."), line=el.sourceline
            )
        if "enthaelt" not in parts:
            raise FimImportError(at_line(el.sourceline, "'xdf:struktur' ohne 'xdf:enthaelt'."), line=el.sourceline)
        anzahl_el = parts["anzahl"][0]
        minimum, maximum = multiplicity_parse(text=clean(anzahl_el.text), line=anzahl_el.sourceline)
        contained = [c for c in parts["enthaelt"][0] if isinstance(c.tag, str) and self.local(c)]
        if len(contained) != 1 or self.local(contained[0]) not in {"datenfeld", "datenfeldgruppe"}:
            line = parts["enthaelt"][0].sourceline
            raise FimImportError(
                at_line(
                    line, "'xdf:enthaelt' muss genau ein 'xdf:datenfeld' oder eine 'xdf:datenfeldgruppe' enthalten."
                ),
                line=line,
            )
        target = contained[0]
        if self.local(target) == "datenfeld":
            element: FimField | FimGroup = self.field(target)
        else:
            element = self.group(target, depth=depth + 1)
        return FimChild(element=element, min=minimum, max=maximum, line=el.sourceline)

    def group(self, el: etree._Element, *, depth: int) -> FimGroup:
        found = self.collect(el, "datenfeldgruppe", what="in einer Datenfeldgruppe")
        base = self.base(el, found, tag="datenfeldgruppe")
        return FimGroup(**base, children=self.structures(found, depth=depth))

    def field(self, el: etree._Element) -> FimField:
        found = self.collect(el, "datenfeld", what="in einem Datenfeld")
        base = self.base(el, found, tag="datenfeld")
        ident = base["id"]
        input_kind = self.required_code(el, found, "feldart", ident=ident)
        if input_kind not in FELDARTEN:
            line = found["feldart"][0].sourceline
            raise FimImportError(at_line(line, f"Unbekannte Feldart '{input_kind}' in Datenfeld {ident}."), line=line)
        data_type = self.required_code(el, found, "datentyp", ident=ident)
        data_type = DATENTYP_ALIASES.get(data_type, data_type)
        if data_type not in DATENTYPEN:
            line = found["datentyp"][0].sourceline
            raise FimImportError(at_line(line, f"Unbekannter Datentyp '{data_type}' in Datenfeld {ident}."), line=line)
        constraints = FimConstraints()
        if "praezisierung" in found:
            constraints = self.constraints(found["praezisierung"][0], ident=ident)
        max_size = None
        if "maxSize" in found:
            raw = self.text(found, "maxSize")
            if raw.isdigit():
                max_size = int(raw)
            elif raw:
                self.warnings.append(at_line(found["maxSize"][0].sourceline, f"Ungültige maxSize '{raw}' ignoriert."))
        return FimField(
            **base,
            input_kind=input_kind,
            data_type=data_type,
            constraints=constraints,
            content=self.text(found, "inhalt"),
            codelist=self.codelist(found),
            values=self.values(found, ident=ident),
            max_size=max_size,
            media_types=[clean(m.text) for m in found.get("mediaType", []) if clean(m.text)],
        )

    def required_code(self, el: etree._Element, found: dict, name: str, *, ident: str) -> str:
        if name not in found:
            raise FimImportError(at_line(el.sourceline, f"Datenfeld {ident} ohne 'xdf:{name}'."), line=el.sourceline)
        value = self.code(found[name][0])
        if not value:
            line = found[name][0].sourceline
            raise FimImportError(at_line(line, f"'xdf:{name}' in Datenfeld {ident} ist leer."), line=line)
        return value

    def constraints(self, el: etree._Element, *, ident: str) -> FimConstraints:
        result = FimConstraints()
        raw: dict[str, str] = {}
        text = clean(el.text)
        if self.version == 3 or el.attrib:
            raw.update({k: v for k, v in el.attrib.items() if isinstance(k, str)})
            result.text = text
        elif text:
            parsed = praezisierung_text_parse(text)
            if parsed is None:
                result.text = text
            else:
                raw.update(parsed)
        for attr, target in (("minLength", "min_length"), ("maxLength", "max_length")):
            if attr in raw and str(raw[attr]).strip() != "":
                value = str(raw[attr]).strip()
                if value.isdigit():
                    setattr(result, target, int(value))
                else:
                    self.warnings.append(
                        at_line(el.sourceline, f"Datenfeld {ident}: ungültige Präzisierung {attr}='{value}' ignoriert.")
                    )
        for attr, target in (("minValue", "min_value"), ("maxValue", "max_value"), ("pattern", "pattern")):
            if attr in raw and str(raw[attr]).strip() != "":
                setattr(result, target, str(raw[attr]).strip())
        return result

    def codelist(self, found: dict) -> FimCodelist | None:
        if "codeliste" in found:  # v1: embedded description of the list, without values
            el = found["codeliste"][0]
            parts = {self.local(c): clean(c.text) for c in el if isinstance(c.tag, str) and self.local(c)}
            urn = parts.get("kennung") or parts.get("id") or ""
            if not urn:
                return None
            return FimCodelist(urn=urn, version=parts.get("version", ""), name=parts.get("name", ""))
        if "codelisteReferenz" in found:
            el = found["codelisteReferenz"][0]
            # genericodeIdentification first: its version is the list's, not the FIM element's (identifikation)
            generic = [c for c in el if isinstance(c.tag, str) and self.local(c) == "genericodeIdentification"]
            values = {}
            for part in [*generic, el]:
                for child in part.iter():
                    if isinstance(child.tag, str) and self.local(child):
                        values.setdefault(self.local(child), clean(child.text))
            urn = values.get("canonicalIdentification") or values.get("canonicalVersionUri") or values.get("id") or ""
            if not urn:
                return None
            return FimCodelist(urn=urn, version=values.get("version", ""), name="")
        return None

    def values(self, found: dict, *, ident: str) -> list[FimValue]:
        if "werte" not in found:
            return []
        result = []
        for wert in found["werte"][0]:
            if not isinstance(wert.tag, str) or self.local(wert) != "wert":
                continue
            parts = {self.local(c): clean(c.text) for c in wert if isinstance(c.tag, str) and self.local(c)}
            code = parts.get("code", "")
            if not code:
                raise FimImportError(
                    at_line(wert.sourceline, f"Wert ohne 'xdf:code' in der Werteliste von Datenfeld {ident}."),
                    line=wert.sourceline,
                )
            result.append(FimValue(code=code, name=parts.get("name") or code, help=parts.get("hilfe", "")))
        return result

    def schema(self, el: etree._Element, *, message_type: str, root_kind: str) -> FimSchema:
        if root_kind == "stammdatenschema":
            found = self.collect(el, "stammdatenschema", what="im Stammdatenschema")
        else:
            found = self.collect(el, "datenfeldgruppe", what="in der Datenfeldgruppe")
        base = self.base(el, found, tag=root_kind)
        return FimSchema(
            **base,
            standard_version=self.version,
            message_type=message_type,
            root_kind=root_kind,
            children=self.structures(found, depth=1),
        )
