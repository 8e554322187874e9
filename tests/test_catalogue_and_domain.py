from sahaya import domain_fields
from sahaya.catalogue import catalogue
from sahaya.checks import emergency_word_clashes, heldout_leaks, response_problems, scattered_intents

REQUIRED = {
    "income_certificate", "caste_certificate", "residence_certificate", "birth_certificate",
    "death_certificate", "marriage_certificate", "ration_card", "driving_licence", "old_age_pension",
    "building_permission", "trade_licence", "land_records", "temple_darshan", "electricity_bill",
    "water_bill", "property_tax", "traffic_challan", "vehicle_tax",
}


def test_catalogue_is_complete():
    cat = catalogue()
    assert cat.problems() == []
    assert REQUIRED <= set(cat.services)
    assert len(cat.services) >= 40 and len(cat.departments) >= 8


def test_every_reply_exists_in_telugu_hindi_and_english(domain):
    assert response_problems(domain) == []


def test_a_missing_language_is_reported():
    broken = {"responses": {"utter_x": [{"text": "hi"}, {"condition": [{"type": "slot", "name": "language", "value": "te"}], "text": "x"}]}}
    assert response_problems(broken) == ["response utter_x: no hi variation"]


def test_domain_has_a_slot_and_ask_action_per_catalogue_field(domain):
    assert domain_fields.is_current()
    for code in catalogue().fields:
        assert code in domain["slots"]
        assert f"action_ask_{code}" in domain["actions"]


def test_heldout_set_shares_no_line_with_training():
    assert heldout_leaks() == []


def test_a_copied_heldout_line_is_reported(tmp_path):
    training, heldout = tmp_path / "data" / "nlu", tmp_path / "heldout"
    training.mkdir(parents=True)
    heldout.mkdir()
    block = 'nlu:\n- intent: stop\n  examples: |\n'
    (training / "en.yml").write_text(block + '    - Cancel it!\n    - leave it\n', encoding="utf-8")
    (heldout / "en.yml").write_text(block + '    - cancel it\n    - please stop the form now\n', encoding="utf-8")
    leaks = heldout_leaks(training, heldout)
    assert len(leaks) == 1 and "'cancel it'" in leaks[0]  # the training line, plain
    assert "please stop" not in leaks[0] and "held-out en.yml" in leaks[0]


def test_each_intent_has_one_block_per_language():
    assert scattered_intents() == []


def test_a_split_intent_is_reported(tmp_path):
    block = "nlu:\n- intent: stop\n  metadata:\n    language: hi\n  examples: |\n    - ruko\n"
    (tmp_path / "a.yml").write_text(block, encoding="utf-8")
    (tmp_path / "b.yml").write_text(block.replace("ruko", "bas karo"), encoding="utf-8")
    assert scattered_intents(tmp_path) == [
        "intent stop (hi) has 2 blocks (a.yml, b.yml); merge them into one"
    ]


def test_a_training_line_made_an_emergency_by_a_danger_word_is_named(tmp_path):
    (tmp_path / "en.yml").write_text(
        "nlu:\n- intent: file_grievance\n  examples: |\n    - no ambulance comes to our village\n"
        "    - the drains are blocked\n- intent: emergency\n  examples: |\n    - send an ambulance\n",
        encoding="utf-8",
    )
    assert emergency_word_clashes(tmp_path) == [
        "en.yml: file_grievance line 'no ambulance comes to our village' is an emergency by 'ambulance' "
        "(data/emergency_words.yml)"
    ]
