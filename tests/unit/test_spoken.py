"""Spoken values: numbers, letters, dates and emails said in words, in en/es/fr/de/pt.

Every sentence here was written for these tests. Checksummed values come from `_ids`
(valid by construction) and are read out with `say`.
"""

from __future__ import annotations

import time

import pytest
from _ids import TEST_CARDS, TEST_IBANS, br_cpf, card, de_idnr, es_dni, es_nie, pt_nif, uk_nhs

from detectors import Document, Policy, Stage, default_pipeline, entities
from detectors.merge import gate, merge
from detectors.spoken import SpokenStage, normalized
from detectors.spoken import stage as spoken_stage
from detectors.spoken.languages import LEXICONS
from detectors.spoken.lexicon import fold
from detectors.spoken.numbers import Grammar, digits

_DIGIT_WORDS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
    "de": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"],
    "pt": ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"],
}


def say(value: str, lang: str) -> str:
    """A value read out one character at a time: digits as words, letters as letters."""
    return " ".join(_DIGIT_WORDS[lang][int(c)] if c.isdigit() else c.lower() for c in value)


def spans(text: str, lang: str) -> list[tuple[str, str]]:
    """What the default pipeline (patterns, spoken, custom) masks, as (class, text)."""
    return [(s.entity, text[s.start : s.end]) for s in default_pipeline().detect(Document(text, lang))]


def spoken(text: str, lang: str) -> list[tuple[str, str]]:
    """What the spoken stage alone finds and balanced mode keeps, as (class, text)."""
    found = merge(gate(SpokenStage().detect(Document(text, lang)), Policy.default()), text)
    return [(s.entity, text[s.start : s.end]) for s in found]


# -- numbers ---------------------------------------------------------------------------------------

NUMBERS = [
    # digits one by one, doubles and triples, written digits mixed in
    ("en", "four five three two", "4532"),
    ("en", "oh seven seven double oh nine", "077009"),
    ("en", "triple five oh", "5550"),
    ("en", "two sevens one", "771"),
    ("en", "0151 two two four five", "01512245"),
    # pairs, hundreds, years
    ("en", "eighty two", "82"),
    ("en", "twenty-three", "23"),
    ("en", "nineteen seventy", "1970"),
    ("en", "six hundred and forty", "640"),
    ("en", "two thousand and three", "2003"),
    ("es", "cincuenta y cinco dieciocho", "5518"),
    ("es", "doble cero siete", "007"),
    ("es", "dos sietes", "77"),
    ("es", "veintidós treinta y uno", "2231"),
    ("es", "ciento veinte", "120"),
    ("es", "mil novecientos ochenta y uno", "1981"),
    ("fr", "quatre-vingt-dix-sept", "97"),
    ("fr", "soixante et onze", "71"),
    ("fr", "septante-six nonante-cinq huitante-huit", "769588"),
    ("fr", "zéro cinquante-cinq", "055"),
    ("fr", "deux cent onze", "211"),
    ("fr", "quatre-vingt-quatorze quatre cents", "94400"),
    ("fr", "mille neuf cent quatre-vingt-huit", "1988"),
    ("fr", "sept double zéro", "700"),
    ("de", "siebenundzwanzig", "27"),
    ("de", "dreiundvierzig zwo", "432"),
    ("de", "neunzehnhundertachtzig", "1980"),
    ("de", "hundertachtundzwanzig", "128"),
    ("de", "zweitausendeins", "2001"),
    ("de", "null doppel null", "000"),
    ("pt", "trinta e dois", "32"),
    ("pt", "um meia três", "163"),
    ("pt", "dois setes", "77"),
    ("pt", "cento e vinte", "120"),
    ("pt", "novecentos e dezoito quatrocentos e quarenta e sete", "918447"),
    ("pt", "mil novecentos e sessenta e dois", "1962"),
]


@pytest.mark.parametrize(("lang", "said", "expected"), NUMBERS)
def test_spoken_numbers_become_digits(lang: str, said: str, expected: str) -> None:
    text = f"x: {said}."
    result = normalized(text, lang)
    assert result.text == f"x: {expected}."
    start = result.text.index(expected)
    assert result.original(start, start + len(expected)) == (3, 3 + len(said))


