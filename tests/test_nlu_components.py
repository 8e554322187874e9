"""The custom NLU components, each on its own, and a tiny training run of the
whole pipeline (config.yml) as a smoke test."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sahaya.nlu.entities import CatalogueEntityMapper, normalize_application_id
from sahaya.nlu.language_id import LanguageIdentifier
from sahaya.nlu.normalizer import TextNormalizer
from sahaya.nlu.text import skeleton
from sahaya.nlu.tokenizer import IndicTokenizer
from tests.conftest import ROOT


def parsed(text: str, intent: str = "apply_service", entities=None) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.7}, "entities": entities or []})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.7}, {"name": "greet", "confidence": 0.69}])
    return message


@pytest.fixture(scope="module")
def mapper() -> CatalogueEntityMapper:
    return CatalogueEntityMapper()


def values(message: Message, entity: str):
    return [e["value"] for e in message.get("entities") if e["entity"] == entity]


def test_normalizer_keeps_entity_offsets_in_training_data():
    example = Message(data={"text": "నాకు\u200c  income certificate", "entities": [
        {"entity": "service", "value": "income_certificate", "start": 7, "end": 25}]})
    TextNormalizer().process_training_data(TrainingData([example]))
    entity = example.get("entities")[0]
    assert example.get("text")[entity["start"]:entity["end"]] == "income certificate"


def test_normalizer_bounds_a_huge_message():
    message = Message(data={"text": "x" * 10_000})
    TextNormalizer().process([message])
    assert len(message.get("text")) == 1000


def test_tokenizer_keeps_indic_words_whole_with_skeleton_lemmas():
    tokenizer = IndicTokenizer(IndicTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "నాకు ఆదాయ సర్టిఫికెట్ कार्ड"}), "text")
    assert [t.text for t in tokens] == ["నాకు", "ఆదాయ", "సర్టిఫికెట్", "कार्ड"]
    assert tokens[2].lemma == skeleton("certificate") and tokens[3].lemma == skeleton("card")


@pytest.mark.parametrize("surface", ["inkam sartifiket", "ఆదాయ ధృవీకరణ పత్రం", "इनकम सर्टिफिकेट", "Income Certificate"])
def test_service_spans_map_to_catalogue_codes(mapper, surface):
    message = parsed(f"I need {surface}", entities=[{"entity": "service", "value": surface, "start": 7, "end": 7 + len(surface)}])
    mapper.process([message])
    assert values(message, "service") == ["income_certificate"]


@pytest.mark.parametrize("span", ["challan", "chalan", "చలాన్", "चालान"])
def test_a_bare_challan_is_the_traffic_challan(mapper, span):
    # Training data marks the bare word; the catalogue must know it too.
    message = parsed(f"pay {span}", intent="pay_bill", entities=[{"entity": "service", "value": span, "start": 4, "end": 4 + len(span)}])
    mapper.process([message])
    assert values(message, "service") == ["traffic_challan"]


def test_catalogue_names_found_without_diet(mapper):
    message = parsed("mujhe caste certificate chahiye")
    mapper.process([message])
    assert values(message, "service") == ["caste_certificate"]


@pytest.mark.parametrize("text, code", [
    ("mra OBC praman patra bhej do", "obc_certificate"),  # English name, Hindi word for "certificate"
    ("FIR ki nakal kab milegi", "fir_copy"),  # a filler inside the catalogue's "FIR nakal"
    ("copy of the fir please", "fir_copy"),
])
def test_service_names_with_other_kind_words_and_fillers(mapper, text, code):
    message = parsed(text)
    mapper.process([message])
    assert values(message, "service") == [code]


@pytest.mark.parametrize("text", ["mujhe ek praman patra banwana hai", "it is Saritha", "fir se shuru karo"])
def test_short_sounds_do_not_make_service_names(mapper, text):
    message = parsed(text, intent="inform")
    mapper.process([message])
    assert values(message, "service") == []


@pytest.mark.parametrize("text", ["12 మార్చి 1985", "15 August 1990", "१५ अगस्त १९९०"])
def test_a_date_is_an_answer_not_a_menu_pick(mapper, text):
    message = parsed(text, intent="menu_select")
    mapper.process([message])
    assert message.get("intent")["name"] == "inform" and values(message, "number") == []


def test_the_longer_catalogue_name_beats_a_narrower_diet_span(mapper):
    text = "mera DL renewal karwana hai"
    message = parsed(text, entities=[{"entity": "service", "value": "DL", "start": 5, "end": 7}])
    mapper.process([message])
    assert values(message, "service") == ["driving_licence_renewal"]


@pytest.mark.parametrize("text", ["app 2025 123", "APP2025000123", "app-2025-000123", "status APP 2025 000123 please"])
def test_application_ids_are_normalised(mapper, text):
    assert normalize_application_id(text) == "APP-2025-000123"
    message = parsed(text, intent="check_status")
    mapper.process([message])
    assert values(message, "application_id") == ["APP-2025-000123"]


def test_ticket_ids_are_normalised(mapper):
    message = parsed("grv 2026 7 status", intent="check_status")
    mapper.process([message])
    assert values(message, "ticket_id") == ["GRV-2026-000007"]


@pytest.mark.parametrize("text, number", [("rendu", "2"), ("दूसरा", "2"), ("the first one", "1"), ("౩", "3"), ("option 4", "4")])
def test_a_bare_number_is_always_a_menu_pick(mapper, text, number):
    message = parsed(text, intent="greet")
    TextNormalizer().process([message])
    mapper.process([message])
    assert message.get("intent")["name"] == "menu_select" and message.get("intent")["confidence"] == 1.0
    assert values(message, "number") == [number]
    # The ranking below drops to zero so the fallback's ambiguity check stays quiet.
    assert all(r["confidence"] == 0.0 for r in message.get("intent_ranking")[1:])


@pytest.mark.parametrize("text, intent", [("0", "main_menu"), ("#", "go_back"), ("😀🙏", "out_of_scope")])
def test_shortcuts_and_emoji(mapper, text, intent):
    message = parsed(text, intent="greet")
    mapper.process([message])
    assert message.get("intent")["name"] == intent


def test_numbers_inside_sentences_are_not_menu_picks(mapper):
    message = parsed("what do i need for 2 certificates", intent="service_info")
    mapper.process([message])
    assert message.get("intent")["name"] == "service_info" and not values(message, "number")


@pytest.mark.parametrize(
    "span, topic",
    [("how long", "days"), ("कितने दिन", "days"), ("డాక్యుమెంట్స్", "documents"), ("kaagaz kaun se", "documents"),
     ("Fee", "fee"), ("kharcha kitna", "fee"), ("who is eligible", "eligibility"), ("అర్హత", "eligibility")],
)
def test_info_topic_spans_map_to_topics(mapper, span, topic):
    message = parsed(f"{span} ration card", intent="service_info",
                     entities=[{"entity": "info_topic", "value": span, "start": 0, "end": len(span)}])
    mapper.process([message])
    assert values(message, "info_topic") == [topic]


def test_every_annotated_service_span_that_names_a_service_is_labelled_with_it(mapper):
    # "LLR" labelled driving_licence teaches the classifier one thing and the catalogue another.
    import re

    annotated = re.compile(r'\[([^\]]+)\]\{"entity": "service", "value": "(\w+)"\}')
    wrong = []
    for directory in (ROOT / "data" / "nlu", ROOT / "tests" / "nlu_heldout"):
        for path in directory.rglob("*.yml"):
            for span, code in annotated.findall(path.read_text(encoding="utf-8")):
                named = mapper.services.lookup(span, cutoff=None)
                if named and named != code:
                    wrong.append((path.name, span, code, named))
    assert wrong == []


def test_an_unknown_info_topic_span_is_dropped(mapper):
    message = parsed("ration card ka dekho", intent="service_info",
                     entities=[{"entity": "info_topic", "value": "dekho", "start": 15, "end": 20}])
    mapper.process([message])
    assert values(message, "info_topic") == []


def test_every_info_topic_annotated_in_training_data_maps_to_its_value(mapper):
    # The annotations and data/info_topics.yml must agree, or a trained span is lost.
    import re

    annotated = re.compile(r'\[([^\]]+)\]\{"entity": "info_topic", "value": "(\w+)"\}')
    wrong = []
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for span, topic in annotated.findall(path.read_text(encoding="utf-8")):
            if mapper._topic(span) != topic:
                wrong.append((span, topic, mapper._topic(span)))
    assert wrong == []


def test_language_entity_values(mapper):
    message = parsed("telugu lo cheppandi", intent="change_language",
                     entities=[{"entity": "language", "value": "telugu", "start": 0, "end": 6}])
    mapper.process([message])
    assert values(message, "language") == ["te"]


def test_language_identifier_learns_romanized_languages(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("lid")
    context = ExecutionContext(graph_schema=None, model_id="test")
    lid = LanguageIdentifier.create({}, storage, resource, context)
    examples = []
    for language, lines in {
        "te": ["naaku certificate kavali", "naa application status enti", "meeru cheppandi", "ela apply cheyali", "naa peru ramesh", "ekkada undi naa bill"],
        "hi": ["mujhe certificate chahiye", "mera application kahan hai", "aap batao", "kaise apply karna hai", "mera naam ramesh hai", "mera bill kitna hai"],
        "en": ["i need a certificate", "where is my application", "please tell me", "how do i apply", "my name is ramesh", "how much is my bill"],
    }.items():
        for line in lines:
            examples.append(Message(data={"text": line, "intent": "x", "metadata": {"intent": {"language": language}}}))
    lid.train(TrainingData(examples))
    assert lid.identify("naaku income certificate kavali")[0] == "te"
    assert lid.identify("mujhe income certificate chahiye")[0] == "hi"
    assert lid.identify("నాకు caste certificate కావాలి") == ("te", 1.0)
    assert lid.identify("मुझे caste certificate चाहिए") == ("hi", 1.0)


def trained_evidence(tmp_path, lines: dict):
    """IntentEvidence trained on {intent: [examples]}, saved and loaded back."""
    from sahaya.nlu.evidence import IntentEvidence

    storage, resource = LocalModelStorage(tmp_path), Resource("evidence")
    context = ExecutionContext(graph_schema=None, model_id="test")
    component = IntentEvidence.create({}, storage, resource, context)
    component.train(TrainingData([Message(data={"text": t, "intent": i}) for i, ts in lines.items() for t in ts]))
    return IntentEvidence.load({}, storage, resource, context)


def test_intent_evidence_tells_a_guess_from_a_known_phrase(tmp_path):
    loaded = trained_evidence(tmp_path, {
        "stop": ["stop", "ruko", "ఆపండి", "form band karo"],
        "check_status": ["status kya hai", "నా దరఖాస్తు స్థితి"],
        "inform": ["my village is kolluru"],
    })
    assert loaded.evidence("Rekha Rani", "stop") == 0  # "rk" of Rekha is too short a sound to meet "ruko"
    assert loaded.evidence("aapandi", "stop") == 1  # romanized ఆపండి, by sound
    assert loaded.evidence("please stop", "stop") == 0.5
    assert loaded.evidence("2025 000123 status", "check_status") == 1.0  # digits are not counted
    message = Message(data={"text": "Venkat Reddy", "intent": {"name": "inform", "confidence": 0.95}})
    loaded.process([message])
    assert message.get("intent_evidence") == 0
    assert message.get("intent")["name"] == "inform"  # an answer may be words nobody trained on


def test_a_guess_with_nothing_behind_it_is_a_fallback(tmp_path):
    component = trained_evidence(
        tmp_path, {"pay_bill": ["current bill kattali", "pay my water bill"], "emergency": ["ambulance"]}
    )
    guess = {"name": "pay_bill", "confidence": 0.999}

    def parsed(text: str, intent: dict, entities: list | None = None) -> Message:
        message = Message(data={"text": text, "intent": intent, "intent_ranking": [intent], "entities": entities or []})
        component.process([message])
        return message

    gibberish = parsed("blah blah", guess)
    assert gibberish.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in gibberish.get("intent_ranking")] == ["nlu_fallback", "pay_bill"]  # still offered
    assert parsed("pay current bill", guess).get("intent")["name"] == "pay_bill"  # known words
    service = [{"entity": "service", "value": "electricity_bill"}]
    assert parsed("kharab meter", guess, service).get("intent")["name"] == "pay_bill"  # an entity is substance
    assert parsed("help koi", {"name": "emergency", "confidence": 1.0}).get("intent")["name"] == "emergency"


@pytest.mark.slow
def test_the_pipeline_trains_and_parses(tmp_path):
    """config.yml's pipeline on a few examples: every component loads, trains and runs."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (tmp_path / "nlu.yml").write_text(textwrap.dedent("""\
        version: "3.1"
        nlu:
        - intent: greet
          metadata: {language: en}
          examples: |
            - hi
            - hello
            - namaste
        - intent: apply_service
          metadata: {language: te}
          examples: |
            - naaku [income certificate]{"entity": "service", "value": "income_certificate"} kavali
            - నాకు [కుల ధృవీకరణ పత్రం]{"entity": "service", "value": "caste_certificate"} కావాలి
            - mujhe [ration card]{"entity": "service", "value": "ration_card"} chahiye
        """))
    model = train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"), str(tmp_path / "models"))
    agent = Agent.load(model)
    result = asyncio.run(agent.parse_message("naaku caste certificate kavali"))
    assert result["language_detected"] == "te" or result["language_detected"] in ("hi", "en")
    assert {e["value"] for e in result["entities"] if e["entity"] == "service"} == {"caste_certificate"}
    assert asyncio.run(agent.parse_message("రెండు"))["intent"]["name"] == "menu_select"


@pytest.mark.parametrize(
    "text, value",
    [
        ("check status of a p p two zero two six zero zero one one one one", "APP-2026-001111"),
        ("ఏపీపీ 2025 067890 స్టేటస్ చెప్పండి", "APP-2025-067890"),
        ("certificate download cheyali andi app 2025 099 100", "APP-2025-099100"),
        # The year said as a number, the rest digit by digit (speech-to-text).
        ("status of app twenty twenty six zero zero four one two nine please", "APP-2026-004129"),
        ("app two thousand and twenty five double zero one two three four", "APP-2025-001234"),
        ("मेरा नंबर ऐप दो हज़ार छब्बीस ज़ीरो ज़ीरो ज़ीरो पाँच पाँच एक है", "APP-2026-000551"),
        ("ऐप do hazaar pachchis shunya shunya saat saat do do", "APP-2025-007722"),
        ("ఏపీపీ రెండు వేల ఇరవై ఆరు సున్నా సున్నా తొమ్మిది ఒకటి ఒకటి రెండు స్టేటస్", "APP-2026-009112"),
        ("app renduvela iravai aidu sunna okati okati okati okati okati", "APP-2025-011111"),
    ],
)
def test_spoken_application_ids(mapper, text, value):
    message = parsed(text, intent="check_status")
    mapper.process([message])
    assert values(message, "application_id") == [value]


@pytest.mark.parametrize("text", ["app twenty twenty five", "download the app two thousand rupees", "ऐप दो हज़ार"])
def test_a_spoken_year_alone_is_not_an_application_id(mapper, text):
    message = parsed(text, intent="check_status")
    mapper.process([message])
    assert values(message, "application_id") == []


@pytest.mark.parametrize(
    "text, spans, value",
    [
        ("uh switch to hindi please english is difficult for me", ["hindi", "english"], "hi"),
        ("English pls, cant read hindi", ["English", "hindi"], "en"),
        ("I can't follow English, send messages in Telugu", ["English", "Telugu"], "te"),
        ("Hindi ardham kaadu, తెలుగు please", ["Hindi", "తెలుగు"], "te"),
        ("naaku telugu chadavadam raadu, inglish lo pampandi", ["telugu", "inglish"], "en"),
        ("నాకు తెలుగు చదవడం రాదు, ఇంగ్లీషులో పంపండి", ["తెలుగు", "ఇంగ్లీషులో"], "en"),
        ("मुझे अंग्रेजी नहीं आती, हिंदी में लिखिए", ["अंग्रेजी", "हिंदी"], "hi"),
    ],
)
def test_of_two_languages_named_the_one_asked_for_wins(mapper, text, spans, value):
    # The CRF marks both words; the mapper keeps the one asked for.
    found = [{"entity": "language", "value": s, "start": text.index(s), "end": text.index(s) + len(s),
              "extractor": "CRFEntityExtractor"} for s in spans]
    message = parsed(text, intent="change_language", entities=found)
    mapper.process([message])
    assert values(message, "language") == [value]


def test_one_language_named_twice_or_alone_is_kept(mapper):
    for text in ("Telugu please", "telugu lo, telugu lo matladandi"):
        message = parsed(text, intent="change_language")
        mapper.process([message])
        assert set(values(message, "language")) == {"te"}


def test_one_after_an_ordinal_is_a_filler(mapper):
    message = parsed("the fourth one", intent="menu_select")
    mapper.process([message])
    assert values(message, "number") == ["4"]


@pytest.mark.parametrize("text", ["ఎవరో కత్తితో బెదిరిస్తున్నారు, పోలీసులు రావాలి", "ghar mein aag lag gayi", "अंकल को दिल का दौरा पड़ा",
                                  "पिताजी बेहोश हो गए हैं", "అమ్మ స్పృహ తప్పి పడిపోయింది",
                                  "ఆటో బోల్తా పడింది", "maa ammaki purudu noppulu", "chor ghus gaya ghar mein",
                                  "tatayyaki ఫిట్స్ వచ్చాయి", "send fire engine fast"])
def test_danger_words_always_mean_emergency(mapper, text):
    message = parsed(text, intent="service_info")
    mapper.process([message])
    assert message.get("intent")["name"] == "emergency"


def test_a_building_complaint_is_not_bleeding(mapper):
    message = parsed("somebody is building illegally on government land", intent="file_grievance")
    mapper.process([message])
    assert message.get("intent")["name"] == "file_grievance"


# Danger phrases are matched by sound: these sound close to one and are not.
@pytest.mark.parametrize("text,intent", [("galat button dab gaya", "go_back"), ("teen dabaa raha hoon", "menu_select"),
                                         ("what all can be done on this number", "help"), ("ok send pls", "affirm"),
                                         ("my monthly income is 15000", "inform"), ("నా పని driving", "inform")])
def test_sounds_like_danger_is_not_an_emergency(mapper, text, intent):
    message = parsed(text, intent=intent)
    mapper.process([message])
    assert message.get("intent")["name"] == intent


def test_a_service_named_after_the_police_is_not_an_emergency(mapper):
    message = parsed("police verification kavali", intent="apply_service")
    mapper.process([message])
    assert message.get("intent")["name"] == "apply_service"


def featurized(text: str, intent: str | None = None) -> Message:
    """A message with two featurizers' sentence counts, as CountVectorsFeaturizer leaves it:
    a word block (3 words) and a character block (4 n-grams) that is far busier."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    words = {"correct": 0, "kaadu": 1, "avunu": 2}
    chars = ["co", "or", "rr", "ka"]
    message = Message(data={"text": text, **({"intent": intent} if intent else {})})
    word_counts = np.zeros((1, len(words)))
    for word in text.split():
        word_counts[0, words[word]] += 1
    char_counts = np.array([[text.count(c) * 5 for c in chars]], dtype=float)
    for origin, counts in (("words", word_counts), ("chars", char_counts)):
        message.add_features(Features(coo_matrix(counts), "sentence", "text", origin))
    return message


