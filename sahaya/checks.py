"""`make validate`: what `rasa data validate` does not check.

Every service has its names, documents, eligibility and fields in te/hi/en;
every response has a Telugu, a Hindi and an English variation.
Run: python -m sahaya.checks
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

from sahaya import domain_fields
from sahaya.catalogue import PROJECT_ROOT, catalogue

DOMAIN_PATH = PROJECT_ROOT / "domain.yml"


def response_problems(domain: Dict[str, Any]) -> List[str]:
    found = []
    for name, variations in (domain.get("responses") or {}).items():
        languages = set()
        for variation in variations:
            conditions = variation.get("condition") or []
            language = next((c.get("value") for c in conditions if c.get("name") == "language"), None)
            if language is None and not conditions:
                language = "en"  # the unconditioned variation is the English one
            if language and (variation.get("text") or "").strip():
                languages.add(language)
        for missing in sorted({"te", "hi", "en"} - languages):
            found.append(f"response {name}: no {missing} variation")
    return found


def main(domain_path: Path = DOMAIN_PATH) -> int:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    problems = catalogue().problems() + response_problems(domain)
    if not domain_fields.is_current():
        problems.append("domain.yml: catalogue fields changed; run `python -m sahaya.domain_fields`")
    for problem in problems:
        print(f"✗ {problem}")
    services = len(catalogue().services)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogue or the domain")
        return 1
    print(f"catalogue: {len(catalogue().departments)} departments, {services} services; "
          f"domain: {len(domain.get('responses') or {})} responses, all in te/hi/en")
    return 0


if __name__ == "__main__":
    sys.exit(main())