@pytest.mark.parametrize(
    ("lang", "said", "expected"),
    [
        ("es", "ciento noventa y nueve y noventa", "199 y 90"),  # a price: the connector joins nothing
        ("pt", "noventa e... noventa e um", "91"),  # the speaker restarts the number
        ("en", "oh right okay", "oh right okay"),  # `oh` is a digit only next to digits
        ("pt", "um momento", "um momento"),
    ],
)
def test_number_edges(lang: str, said: str, expected: str) -> None:
    assert normalized(said, lang).text == expected


def test_the_grammar_reads_groups_as_said() -> None:
    es = LEXICONS["es"]
    atoms = [a for w in ["cincuenta", "y", "cinco", "doble"][:3] for a in es.words[w].atoms]
    assert digits(Grammar().parse(atoms)) == "55"


# -- letters ---------------------------------------------------------------------------------------

LETTERS = [
    ("es", "efe de francia uno dos", "F12"),
    ("es", "be de barcelona i griega tres", "BY3"),
    ("es", "i latina cuatro", "I4"),
    ("de", "a wie anton eins", "A1"),
    ("de", "ka de sieben", "KD7"),
    ("de", "ce ha dreiunddreißig", "CH33"),
    ("fr", "x comme xavier deux", "X2"),
    ("fr", "m comme marcel un deux", "M12"),
    ("en", "alpha bravo one two", "AB12"),
    ("en", "d as in david seven", "D7"),
    ("en", "p a four three", "PA43"),
    ("pt", "pê tê cinquenta", "PT50"),
    ("pt", "w de washington nove", "W9"),
]


@pytest.mark.parametrize(("lang", "said", "expected"), LETTERS)
def test_spelled_letters(lang: str, said: str, expected: str) -> None:
    assert normalized(f"{said}.", lang).text == f"{expected}."


def test_a_spelled_word_must_start_with_its_letter() -> None:
    assert normalized("b de madrid uno", "es").text != "B1"


def test_letter_names_fold_accents() -> None:
    assert fold("Zéro") == "zero"
    assert LEXICONS["pt"].lookup("tres") == LEXICONS["pt"].lookup("três")


# -- emails ----------------------------------------------------------------------------------------

EMAILS = [
    ("en", "sam dot lee at outlook dot com", "sam.lee@outlook.com"),
    ("en", "d as in david reyes r e y e s eighty two at yahoo dot com", "dreyes82@yahoo.com"),
    ("en", "priya underscore n at gmail dot co dot uk", "priya_n@gmail.co.uk"),
    ("es", "ana guion bajo ruiz arroba gmail punto com", "ana_ruiz@gmail.com"),
    ("es", "ka tanaka ochenta y ocho arroba yahoo punto com punto eme equis", "ktanaka88@yahoo.com.mx"),
    ("fr", "jean point dupont arobase orange point f r", "jean.dupont@orange.fr"),
    ("fr", "x comme xavier, l comme louis, point, b arobase free point fr", "xl.b@free.fr"),
    ("de", "t punkt weber minus koeln at gmx punkt net", "t.weber-koeln@gmx.net"),
    ("de", "lena unterstrich voss ät web punkt de", "lena_voss@web.de"),
    ("pt", "rita ponto alves sessenta e oito arroba gmail ponto com", "rita.alves68@gmail.com"),
    ("pt", "joao traço silva arroba sapo ponto pt", "joao-silva@sapo.pt"),
    ("en", "m.okafor(at)firma.de", "m.okafor@firma.de"),
]


@pytest.mark.parametrize(("lang", "said", "address"), EMAILS)
def test_dictated_emails(lang: str, said: str, address: str) -> None:
    text = f"caller: it's {said}\nagent: thanks"
    assert address in normalized(text, lang).text
    assert (entities.EMAIL_ADDRESS, said) in spans(text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "we met at ten and stayed at the hilton. point is, it was late"),
        ("en", "look at point three of the contract"),
        ("fr", "on se voit à midi, point final"),
        ("de", "wir treffen uns at home punkt"),
    ],
)
def test_at_and_dot_in_ordinary_speech_make_no_email(lang: str, text: str) -> None:
    assert spoken(text, lang) == []


# -- dates of birth --------------------------------------------------------------------------------

