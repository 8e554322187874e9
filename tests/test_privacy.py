from sahaya.privacy import redact, seal, unseal


def test_redact_masks_aadhaar_like_numbers_everywhere():
    event = {"text": "my aadhaar 2345 6789 0124 ok", "parse_data": {"entities": [{"value": "234567890124"}]}}
    out = redact(event)
    assert "2345 6789 0124" not in str(out) and "234567890124" not in str(out)
    assert "XXXX XXXX 0124" in out["text"]


def test_redact_leaves_short_numbers_and_ids():
    assert redact("APP-2025-000123 and 9876543210") == "APP-2025-000123 and 9876543210"


def test_seal_round_trip_hides_the_number(tmp_path, monkeypatch):
    sealed = seal("234567890124")
    assert "234567890124" not in sealed
    assert unseal(sealed) == "234567890124"
    assert redact(sealed) == sealed