def test_linear_classifier_weighs_each_featurizer_apart_and_survives_saving(tmp_path):
    import numpy as np

    from sahaya.nlu.linear_classifier import LinearIntentClassifier

    storage, resource = LocalModelStorage(tmp_path), Resource("linear")
    context = ExecutionContext(graph_schema=None, model_id="test")
    component = LinearIntentClassifier.create({}, storage, resource, context)
    lines = {"affirm": ["correct", "avunu", "avunu correct"], "deny": ["kaadu", "correct kaadu", "avunu kaadu"]}
    component.train(TrainingData([featurized(t, i) for i, ts in lines.items() for t in ts]))

    X = component._create_X([featurized("correct kaadu")])
    assert np.allclose(np.sqrt(X.multiply(X).sum()), np.sqrt(2))  # each block of unit length
    loaded = LinearIntentClassifier.load({}, storage, resource, context)
    message = featurized("correct kaadu")
    loaded.process([message])
    assert message.get("intent")["name"] == "deny"
    again = featurized("correct kaadu")
    component.process([again])
    assert message.get("intent_ranking") == again.get("intent_ranking")  # same model after loading


def test_an_untrained_linear_classifier_leaves_messages_alone(tmp_path):
    from sahaya.nlu.linear_classifier import LinearIntentClassifier

    storage, resource = LocalModelStorage(tmp_path), Resource("linear")
    context = ExecutionContext(graph_schema=None, model_id="test")
    LinearIntentClassifier.create({}, storage, resource, context).train(TrainingData([]))
    loaded = LinearIntentClassifier.load({}, storage, resource, context)
    message = featurized("avunu")
    loaded.process([message])
    assert message.get("intent") is None