# (lang, birth question, what is said before the date, the date, the date as written for the recognizer)
DATES = [
    ("en", "date of birth", "the ", "third of may nineteen seventy", "03.05.1970"),
    ("en", "dob", "", "june second twenty fifteen", "02.06.2015"),
    ("en", "born on", "the ", "fourth of the first ninety six", "04.01.96"),
    ("en", "date of birth", "", "twenty-first of march eighty", "21.03.80"),
    ("es", "fecha de nacimiento", "el ", "tres de mayo de mil novecientos setenta", "03.05.1970"),
    ("es", "nacido el", "", "nueve de julio del dos mil catorce", "09.07.2014"),
    ("fr", "date de naissance", "le ", "douze avril quatre-vingt-dix", "12.04.90"),
    ("fr", "né le", "", "premier mars mille neuf cent huitante", "01.03.1980"),
    ("de", "geburtsdatum", "am ", "dritten mai neunzehnhundertsiebzig", "03.05.1970"),
    ("de", "geboren am", "", "zwölften august zweitausendeins", "12.08.2001"),
    ("pt", "data de nascimento", "", "doze do quatro de oitenta e um", "12.04.81"),
    ("pt", "nascido em", "", "dezassete de junho de mil novecentos e sessenta e dois", "17.06.1962"),
    ("de", "geburtsdatum", "", "vierzehnter zweiter neunzehnhundertneunzig", "14.02.1990"),
    ("en", "date of birth", "", "fourteenth of feb eighty two", "14.02.82"),
    ("en", "date of birth", "the ", "3rd of may nineteen seventy", "03.05.1970"),
]


@pytest.mark.parametrize(("lang", "cue", "before", "said", "written"), DATES)
def test_spoken_dates_of_birth(lang: str, cue: str, before: str, said: str, written: str) -> None:
    text = f"agent: {cue}\ncaller: {before}{said}"
    assert written in normalized(text, lang).text
    assert spoken(text, lang) == [(entities.DATE_OF_BIRTH, said)]


@pytest.mark.parametrize(("lang", "cue", "before", "said", "written"), DATES)
def test_spoken_dates_without_a_birth_word_are_not_dates_of_birth(
    lang: str, cue: str, before: str, said: str, written: str
) -> None:
    assert spoken(f"agent: the delivery\ncaller: {before}{said}", lang) == []


def test_a_birth_question_further_back_than_the_written_recognizer_looks() -> None:
    question = "agent: can i confirm your date of birth please, just for security as we have to verify it"
    said = "third of may nineteen seventy"
    assert spoken(f"{question}\ncaller: yes it's the {said}", "en") == [(entities.DATE_OF_BIRTH, said)]


@pytest.mark.parametrize("said", ["oh three oh five nineteen seventy", "oh three, oh five, seventy"])
def test_a_date_of_birth_said_as_digits(said: str) -> None:
    assert spoken(f"agent: your date of birth\ncaller: {said}", "en") == [(entities.DATE_OF_BIRTH, said)]


# -- values: checksums ---------------------------------------------------------------------------

CARD = card("453201511283036")
IBAN = TEST_IBANS[1]  # DE89...


@pytest.mark.parametrize("lang", list(_DIGIT_WORDS))
def test_a_card_read_digit_by_digit(lang: str) -> None:
    said = say(CARD, lang)
    assert spoken(f"x: {said}", lang) == [(entities.CREDIT_CARD, said)]


@pytest.mark.parametrize(
    ("lang", "said", "value"),
    [
        (
            "en",
            "four five three nine nine five four two triple five oh three four nine two",
            "4539954255503492",
        ),
        (
            "de",
            "dreiundfünfzig neunzehn sechsundsiebzig sechsundachtzig dreiunddreißig dreiundfünfzig"
            " sechsundachtzig dreizehn",
            "5319768633538613",
        ),
        (
            "pt",
            "cinquenta e um cinquenta e dois sessenta dezoito quinze noventa oitenta e três zero seis",
            "5152601815908306",
        ),
        (
            "fr",
            "cinq un trois six, six trois zéro neuf, euh quatre cinq quatre six, trois trois huit huit",
            "5136630945463388",
        ),
    ],
)
def test_cards_in_pairs_and_with_fillers(lang: str, said: str, value: str) -> None:
    assert value in normalized(said, lang).text.replace(" ", "")
    assert spoken(f"x: {said}", lang) == [(entities.CREDIT_CARD, said)]


