import pytest

from sahaya.nlu.numbers import find_numbers, parse_choice


@pytest.mark.parametrize(
    "text, value",
    [
        ("2", 2), ("౩", 3), ("३", 3), ("rendu", 2), ("రెండవది", 2), ("दूसरा", 2),
        ("teesra", 3), ("the first one", 1), ("option 3", 3), ("3rd", 3), ("moodo", 3),
        ("naaku rendo option kavali", 2), ("मुझे तीसरा वाला चाहिए", 3), ("12", 12), ("padi", 10),
    ],
)
def test_number_words_in_three_languages(text, value):
    assert parse_choice(text) == value


def test_no_number_or_two_different_numbers():
    assert parse_choice("hello") is None
    assert parse_choice("2 or 3") is None


def test_sound_matching_can_be_turned_off():
    assert find_numbers("rendoo") and not find_numbers("rendoo", by_sound=False)


def test_a_word_that_only_sounds_like_a_number_is_not_one():
    # skeleton "svn" like seven, but far longer or in another script
    assert not find_numbers("kaunsi sevayein hain")
    assert not find_numbers("कौन सी सेवाएं हैं")
    assert find_numbers("sevenn")[0].value == 7