def test_linear_classifier_reads_a_message_a_featurizer_saw_nothing_in(tmp_path):
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    from sahaya.nlu.linear_classifier import LinearIntentClassifier

    storage, resource = LocalModelStorage(tmp_path), Resource("linear")
    context = ExecutionContext(graph_schema=None, model_id="test")
    component = LinearIntentClassifier.create({}, storage, resource, context)
    lines = {"affirm": ["correct", "avunu"], "deny": ["kaadu", "correct kaadu"]}
    component.train(TrainingData([featurized(t, i) for i, ts in lines.items() for t in ts]))
    words_only = Message(data={"text": "kaadu"})
    words_only.add_features(Features(coo_matrix([[0.0, 1.0, 0.0]]), "sentence", "text", "words"))
    both = featurized("avunu")
    component.process([words_only, both])  # one batch, rows must not slide
    assert words_only.get("intent")["name"] == "deny"
    assert both.get("intent")["name"] == "affirm"


@pytest.mark.parametrize(
    "text, negated",
    [
        ("అది correct కాదు మళ్ళీ check చేయండి", True),
        ("ఇంక continue చేయను", True),
        ("sahi nahi hai", True),
        ("नहीं, यह गलत है", True),
        ("not correct sir please change it", True),
        ("I don't want it", True),
        ("avunu correct", False),
        ("consumer no 12345", False),  # "no" for number
        ("theek hai na", False),
    ],
)
def test_negation_feature(text, negated):
    from sahaya.nlu.negation import ORIGIN, NegationFeaturizer

    message = Message(data={"text": text})
    NegationFeaturizer().process([message])
    features = [f for f in message.features if f.origin == ORIGIN]
    assert len(features) == 1 and features[0].type == "sentence"
    assert features[0].features.toarray()[0, 0] == (1.0 if negated else 0.0)