@pytest.mark.parametrize(
    ("lang", "country"),
    [("en", "d e"), ("de", "de"), ("es", "de e"), ("fr", "dé e"), ("pt", "dê é")],
)
def test_an_iban_with_its_country_code_spoken(lang: str, country: str) -> None:
    said = f"{country} {say(IBAN[2:], lang)}"
    assert spoken(f"x: the iban is {said}", lang) == [(entities.IBAN_CODE, said)]


@pytest.mark.parametrize(
    ("lang", "cue", "value", "entity"),
    [
        ("es", "su dni", es_dni(), entities.ES_DNI),
        ("es", "su nie", es_nie(), entities.ES_NIE),
        ("pt", "o seu nif", pt_nif(), entities.PT_NIF),
        ("pt", "o cpf do titular", br_cpf(), entities.BR_CPF),
        ("de", "ihre steuer id", de_idnr(), entities.DE_TAX_ID),
        ("en", "her nhs number", uk_nhs(), entities.UK_NHS),
    ],
)
def test_national_ids_after_their_cue(lang: str, cue: str, value: str, entity: str) -> None:
    said = say(value, lang)
    assert spoken(f"agent: {cue}\ncaller: {said}", lang) == [(entity, said)]


def test_a_weak_id_cued_two_turns_up_and_read_back() -> None:
    value = de_idnr()
    said = say(value, "de")
    text = (
        "kundin: da fehlt die steuer id\nagent: die können sie mir gleich durchgeben\n"
        f"kundin: {said}\nagent: {said} danke"
    )
    found = SpokenStage().detect(Document(text, "de"))
    assert [(s.entity, s.score) for s in found] == [(entities.DE_TAX_ID, 0.95)] * 2


def test_a_nino_in_the_spelling_alphabet() -> None:
    said = "whiskey romeo seven five five four three nine delta"
    assert spoken(f"agent: national insurance number\ncaller: {said}", "en") == [(entities.UK_NINO, said)]


# -- values: phones, accounts, postcodes ---------------------------------------------------------

PHONES = [
    ("en", "and a mobile", "oh seven seven double oh nine double oh four six one"),
    ("en", "best number to reach you", "six four seven five five five oh one three nine"),
    ("es", "un teléfono de contacto", "seis cuatro nueve veintidós treinta y uno cero ocho"),
    ("es", "el número de la línea", "cincuenta y cinco dieciocho cuarenta y dos doble cero setenta y uno"),
    ("fr", "un numéro de portable", "zéro six, quarante-deux, quatre-vingt-huit, onze, zéro trois"),
    ("fr", "votre téléphone", "zéro septante-six, cinq cent douze, trente, quarante-huit"),
    ("de", "und eine telefonnummer", "null eins fünf eins doppel null vier drei acht neun zwo eins"),
    ("pt", "e um contacto", "novecentos e dezoito quatrocentos e quarenta e sete duzentos e cinco"),
    ("pt", "o seu celular", "onze nove sete meia meia cinco zero um nove três"),
]


@pytest.mark.parametrize(("lang", "question", "said"), PHONES)
def test_spoken_phone_numbers_after_a_phone_question(lang: str, question: str, said: str) -> None:
    assert spoken(f"agent: {question}\ncaller: {said}", lang) == [(entities.PHONE_NUMBER, said)]


def test_a_phone_number_that_passes_luhn_stays_a_phone_number() -> None:
    said = "plus four four seven seven double oh nine double oh three one two"  # 447700900312 passes Luhn
    assert spans(f"caller: text me on {said}", "en") == [(entities.PHONE_NUMBER, said)]


def test_a_sort_code_is_not_an_account_number() -> None:
    text = (
        "agent: your sort code and account number\n"
        "caller: sort code two oh, one five, six three, account number four one two three four five six seven"
    )
    assert spans(text, "en") == [(entities.ACCOUNT_ID, "four one two three four five six seven")]


def test_an_international_number_after_plus() -> None:
    text = "atendente: e um telefone\ncliente: mais oito cinco três seis seis um dois três quatro sete oito"
    assert spoken(text, "pt") == [(entities.PHONE_NUMBER, text[text.index("mais") :])]
    assert "+85366123478" in normalized(text, "pt").text


