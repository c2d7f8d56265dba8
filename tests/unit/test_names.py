"""Names by their cue (`detectors/patterns/names.py`): each cue in each language, and the texts
where a capitalized word after a cue word is not a name."""

from __future__ import annotations

import pytest

from detectors import Document, default_pipeline
from detectors.patterns.names import NAMES


def names(text: str) -> list[str]:
    return sorted({text[start:end] for start, end, _ in NAMES.find(text, "en")})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # form labels, key-value dumps and JSON
        ("Nom complet : Élodie Marchand-Rey\nVille : Lyon", ["Élodie Marchand-Rey"]),
        ("Prénom(s) : Wei, Antoine\nNom : ZHANG\n", ["Antoine", "Wei", "ZHANG"]),
        ("Nachname: Özdemir\nVorname: Selin", ["Selin", "Özdemir"]),
        ("nome_completo: joão pedro da silva\nplano: anual", ["joão pedro da silva"]),
        ('{"pedido": "X-1", "nombre": "Ximena Ruiz Tapia", "total": 3}', ["Ximena Ruiz Tapia"]),
        ("Proprietária: Ana Beatriz Lopes, nasc. 1990", ["Ana Beatriz Lopes"]),
        # introductions, strong (lower case too) and weak (capitalized only)
        ("hi my name is tomás oyelaran and i need help", ["tomás oyelaran"]),
        ("buenas tardes le atiende rocío en qué puedo ayudarle", ["rocío"]),
        ("Guten Tag, mein Name ist Jannik Wöhrle.", ["Jannik Wöhrle"]),
        ("bonjour, je m'appelle inès haddad", ["inès haddad"]),
        ("Olá, chamo-me Jordi Vila i Serra e escrevo", ["Jordi Vila i Serra"]),
        ("Hello, this is Priya from accounts", ["Priya"]),
        ("cliente: bonjour euh je suis oksana kovalenko", ["oksana kovalenko"]),
        ("atendente: boa tarde fala a sofia em que posso ajudar", ["sofia"]),
        # titles
        ("Dear Mrs. Okonkwo-Bell, thank you", ["Okonkwo-Bell"]),
        ("Sehr geehrter Herr Dr. Albrecht,", ["Albrecht"]),
        ("merci monsieur bensaïd\nbonne journée", ["bensaïd"]),
        # greetings and sign-offs
        ("Hi Siobhan, your order shipped.", ["Siobhan"]),
        ("Thanks for waiting.\n\nKind regards,\nMateus Albuquerque\nCustomer Care", ["Mateus Albuquerque"]),
        ("Cordialement,\n> Théo", ["Théo"]),
        ("merci bcp 🙏 bss, Lou", ["Lou"]),
        # mail headers and display names
        ("From: Ngozi Adeyemi <ngozi.a@example.org>\nSubject: refund", ["Ngozi Adeyemi"]),
        ("On Tue, 3 Sep, Rafael Ibáñez <r.ibanez@example.es> wrote:", ["Rafael Ibáñez"]),
        # chat speakers, named or with a role
        ("Kasia (Support): hi!\nme: hello\nKasia (Support): how can I help?", ["Kasia"]),
        ("Agente Tiago: Olá\nCliente: oi\nAgente Tiago: diga", ["Tiago"]),
        ("Staff Gym24 - Inês: Bom dia", ["Inês"]),
        ("Conseiller (Lukas): bonjour\nClient: oui\nConseiller (Lukas): merci", ["Lukas"]),
        # relatives, notes, signatures, families
        ("the car was driven by my son, Callum, that day", ["Callum"]),
        ("Llamada entrante 11:20. Cliente Yusuf Demir pide la baja.", ["Yusuf Demir"]),
        ("Rappel sous 5 j. — Claire Dubois", ["Claire Dubois"]),
        ("Marta Vieira | Gestora de Conta", ["Marta Vieira"]),
        ("Passagens da família Nakamura confirmadas", ["Nakamura"]),
        # the answer to a question for the name
        ("agent: can i take your full name please\ncaller: yeah it's dermot o'leary", ["dermot"]),
        # later mentions of a name found by its cue
        ("name is Adaeze Nwosu\nThanks Adaeze, one moment", ["Adaeze", "Adaeze Nwosu"]),
    ],
)
def test_a_cued_name_is_found(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Is the Rose Gold kettle back? Does the Mark II lid fit?",
        "Dear Customer,\nyour parcel is on its way.\nKind regards,\nThe Larkfield Team",
        "Hi team, the Q3 report is attached.",
        "Hallo zusammen,\nLiebe Grüße\nIhr Dispo-Team",
        "Atentamente,\nÁrea Comercial",
        "Cumprimentos,\nDepartamento Financeiro",
        "From: Customer Service <service@example.com>",
        "Valoración (1-5): 4\nComentarios: todo bien",
        "Feriado de 12 de outubro (Nossa Senhora Aparecida): loja fechada",
        "o senhor já fez o boletim? a senhora liga amanhã",
        "Visita técnica OS 889102 concluída.",
        "no plano Família Premium o desconto é 10%",
        "FORMULAIRE DE RÉCLAMATION — ASSURANCE HABITATION",
        "Hey, I want to cancel StreamNorth.\nStreamNorth Help: sure\nStreamNorth Help: done",
        "agent: and the name of the company\ncaller: yeah about eight thousand",
        "caller: four seven two nine it's valid till march",
        "o técnico disse que é o cano da cozinha",
    ],
)
def test_no_name_where_the_cue_word_is_not_a_cue(text: str) -> None:
    assert names(text) == []


def test_the_pipeline_masks_cued_names_in_balanced_mode_without_ner() -> None:
    text = "Kind regards,\nMateus Albuquerque"
    spans = default_pipeline().detect(Document(text, "pt"))
    assert [(text[s.start : s.end], s.entity) for s in spans] == [("Mateus Albuquerque", "PERSON")]


def test_the_name_list_holds_names_not_everyday_words() -> None:
    from detectors.patterns.names import person_names

    listed = person_names()
    assert {"sofia", "oksana", "julien", "wesley"} <= listed.keys()
    assert not {"mark", "rose", "april", "will", "hope", "costa"} & listed.keys()
    assert set(listed.values()) <= {"F", "L", "FL"}


@pytest.mark.parametrize(
    ("text", "first", "expected"),
    [
        ("Kerstin Lampe called", "Kerstin", "Kerstin Lampe"),
        ("Núria Puig i Ferrer : oui", "Núria Puig", "Núria Puig i Ferrer"),
        ("oksana kovalenko sim", "oksana", "oksana kovalenko"),  # a listed surname
        ("Anna Team lead", "Anna", "Anna"),  # a team word
        ("Anna Berg Müller Schmidt Klein", "Anna", "Anna Berg Müller"),  # two words at most
        ("ana Lopes", "ana", "ana"),  # a lower-case name takes no capitalized word
        ("Ana ana@example.com", "Ana", "Ana"),
    ],
)
def test_a_name_span_grows_over_the_name_words_after_it(text: str, first: str, expected: str) -> None:
    from detectors.patterns.names import grow_names
    from detectors.span import Span

    spans = grow_names([Span(0, len(first), "PERSON", 0.7, "ner")], text)
    assert text[spans[0].start : spans[0].end] == expected
