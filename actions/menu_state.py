"""The numbered menus as plain data: which options a menu shows and where each
leads. No Rasa here, so the whole menu tree is unit-testable.

The `menu` slot holds a MenuState dict; `options` are the ids of the options
shown last, so "2" means options[1] whatever the citizen's language.
Option ids: lang:<te|hi|en>, dept:<code>, svc:<code>, act:<apply|info|status>,
nav:<back|main|more|prev>, say:<payload> (replays an intent, for "did you mean").
"""

from __future__ import annotations

from typing import Any

from sahaya.catalogue import Catalogue

PAGE_SIZE = 8  # a menu of more than 10 options pages, 8 per page + More/Previous
MAX_UNPAGED = 10



def new_state(level: str = "main", **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"level": level, "department": None, "service": None, "page": 0, "options": []}
    state.update(extra)
    return state


def paged(items: list[str], page: int) -> list[str]:
    """One page of a list longer than 10: 8 items, then "nav:more" / "nav:prev"."""
    if len(items) <= MAX_UNPAGED:
        return list(items)
    last_page = (len(items) - 1) // PAGE_SIZE
    page = max(0, min(page, last_page))
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if page < last_page:
        shown.append("nav:more")
    if page > 0:
        shown.append("nav:prev")
    return shown


def service_actions(kind: str) -> list[str]:
    if kind == "information":
        return ["act:info", "nav:back"]
    return ["act:apply", "act:info", "act:status", "nav:back"]


def options_for(state: dict[str, Any], catalogue: Catalogue) -> list[str]:
    level = state.get("level")
    if level == "language":
        return ["lang:te", "lang:hi", "lang:en"]
    if level == "department":
        department = catalogue.department(state.get("department") or "")
        if department:
            return paged([f"svc:{s.code}" for s in department.services], state.get("page", 0))
    if level == "service":
        service = catalogue.service(state.get("service") or "")
        if service:
            return service_actions(service.kind)
    if level == "info":
        service = catalogue.service(state.get("service") or "")
        if service and service.kind != "information":
            return ["act:apply", "nav:main"]
        return ["nav:main"]
    if level == "kind":  # e.g. every payment service, for "I want to pay a bill"
        services = [s for d in catalogue.departments for s in d.services if s.kind == state.get("kind")]
        return paged([f"svc:{s.code}" for s in services], state.get("page", 0))
    if level in ("did_you_mean", "review", "retry", "bill", "my_apps"):
        return list(state.get("options") or []) or ["nav:main"]
    return paged([f"dept:{d.code}" for d in catalogue.departments], state.get("page", 0))


def with_options(state: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    return {**state, "options": options_for(state, catalogue)}


def parent(state: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """One level up: service → its department → main menu."""
    level = state.get("level")
    if level == "info" and state.get("service"):
        return new_state("service", service=state["service"], department=state.get("department"))
    if level == "service" and state.get("service"):
        service = catalogue.service(state["service"])
        if service:
            return new_state("department", department=service.department)
    return new_state("main")


def choose(state: dict[str, Any], option: str, catalogue: Catalogue) -> dict[str, Any]:
    """The menu state after picking `option` from `state`'s menu."""
    kind, _, value = option.partition(":")
    if kind == "dept":
        return new_state("department", department=value)
    if kind == "svc":
        service = catalogue.service(value)
        return new_state("service", service=value, department=service.department if service else None)
    if kind == "act" and value == "info":
        return new_state("info", service=state.get("service"), department=state.get("department"), topic=None)
    if kind == "nav":
        if value == "more":
            return {**state, "page": state.get("page", 0) + 1}
        if value == "prev":
            return {**state, "page": max(0, state.get("page", 0) - 1)}
        if value == "back":
            return parent(state, catalogue)
        return new_state("main")
    if kind == "lang":
        return new_state("main", welcome=state.get("welcome", False))
    return state


def option_for_number(state: dict[str, Any], number: int) -> str | None:
    options = state.get("options") or []
    if 1 <= number <= len(options):
        return options[number - 1]
    return None