def test_a_phone_number_with_a_cue_after_it() -> None:
    said = "oh one one three four nine six oh eight two two"
    assert spoken(f"caller: is {said} still the best number", "en") == [(entities.PHONE_NUMBER, said)]


def test_a_correction_completes_a_phone_number() -> None:
    said = "zéro six, quarante-deux, quatre-vingt-dix-huit... non quatre-vingt-huit, onze, zéro trois"
    assert spoken(f"agent: votre portable\nclient: {said}", "fr") == [(entities.PHONE_NUMBER, said)]


def test_a_read_back_is_found_like_the_first_reading() -> None:
    said = "six four seven five five five oh one three nine"
    text = f"agent: the number you want to keep\ncaller: {said}\nagent: {said} perfect"
    assert spoken(text, "en") == [(entities.PHONE_NUMBER, said)] * 2


@pytest.mark.parametrize(
    ("lang", "question", "said"),
    [
        ("en", "can i have the member id please", "w eight three one oh five six two seven four"),
        ("en", "have you your account number there", "nine oh oh four double two seven one"),
        ("es", "me indica el número de póliza", "a u te guion cuatro cuatro siete uno cero dos"),
        ("fr", "votre numéro client", "c l i tiret zéro zéro quatre un huit sept un"),
        ("de", "haben sie ihre kundennummer", "ka de sieben sieben null vier eins eins zwo"),
        ("pt", "o número de cliente por favor", "três zero zero quatro um sete dois oito"),
    ],
)
def test_spoken_account_numbers(lang: str, question: str, said: str) -> None:
    assert spoken(f"agent: {question}\ncaller: {said}", lang) == [(entities.ACCOUNT_ID, said)]


@pytest.mark.parametrize(
    ("lang", "question", "said"),
    [
        ("en", "and the postcode on the account", "c f twenty four three a a"),
        ("fr", "le code postal", "soixante-neuf zéro zéro sept"),
        ("de", "und die plz", "eins null eins eins fünf"),
        ("pt", "o cep", "zero um três um zero dois zero zero"),
        ("es", "su código postal", "veintiocho cero diecinueve"),
    ],
)
def test_spoken_postcodes(lang: str, question: str, said: str) -> None:
    assert spoken(f"agent: {question}\ncaller: {said}", lang) == [(entities.STREET_ADDRESS, said)]


# -- offsets ---------------------------------------------------------------------------------------


def test_offsets_map_back_exactly() -> None:
    text = "caller: um it's four five, three two\nand my email is sam dot lee at outlook dot com ok"
    result = normalized(text, "en")
    assert result.text == "caller: um it's 4532\nand my email is sam.lee@outlook.com ok"
    for piece, said in (("45", "four five"), ("32", "three two"), ("4532", "four five, three two")):
        start = result.text.index(piece)
        begin, end = result.original(start, start + len(piece))
        assert text[begin:end] == said
    start = result.text.index("sam.lee")
    begin, end = result.original(start, start + len("sam.lee@outlook.com"))
    assert text[begin:end] == "sam dot lee at outlook dot com"
    # text around the values maps one to one, and says it holds nothing spoken
    assert result.original(0, 7) is None
    tail = result.text.index(" ok")
    assert result.original(tail, tail + 3) is None
    assert result.text[tail:] == text[text.index(" ok") :]


def test_a_group_maps_to_all_its_words() -> None:
    result = normalized("is twenty three now", "en")
    assert result.text == "is 23 now"
    assert result.original(3, 4) == (3, 15)  # `2` comes from `twenty three` as a whole


# -- what is not a spoken value -----------------------------------------------------------------

