from sahaya.nlu.text import (
    dominant_script,
    has_content,
    indic_script,
    normalize,
    normalize_with_offsets,
    skeleton,
    skeleton_phrase,
)


def test_native_and_romanized_spellings_share_a_skeleton():
    # The inherent "a" trap: इनकम must meet "income", not "inakama".
    assert skeleton("इनकम") == skeleton("income") == skeleton("ఇన్కమ్")
    assert skeleton("सर्टिफिकेट") == skeleton("certificate") == skeleton("సర్టిఫికెట్")
    assert skeleton("chahiye") == skeleton("chaiye") == skeleton("चाहिए")
    assert skeleton("kavali") == skeleton("kaavali") == skeleton("కావాలి")
    assert skeleton("ration") == skeleton("राशन") == skeleton("రేషన్")
    assert skeleton("pension") == skeleton("పెన్షన్‌") == skeleton("पेंशन")


def test_different_words_stay_apart():
    assert skeleton("caste") != skeleton("certificate")
    assert skeleton("income") != skeleton("water")


def test_normalize_strips_zero_width_and_maps_indic_digits():
    assert normalize("పెన్షన్\u200c  ౧౨ ") == "పెన్షన్ 12"
    assert normalize("आवेदन ३") == "आवेदन 3"
    assert normalize("  ") == ""


def test_offsets_survive_normalisation():
    text = "ab\u200c cd  ef"
    clean, where = normalize_with_offsets(text)
    assert clean == "ab cd ef"
    start = text.index("ef")
    assert clean[where[start]: where[start + 2]] == "ef"


def test_script_and_content():
    assert indic_script("నాకు caste certificate కావాలి") == "te"
    assert indic_script("mujhe caste certificate चाहिए") == "hi"
    assert indic_script("income certificate") is None
    assert dominant_script("mujhe chahiye") == "latin"
    assert not has_content("😀🙏")
    assert has_content("౩")


def test_phrase_skeleton():
    assert skeleton_phrase("Income Certificate") == skeleton_phrase("इनकम सर्टिफिकेट")
