"""The service catalogue (data/catalogue.yml), loaded once and shared by the
bot, the NLU components and the backend."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import yaml

LANGUAGES = ("te", "hi", "en")
KINDS = ("certificate", "application", "payment", "booking", "information", "grievance")
FIELD_TYPES = (
    "name",
    "aadhaar",
    "mobile",
    "pincode",
    "date",
    "past_date",
    "text",
    "number",
    "amount",
    "choice",
    "document",
    "consumer_number",
    "location",
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "data" / "catalogue.yml"


@dataclass(frozen=True)
class Choice:
    code: str
    name: Dict[str, str]
    # Words that name this choice inside free text ("street light", "బత్తీ"), any script.
    keywords: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Field:
    code: str
    type: str
    label: Dict[str, str]
    question: Dict[str, str]
    example: Dict[str, str]
    choices: List[Choice] = field(default_factory=list)
    # A document question that lists the chosen service's required documents.
    lists_service_documents: bool = False

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)


@dataclass(frozen=True)
class Service:
    code: str
    department: str
    kind: str
    name: Dict[str, str]
    aliases: List[str]
    fee: int
    days: int
    documents: Dict[str, List[str]]
    eligibility: Dict[str, str]
    fields: List[str]
    documents_optional: bool = False


@dataclass(frozen=True)
class Department:
    code: str
    name: Dict[str, str]
    services: List[Service]


@dataclass(frozen=True)
class Catalogue:
    departments: List[Department]
    fields: Dict[str, Field]

    @functools.cached_property
    def services(self) -> Dict[str, Service]:
        return {s.code: s for d in self.departments for s in d.services}

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def service(self, code: str) -> Service | None:
        return self.services.get(code)

    def fields_of(self, service_code: str) -> List[Field]:
        service = self.services[service_code]
        return [self.fields[f] for f in service.fields]

    def problems(self) -> List[str]:
        """Everything a trainer must fix: missing names, translations, fields."""
        found: List[str] = []

        def need_all(where: str, value: object) -> None:
            if not isinstance(value, dict):
                found.append(f"{where}: needs te/hi/en")
                return
            for lang in LANGUAGES:
                if not value.get(lang):
                    found.append(f"{where}: missing {lang}")

        for code, f in self.fields.items():
            if f.type not in FIELD_TYPES:
                found.append(f"field {code}: unknown type {f.type!r}")
            need_all(f"field {code} label", f.label)
            need_all(f"field {code} question", f.question)
            need_all(f"field {code} example", f.example)
            if f.type == "choice" and not f.choices:
                found.append(f"field {code}: a choice field needs choices")
            for c in f.choices:
                need_all(f"field {code} choice {c.code}", c.name)
        seen_alias: Dict[str, str] = {}
        for d in self.departments:
            need_all(f"department {d.code} name", d.name)
            if not d.services:
                found.append(f"department {d.code}: no services")
            for s in d.services:
                where = f"service {s.code}"
                if s.kind not in KINDS:
                    found.append(f"{where}: unknown kind {s.kind!r}")
                need_all(f"{where} name", s.name)
                need_all(f"{where} eligibility", s.eligibility)
                need_all(f"{where} documents", s.documents)
                lengths = {len(s.documents.get(lang) or []) for lang in LANGUAGES}
                if len(lengths) > 1:
                    found.append(f"{where} documents: te/hi/en lists differ in length")
                if not s.fields:
                    found.append(f"{where}: no fields")
                for f in s.fields:
                    if f not in self.fields:
                        found.append(f"{where}: field {f!r} is not defined")
                for alias in s.aliases:
                    key = alias.strip().lower()
                    if key in seen_alias and seen_alias[key] != s.code:
                        found.append(
                            f"{where}: alias {alias!r} also names {seen_alias[key]}"
                        )
                    seen_alias[key] = s.code
        codes = [s.code for d in self.departments for s in d.services]
        for dup in {c for c in codes if codes.count(c) > 1}:
            found.append(f"service {dup}: code used twice")
        return found


def _parse(raw: dict) -> Catalogue:
    fields = {
        code: Field(
            code=code,
            type=spec.get("type", "text"),
            label=spec.get("label") or {},
            question=spec.get("question") or {},
            example=spec.get("example") or {},
            choices=[
                Choice(code=c["code"], name=c.get("name") or {}, keywords=list(c.get("keywords") or []))
                for c in spec.get("choices") or []
            ],
            lists_service_documents=bool(spec.get("lists_service_documents")),
        )
        for code, spec in (raw.get("fields") or {}).items()
    }
    departments = []
    for d in raw.get("departments") or []:
        services = [
            Service(
                code=s["code"],
                department=d["code"],
                kind=s.get("kind", "application"),
                name=s.get("name") or {},
                aliases=[str(a) for a in s.get("aliases") or []],
                fee=int(s.get("fee") or 0),
                days=int(s.get("days") or 0),
                documents=s.get("documents") or {},
                eligibility=s.get("eligibility") or {},
                fields=list(s.get("fields") or []),
                documents_optional=bool(s.get("documents_optional", False)),
            )
            for s in d.get("services") or []
        ]
        departments.append(
            Department(code=d["code"], name=d.get("name") or {}, services=services)
        )
    return Catalogue(departments=departments, fields=fields)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load a catalogue file (no caching; see `catalogue()` for the shared one)."""
    with open(path or DEFAULT_PATH, encoding="utf-8") as fh:
        return _parse(yaml.safe_load(fh) or {})


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The project's catalogue; SAHAYA_CATALOGUE may point at another file."""
    return load_catalogue(Path(os.environ.get("SAHAYA_CATALOGUE", DEFAULT_PATH)))