HARD_NEGATIVES = [
    ("en", "caller: i have two kids and three dogs and we met at ten"),
    ("en", "caller: it was twenty five euros, the other one thirty nine ninety nine"),
    ("en", "agent: do you have the order number\ncaller: " + say(CARD, "en")),
    (
        "en",
        "caller: the tracking number is one five five oh three nine eight eight two one seven six four oh",
    ),
    ("en", "caller: version three point two point one, build four four five six seven eight nine"),
    ("en", "caller: the meeting is at nine thirty on the third of may nineteen seventy"),
    ("en", "agent: you can call us on oh eight hundred three three one two two two two"),
    ("en", "agent: your reference is q r four four seven two nine oh one three"),
    ("es", "cliente: tengo dos hijos y tres perros y pagué veinticinco euros"),
    ("es", "agente: el número de pedido\ncliente: " + say(CARD, "es")),
    ("es", "técnico: escribe ciento noventa y dos punto ciento sesenta y ocho punto uno punto uno"),
    ("es", "agente: llamando al nueve cero cero ocho cuatro uno dos dos cero"),
    ("fr", "client: j'ai deux enfants et trois chiens, ça coûte vingt-cinq euros"),
    ("fr", "client: le numéro de suivi c'est six un neuf huit trois quatre quatre sept zéro deux un cinq"),
    ("fr", "client: c'est quatre-vingt-neuf dollars quatre-vingt-quinze plus taxes"),
    ("de", "kunde: ich habe zwei kinder und drei hunde, das kostet fünfundzwanzig euro"),
    ("de", "kunde: die bestellung, die nummer ist vier vier eins eins null neun drei"),
    ("de", "agent: wir sind unter null achthundert drei drei null eins null null null erreichbar"),
    ("pt", "cliente: tenho dois filhos e três cães e custou vinte e cinco euros"),
    ("pt", "operador: o protocolo é dois zero dois quatro zero nove um oito cinco cinco três um dois"),
    ("pt", "atendente: cento e noventa e nove e noventa por mês"),
    ("de", "agent: sie erreichen unsere hotline unter null drei null eins zwei drei vier fünf sechs sieben"),
    ("en", "agent: and your flight number\ncaller: two two four five nine eight one"),
    ("en", "caller: my house number is forty one and the room is two oh four"),
]


@pytest.mark.parametrize(("lang", "text"), HARD_NEGATIVES)
def test_ordinary_speech_masks_nothing(lang: str, text: str) -> None:
    assert spans(text, lang) == []


def test_written_values_are_left_to_the_pattern_stage() -> None:
    text = f"card {TEST_CARDS[0]}, mail ana@example.com, born 03/05/1970, call 0151 2245901"
    assert spoken(text, "en") == []


def test_an_unknown_language_is_read_in_all_five() -> None:
    said = say(CARD, "de")
    assert spoken(f"x: {said}", "xx") == [(entities.CREDIT_CARD, said)]


# -- the stage -----------------------------------------------------------------------------------


def test_the_stage_contract() -> None:
    stage = SpokenStage()
    assert isinstance(stage, Stage)
    assert stage.name == "spoken"
    assert {entities.PHONE_NUMBER, entities.CREDIT_CARD, entities.EMAIL_ADDRESS} <= stage.entities
    assert entities.IP_ADDRESS not in stage.entities
    assert [s.name for s in default_pipeline().stages] == ["patterns", "spoken", "custom"]


def test_a_policy_can_switch_the_stage_off() -> None:
    said = say(CARD, "en")
    policy = Policy.model_validate({"tenant": "t", "stages": {"spoken": False}})
    assert default_pipeline().detect(Document(f"x: {said}", "en", policy=policy)) == []
    disabled = Policy.model_validate({"tenant": "t", "entities": {"CARD": False}})
    assert SpokenStage().detect(Document(f"x: {said}", "en", policy=disabled)) == []


def test_texts_without_number_words_are_left_after_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("read a text with nothing spoken in it")

    monkeypatch.setattr(spoken_stage, "read", fail)
    for lang in _DIGIT_WORDS:
        assert SpokenStage().detect(Document("Thanks, the parcel arrived on Monday. Best, Ana", lang)) == []


def test_time_grows_linearly_with_the_text() -> None:
    unit = "caller: four five three two one, um, at gmail dot com and nineteen seventy\n"
    stage = SpokenStage()

    def cost(repeats: int) -> float:
        doc = Document(unit * repeats, "en")
        start = time.perf_counter()
        stage.detect(doc)
        return time.perf_counter() - start

    cost(10)
    small, large = min(cost(50) for _ in range(3)), min(cost(400) for _ in range(3))
    assert large < small * 8 * 3  # 8x the text; quadratic would be 64x
