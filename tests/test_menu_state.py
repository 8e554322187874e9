from actions import menu_state
from sahaya.catalogue import catalogue


def test_main_menu_lists_departments_and_pages():
    cat = catalogue()
    state = menu_state.with_options(menu_state.new_state("main"), cat)
    departments = [f"dept:{d.code}" for d in cat.departments]
    if len(departments) > 10:
        assert state["options"][:8] == departments[:8]
        assert state["options"][-1] == "nav:more"
        page2 = menu_state.with_options(menu_state.choose(state, "nav:more", cat), cat)
        assert page2["options"][0] == departments[8] and "nav:prev" in page2["options"]
        back = menu_state.choose(page2, "nav:prev", cat)
        assert back["page"] == 0
    else:
        assert state["options"] == departments


def test_department_service_info_and_back():
    cat = catalogue()
    dept = menu_state.choose(menu_state.new_state("main"), "dept:revenue", cat)
    dept = menu_state.with_options(dept, cat)
    assert "svc:income_certificate" in dept["options"]
    service = menu_state.with_options(menu_state.choose(dept, "svc:income_certificate", cat), cat)
    assert service["options"] == ["act:apply", "act:info", "act:status", "nav:back"]
    info = menu_state.with_options(menu_state.choose(service, "act:info", cat), cat)
    assert info["level"] == "info" and info["options"] == ["act:apply", "nav:main"]
    assert menu_state.parent(info, cat)["level"] == "service"
    assert menu_state.parent(service, cat) == menu_state.new_state("department", department="revenue")
    assert menu_state.parent(dept, cat)["level"] == "main"


def test_numbers_outside_the_menu_pick_nothing():
    state = {"options": ["a", "b"]}
    assert menu_state.option_for_number(state, 2) == "b"
    assert menu_state.option_for_number(state, 3) is None
    assert menu_state.option_for_number(state, 0) is None
