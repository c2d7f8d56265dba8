"""Seeded synthetic training corpus for the NER tagger: en, es, fr, de, pt.

CRM notes, tickets, chat turns, emails and address lines built from this module's
own templates, filled with Faker values in each country's format and, as `RealShares` says,
with real cities and company names (`gazetteers.py`); addresses mostly written as a street
(STREET_ADDRESS) followed by its city, state or country (LOCATION). Names come in
every casing; hard negatives (products, capitalized common nouns, street words
without a name, months, weekdays, greetings) are labelled `O`. *Prose* lines put
entities among everyday words from Faker's word lists (and `wordfreq`'s), so the tagger sees many more
non-entity words than the templates hold.

Never add evaluation data (`synth_dataset_v2.json`, `data/eval/`) here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, cast

from faker import Faker

from detectors import entities
from training.ner.gazetteers import TRANSLIT_LOCALES, translit

PER: Final = entities.PERSON
LOC: Final = entities.LOCATION
ADDR: Final = entities.STREET_ADDRESS
ORG: Final = entities.ORGANIZATION
LANGS: Final = ("en", "es", "fr", "de", "pt")

#: Faker locales per language; extra locales only widen name and place shapes.
LOCALES: Final = {
    "en": ("en_US", "en_GB", "en_CA", "en_AU", "en_IE", "en_NZ"),
    "es": ("es_ES", "es_MX", "es_AR", "es_CO", "es_CL"),
    "fr": ("fr_FR", "fr_CA", "fr_CH"),
    "de": ("de_DE", "de_AT", "de_CH"),
    "pt": ("pt_PT", "pt_BR"),
}
FOREIGN: Final = (
    "it_IT", "nl_NL", "pl_PL", "fi_FI", "hu_HU", "sv_SE", "da_DK", "cs_CZ", "ro_RO",
    "tr_TR", "hr_HR", "sk_SK", "sl_SI", "et_EE", "lv_LV", "lt_LT", "no_NO", "id_ID",
    "en_IN", "en_PK", "zu_ZA", "yo_NG", "tw_GH", "vi_VN", "az_AZ", "uz_UZ", "ga_IE", "sw",
    "is_IS", "ar_AE", "ar_EG", "ar_JO", "sq_AL", "bs_BA", "mt_MT", "ig_NG", "fil_PH", "el_CY",
    "en_KE", "en_NG", "nl_BE", "lb_LU",
    *TRANSLIT_LOCALES,  # Russian, Ukrainian and Bulgarian names, transliterated
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RealShares:
    """Real lists in the corpus (`gazetteers.py`, `wordfreq`: the `ner-train` extra), split addresses.

    `cities`: cities drawn from GeoNames' (half from the language's countries) instead of the
    locale's Faker; `orgs`: organizations drawn from stock-index company names;
    `split_addresses`: addresses written as street (+ postcode) STREET_ADDRESS followed by
    city, region or country as LOCATION (the rest: the whole address one STREET_ADDRESS);
    `wide_vocab`: half the everyday words of prose lines from `wordfreq`'s 25,000 most frequent
    of the language (`wide_words`) instead of Faker's few hundred.
    """

    cities: float = 0.0
    orgs: float = 0.0
    split_addresses: float = 0.0
    wide_vocab: bool = False


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    lang: str
    spans: tuple[tuple[int, int, str], ...]


# ---------------------------------------------------------------------------
# Templates. Slots: {PER} {FIRST} {LAST} {CITY} {COUNTRY} {REGION} {STREET} {ADDRESS}
# {ORG} and unlabelled fillers {PRODUCT} {MONTH} {DAY} {N} {REF} {EMAIL} {PHONE}
# {TIME} {NOUN} {GREET}. Longer documents are built by joining several lines.
# ---------------------------------------------------------------------------

SENTENCES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Spoke with {PER} about the {PRODUCT} renewal, follow up on {DAY}.",
        "{PER} called from {CITY} asking about invoice {REF}.",
        "Customer {PER} moved to {ADDRESS}; update the billing record.",
        "Ship the replacement to {ADDRESS}.",
        "New shipping address: {STREET}, {CITY}.",
        "{FIRST} says the {PRODUCT} stopped syncing after the update.",
        "Met {PER} ({ORG}) at the trade fair in {CITY}, {COUNTRY}.",
        "{PER} works for {ORG} and wants a quote for {N} seats.",
        "Escalated by {FIRST} {LAST}, account manager at {ORG}.",
        "Mr. {LAST} asked us to cancel the order before {MONTH}.",
        "Ms {LAST} from {ORG} confirmed the meeting on {DAY} at {TIME}.",
        "please send it to {LOWER_PER} at {ADDRESS}",
        "The courier could not find {STREET} in {CITY}.",
        "Contract signed by {PER} on behalf of {ORG}.",
        "{ORG} is opening a new office in {CITY} next {MONTH}.",
        "Our {PRODUCT} team in {CITY} will handle ticket {REF}.",
        "Lead source: webinar. Contact: {PER}, {ORG}, {CITY}.",
        "I am travelling to {COUNTRY} with {FIRST} next week.",
        "Delivery failed at {ADDRESS}, nobody home.",
        "{PER} lives in {REGION} and prefers email.",
        "Can you ask {FIRST} to check the {NOUN} report?",
        "Refund approved for {PER}, order {REF}.",
        "{LAST} family reported a leak at {STREET}.",
        "Invoice address: {ORG}, {ADDRESS}.",
        "Hi, this is {PER} from {ORG}, my order {REF} never arrived.",
        "The package is stuck in {CITY} since {DAY}.",
        "Transferred the call to {FIRST} in the {NOUN} department.",
        "{PER} and {PER} will join the call from {CITY}.",
        "Our billing office is at {STREET}, {CITY}, {COUNTRY}.",
        "Apartment {N}, {STREET}",
        "My name is {PER} and I live in {CITY}.",
        "I'm {FIRST}, I moved from {COUNTRY} to {CITY} last year.",
        "Please update my home address to {ADDRESS}.",
        "{PER}'s order was shipped to {STREET}, {CITY}, {REGION}.",
        "Is {ORG} still hiring in {CITY}?",
        # broader shapes: names, places and organizations in plain narrative English
        "{FIRST} grew up in {CITY} and later moved to {COUNTRY}.",
        "I think {FIRST} is right, the {NOUN} numbers look off.",
        "We're flying to {CITY} on {DAY}, then driving to {REGION}.",
        "{PER} is a {JOB} at {ORG}.",
        "According to {PER}, the {NOUN} audit went well.",
        "What's the status of {FIRST}'s request?",
        "It's been {N} days and {ORG} still hasn't replied.",
        "Have you heard from {LOWER_PER} yet? they said they'd call back",
        "The {NRP} supplier {ORG} delivered late again.",
        "Last {MONTH} {PER} visited our office in {CITY}.",
        "She was born in {COUNTRY} but has lived in {CITY} for years.",
        "{COUNTRY} and {COUNTRY} are our biggest markets.",
        "Most of our customers in {REGION} pay by card.",
        "{CITY} is {N} miles from here.",
        "he doesn't want to talk to {FIRST} about it anymore",
        "Thanks {FIRST}! I'll forward this to {PER} at {ORG}.",
        "{ORG} has acquired {ORG} for an undisclosed sum.",
        "Please add {PER} and {PER} to the {NOUN} thread.",
        "Dear {FIRST}, your application to {ORG} has been received.",
        "{LAST} said {ORG} would sign before {MONTH}.",
        "The meeting with {ORG} in {CITY} was moved to {DAY}.",
        "My manager, {PER}, approved the trip to {COUNTRY}.",
        "Our new {JOB}, {PER}, starts on {DAY}.",
        "Can someone from {ORG} call me? I live near {STREET}.",
        "i told {LOWER_PER} the package was left at {ADDRESS}",
        "A letter from {PER} arrived yesterday from {CITY}, {REGION}.",
        "{FIRST} and I went to school together in {CITY}.",
        "We ordered {N} units from {ORG} last week.",
        "Our partner {ORG} runs the warehouse on {STREET}.",
        "Who is the contact person at {ORG}? Is it {PER}?",
        "{PER} from {REGION} won the {PRODUCT} raffle.",
        "Don't forget to invite {FIRST} and {FIRST} to the party.",
        "The flight from {CITY} to {CITY} was cancelled.",
        "Customer {PER} ({COUNTRY}) reported a billing error.",
        "There is no record of {PER} in our {NOUN} system.",
        "Please note that {ORG} changed its address to {ADDRESS}.",
        "They've hired {PER} as {JOB}.",
        "{PER}, {JOB}, {ORG}, {CITY}",
        "I've attached the contract {ORG} sent to {FIRST}.",
        "My grandmother {PER} still lives in {COUNTRY}.",
        "Ask {LAST} whether {ORG} can ship to {COUNTRY}.",
        "Signed, {PER}",
        "Regarding your visit to {CITY}: {ORG} will cover the hotel.",
        # lists of people (not a law firm: `Smith, Jones and Brown` is an organization only with its context)
        "{PERLIST} joined the {NOUN} call on {DAY}.",
        "Thanks to {PERLIST} for their help with the {PRODUCT} rollout!",
        "Attendees: {PERLIST}",
        "Hi {FIRST}, I checked the {NOUN} report this morning.",
        "Hello {PER}, confirming your appointment on {DAY} at {TIME}.",
        # organizations and people in general narrative English
        "{ORG} is a {NOUN} company based in {CITY}.",
        "She has worked for {ORG} as a {JOB} since {MONTH}.",
        "I invested in {ORG} and {ORG} last year.",
        "The {ORG} website was down again this morning.",
        "Shares of {ORG} rose after the announcement.",
        "He left {ORG} to join {ORG} in {CITY}.",
        "{ORG} and {ORG} announced a partnership.",
        "Support at {ORG} never answered my emails.",
        "{FIRST} just began a new job at {ORG}.",
        "{FIRST} has two kids and lives in {CITY}.",
        "The latest novel by {PER} is a bestseller.",
        "Interview with {PER}",
        "Written by {PER}",
        "{PER} was born in {CITY}, {COUNTRY} in the 1980s.",
        "{LAST} is the new head of {NOUN} at {ORG}.",
        "{PERLIST} had already left when {FIRST} arrived.",
    ),
    "es": (
        "Hablé con {PER} sobre la renovación del {PRODUCT}; seguimiento el {DAY}.",
        "{PER} llamó desde {CITY} preguntando por la factura {REF}.",
        "El cliente {PER} se mudó a {ADDRESS}, actualizar la ficha.",
        "Enviar el repuesto a {ADDRESS}.",
        "Nueva dirección de envío: {STREET}, {CITY}.",
        "{FIRST} dice que el {PRODUCT} dejó de sincronizar tras la actualización.",
        "Conocí a {PER} ({ORG}) en la feria de {CITY}, {COUNTRY}.",
        "{PER} trabaja en {ORG} y pide presupuesto para {N} licencias.",
        "Escalado por {FIRST} {LAST}, responsable de cuenta en {ORG}.",
        "El Sr. {LAST} pidió cancelar el pedido antes de {MONTH}.",
        "La Sra. {LAST} de {ORG} confirmó la reunión del {DAY} a las {TIME}.",
        "por favor envíalo a {LOWER_PER} en {ADDRESS}",
        "El mensajero no encontró {STREET} en {CITY}.",
        "Contrato firmado por {PER} en nombre de {ORG}.",
        "{ORG} abrirá una nueva oficina en {CITY} en {MONTH}.",
        "Nuestro equipo de {PRODUCT} en {CITY} gestionará el ticket {REF}.",
        "Contacto: {PER}, {ORG}, {CITY}.",
        "Viajo a {COUNTRY} con {FIRST} la semana que viene.",
        "Entrega fallida en {ADDRESS}, no había nadie.",
        "{PER} vive en {REGION} y prefiere el correo.",
        "¿Puedes pedirle a {FIRST} que revise el informe de {NOUN}?",
        "Reembolso aprobado para {PER}, pedido {REF}.",
        "La familia {LAST} avisó de una fuga en {STREET}.",
        "Dirección de facturación: {ORG}, {ADDRESS}.",
        "Hola, soy {PER} de {ORG}, mi pedido {REF} nunca llegó.",
        "El paquete está retenido en {CITY} desde el {DAY}.",
        "Pasé la llamada a {FIRST} del departamento de {NOUN}.",
        "{PER} y {PER} se conectarán desde {CITY}.",
        "Nuestra oficina está en {STREET}, {CITY}, {COUNTRY}.",
        "Piso {N}, {STREET}",
        "Me llamo {PER} y vivo en {CITY}.",
        "Soy {FIRST}, me mudé de {COUNTRY} a {CITY} el año pasado.",
        "Por favor, actualicen mi domicilio a {ADDRESS}.",
        "El pedido de {PER} se envió a {STREET}, {CITY}, {REGION}.",
        "¿{ORG} sigue contratando en {CITY}?",
        "{PERLIST} se unieron a la llamada de {NOUN} el {DAY}.",
        "Asistentes: {PERLIST}",
        "Hola {FIRST}, ya revisé el informe de {NOUN}.",
        "Buenos días {PER}, le confirmo la cita del {DAY} a las {TIME}.",
    ),
    "fr": (
        "Échange avec {PER} au sujet du renouvellement {PRODUCT}, relance {DAY}.",
        "{PER} a appelé de {CITY} au sujet de la facture {REF}.",
        "Le client {PER} a déménagé au {ADDRESS} ; mettre à jour la fiche.",
        "Envoyer le remplacement à l'adresse {ADDRESS}.",
        "Nouvelle adresse de livraison : {STREET}, {CITY}.",
        "{FIRST} indique que le {PRODUCT} ne se synchronise plus depuis la mise à jour.",
        "Rencontré {PER} ({ORG}) au salon de {CITY}, {COUNTRY}.",
        "{PER} travaille chez {ORG} et demande un devis pour {N} postes.",
        "Escaladé par {FIRST} {LAST}, chargé de compte chez {ORG}.",
        "M. {LAST} souhaite annuler la commande avant {MONTH}.",
        "Mme {LAST} de {ORG} a confirmé le rendez-vous du {DAY} à {TIME}.",
        "merci de l'envoyer à {LOWER_PER} au {ADDRESS}",
        "Le livreur n'a pas trouvé le {STREET} à {CITY}.",
        "Contrat signé par {PER} pour le compte de {ORG}.",
        "{ORG} ouvre un nouveau bureau à {CITY} en {MONTH}.",
        "Notre équipe {PRODUCT} de {CITY} traitera le ticket {REF}.",
        "Contact : {PER}, {ORG}, {CITY}.",
        "Je pars en {COUNTRY} avec {FIRST} la semaine prochaine.",
        "Livraison échouée au {ADDRESS}, personne sur place.",
        "{PER} habite en {REGION} et préfère l'e-mail.",
        "Peux-tu demander à {FIRST} de vérifier le rapport {NOUN} ?",
        "Remboursement accordé à {PER}, commande {REF}.",
        "La famille {LAST} signale une fuite au {STREET}.",
        "Adresse de facturation : {ORG}, {ADDRESS}.",
        "Bonjour, je suis {PER} de {ORG}, ma commande {REF} n'est jamais arrivée.",
        "Le colis est bloqué à {CITY} depuis {DAY}.",
        "Appel transféré à {FIRST} du service {NOUN}.",
        "{PER} et {PER} rejoindront l'appel depuis {CITY}.",
        "Nos bureaux sont au {STREET}, {CITY}, {COUNTRY}.",
        "Appartement {N}, {STREET}",
        "Je m'appelle {PER} et j'habite à {CITY}.",
        "Je suis {FIRST}, j'ai quitté {COUNTRY} pour {CITY} l'an dernier.",
        "Merci de mettre à jour mon adresse : {ADDRESS}.",
        "La commande de {PER} a été expédiée au {STREET}, {CITY}, {REGION}.",
        "{ORG} recrute-t-elle toujours à {CITY} ?",
        "{PERLIST} ont rejoint l'appel {NOUN} {DAY}.",
        "Participants : {PERLIST}",
        "Bonjour {FIRST}, j'ai vérifié le rapport {NOUN} ce matin.",
        "Bonjour {PER}, je vous confirme le rendez-vous du {DAY} à {TIME}.",
    ),
    "de": (
        "Mit {PER} über die Verlängerung von {PRODUCT} gesprochen, Wiedervorlage am {DAY}.",
        "{PER} rief aus {CITY} wegen der Rechnung {REF} an.",
        "Kunde {PER} ist umgezogen: {ADDRESS}. Bitte Stammdaten anpassen.",
        "Ersatzgerät bitte an {ADDRESS} schicken.",
        "Neue Lieferadresse: {STREET}, {CITY}.",
        "{FIRST} meldet, dass {PRODUCT} seit dem Update nicht mehr synchronisiert.",
        "{PER} ({ORG}) auf der Messe in {CITY}, {COUNTRY} getroffen.",
        "{PER} arbeitet bei {ORG} und möchte ein Angebot für {N} Lizenzen.",
        "Eskaliert von {FIRST} {LAST}, Key Account bei {ORG}.",
        "Herr {LAST} möchte die Bestellung vor {MONTH} stornieren.",
        "Frau {LAST} von {ORG} hat den Termin am {DAY} um {TIME} bestätigt.",
        "bitte an {LOWER_PER}, {ADDRESS} senden",
        "Der Kurier hat die {STREET} in {CITY} nicht gefunden.",
        "Vertrag unterschrieben von {PER} im Namen der {ORG}.",
        "{ORG} eröffnet im {MONTH} ein neues Büro in {CITY}.",
        "Unser {PRODUCT}-Team in {CITY} übernimmt Ticket {REF}.",
        "Kontakt: {PER}, {ORG}, {CITY}.",
        "Ich fahre nächste Woche mit {FIRST} nach {COUNTRY}.",
        "Zustellung an {ADDRESS} fehlgeschlagen, niemand zu Hause.",
        "{PER} wohnt in {REGION} und bevorzugt E-Mail.",
        "Kannst du {FIRST} bitten, den {NOUN}-Bericht zu prüfen?",
        "Erstattung für {PER} genehmigt, Bestellung {REF}.",
        "Familie {LAST} meldet einen Wasserschaden in der {STREET}.",
        "Rechnungsadresse: {ORG}, {ADDRESS}.",
        "Hallo, hier ist {PER} von {ORG}, meine Bestellung {REF} kam nie an.",
        "Das Paket hängt seit {DAY} in {CITY} fest.",
        "Anruf an {FIRST} aus der Abteilung {NOUN} weitergeleitet.",
        "{PER} und {PER} sind aus {CITY} zugeschaltet.",
        "Unser Büro ist in der {STREET}, {CITY}, {COUNTRY}.",
        "Wohnung {N}, {STREET}",
        "Mein Name ist {PER} und ich wohne in {CITY}.",
        "Ich bin {FIRST} und letztes Jahr von {COUNTRY} nach {CITY} gezogen.",
        "Bitte ändern Sie meine Anschrift auf {ADDRESS}.",
        "Die Bestellung von {PER} ging an {STREET}, {CITY}, {REGION}.",
        "Stellt {ORG} in {CITY} noch ein?",
        "{PERLIST} waren am {DAY} beim {NOUN}-Termin dabei.",
        "Teilnehmer: {PERLIST}",
        "Hallo {FIRST}, ich habe den {NOUN}-Bericht heute früh geprüft.",
        "Guten Tag {PER}, wir bestätigen Ihren Termin am {DAY} um {TIME}.",
    ),
    "pt": (
        "Falei com {PER} sobre a renovação do {PRODUCT}; retorno na {DAY}.",
        "{PER} ligou de {CITY} perguntando pela fatura {REF}.",
        "O cliente {PER} mudou-se para {ADDRESS}, atualizar o cadastro.",
        "Enviar a peça de substituição para {ADDRESS}.",
        "Novo endereço de entrega: {STREET}, {CITY}.",
        "{FIRST} diz que o {PRODUCT} deixou de sincronizar depois da atualização.",
        "Conheci {PER} ({ORG}) na feira de {CITY}, {COUNTRY}.",
        "{PER} trabalha na {ORG} e pediu orçamento para {N} licenças.",
        "Escalado por {FIRST} {LAST}, gestor de conta na {ORG}.",
        "O Sr. {LAST} pediu para cancelar a encomenda antes de {MONTH}.",
        "A Sra. {LAST} da {ORG} confirmou a reunião de {DAY} às {TIME}.",
        "por favor envie para {LOWER_PER} em {ADDRESS}",
        "O estafeta não encontrou a {STREET} em {CITY}.",
        "Contrato assinado por {PER} em nome da {ORG}.",
        "A {ORG} vai abrir um escritório em {CITY} em {MONTH}.",
        "A nossa equipa de {PRODUCT} em {CITY} trata do ticket {REF}.",
        "Contato: {PER}, {ORG}, {CITY}.",
        "Vou para {COUNTRY} com {FIRST} na próxima semana.",
        "Entrega falhada em {ADDRESS}, ninguém em casa.",
        "{PER} mora em {REGION} e prefere e-mail.",
        "Pode pedir ao {FIRST} para verificar o relatório de {NOUN}?",
        "Reembolso aprovado para {PER}, pedido {REF}.",
        "A família {LAST} comunicou uma fuga na {STREET}.",
        "Morada de faturação: {ORG}, {ADDRESS}.",
        "Olá, sou {PER} da {ORG}, a minha encomenda {REF} nunca chegou.",
        "O pacote está parado em {CITY} desde {DAY}.",
        "Transferi a chamada para {FIRST} do departamento de {NOUN}.",
        "{PER} e {PER} vão entrar na chamada a partir de {CITY}.",
        "O nosso escritório fica na {STREET}, {CITY}, {COUNTRY}.",
        "Apartamento {N}, {STREET}",
        "Chamo-me {PER} e moro em {CITY}.",
        "Sou {FIRST}, mudei-me de {COUNTRY} para {CITY} no ano passado.",
        "Por favor, atualizem a minha morada para {ADDRESS}.",
        "A encomenda de {PER} foi enviada para {STREET}, {CITY}, {REGION}.",
        "A {ORG} ainda está a contratar em {CITY}?",
        "{PERLIST} entraram na chamada de {NOUN} na {DAY}.",
        "Participantes: {PERLIST}",
        "Olá {FIRST}, já verifiquei o relatório de {NOUN}.",
        "Bom dia {PER}, confirmo a sua reunião de {DAY} às {TIME}.",
    ),
}

#: Entity-free lines: greetings, product talk, street words without a name, dates.
NEGATIVES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "{GREET}, thanks for reaching out!",
        "The {PRODUCT} update is scheduled for {DAY}, {MONTH} {N}.",
        "Please reset the {NOUN} password and close ticket {REF}.",
        "Our Customer Success team will get back to you within {N} hours.",
        "The Main Street branch and the High Street store close early on {DAY}.",
        "Turn left at the next street and park behind the Station.",
        "Billing, Support and Sales are closed in {MONTH}.",
        "Best regards, The Support Team",
        "Can you call me back at {PHONE} or write to {EMAIL}?",
        "Invoice {REF} is overdue by {N} days.",
        "Thank You for choosing {PRODUCT} Premium!",
        "We upgraded the Router to firmware {N}.",
        "Status: Pending. Priority: High. Category: {NOUN}.",
        "Happy New Year from all of us at Customer Care.",
        "Build {NUMX} fixed {NUMX} of the errors; next check at {NUMX}.",
        "Ticket {REF}: {AMOUNT} refunded, ref {NUMX} of the errors; next check at {NUMX}.",
        "Date of birth {DATE}, card {CARD}, IBAN {IBAN}.",
        "Login from IP {IP} at {TIME}; see {URL}.",
        "The customer speaks {NRP} and works as {JOB}.",
        "Payment of {AMOUNT} received on {DATE} for order {REF}.",
        "{TITLE} Meeting Notes: Budget Review And Next Steps",
        "ID {ID} verified by the {NOUN} Team on {DATE}.",
        "What's the best way to reset it? I don't want to lose my data.",
        "It's great, but the battery drops too fast since the update.",
        "Our {JOB} said the {NRP} version isn't available yet.",
        "You're right, we shouldn't have charged you twice.",
        "Happy Birthday! Hope you have a wonderful {DAY}.",
        "The Senior {JOB} and the Chief Financial Officer signed off.",
        "Title: Quarterly Review. Agenda: Pricing, Roadmap, Hiring.",
        "I can't log in and the app keeps saying Error {N}.",
        "Great news: the Premium Plan now includes {N} GB of storage!",
        "My grandfather loved rock and roll music in the 70s.",
        "There's a typo on page {N} of the Terms and Conditions.",
    ),
    "es": (
        "{GREET}, ¡gracias por escribirnos!",
        "La actualización de {PRODUCT} está prevista para el {DAY} {N} de {MONTH}.",
        "Por favor, restablezca la contraseña de {NOUN} y cierre el ticket {REF}.",
        "Nuestro equipo de Atención al Cliente le responderá en {N} horas.",
        "La sucursal de la Calle Mayor cierra antes el {DAY}.",
        "Gire a la izquierda en la próxima calle y aparque detrás de la Estación.",
        "Facturación, Soporte y Ventas cierran en {MONTH}.",
        "Saludos cordiales, el Equipo de Soporte",
        "¿Puede llamarme al {PHONE} o escribir a {EMAIL}?",
        "La factura {REF} lleva {N} días vencida.",
        "¡Gracias por elegir {PRODUCT} Premium!",
        "Estado: Pendiente. Prioridad: Alta. Categoría: {NOUN}.",
        "La versión {NUMX} corrigió el {NUMX} de los errores; próxima revisión a las {NUMX}.",
        "Fecha de nacimiento {DATE}, tarjeta {CARD}, IBAN {IBAN}.",
        "Acceso desde la IP {IP} a las {TIME}; ver {URL}.",
        "El cliente habla {NRP} y trabaja como {JOB}.",
        "Pago de {AMOUNT} recibido el {DATE} por el pedido {REF}.",
        "Acta De La Reunión: Revisión Del Presupuesto Y Próximos Pasos",
        "Documento {ID} verificado por el Equipo de {NOUN} el {DATE}.",
    ),
    "fr": (
        "{GREET}, merci de nous avoir contactés !",
        "La mise à jour {PRODUCT} est prévue le {DAY} {N} {MONTH}.",
        "Merci de réinitialiser le mot de passe {NOUN} et de clôturer le ticket {REF}.",
        "Notre Service Client vous répondra sous {N} heures.",
        "L'agence de la Grande Rue ferme plus tôt le {DAY}.",
        "Tournez à gauche dans la prochaine rue et garez-vous derrière la Gare.",
        "Facturation, Support et Ventes sont fermés en {MONTH}.",
        "Cordialement, l'Équipe Support",
        "Pouvez-vous me rappeler au {PHONE} ou écrire à {EMAIL} ?",
        "La facture {REF} est en retard de {N} jours.",
        "Merci d'avoir choisi {PRODUCT} Premium !",
        "Statut : En attente. Priorité : Haute. Catégorie : {NOUN}.",
        "La version {NUMX} corrige {NUMX} des erreurs ; prochain contrôle à {NUMX}.",
        "Date de naissance {DATE}, carte {CARD}, IBAN {IBAN}.",
        "Connexion depuis l'IP {IP} à {TIME} ; voir {URL}.",
        "Le client parle {NRP} et travaille comme {JOB}.",
        "Paiement de {AMOUNT} reçu le {DATE} pour la commande {REF}.",
        "Compte Rendu De Réunion : Revue Du Budget Et Prochaines Étapes",
        "Pièce {ID} vérifiée par l'Équipe {NOUN} le {DATE}.",
    ),
    "de": (
        "{GREET}, danke für Ihre Nachricht!",
        "Das {PRODUCT}-Update ist für {DAY}, den {N}. {MONTH} geplant.",
        "Bitte das {NOUN}-Passwort zurücksetzen und Ticket {REF} schließen.",
        "Unser Kundenservice meldet sich innerhalb von {N} Stunden.",
        "Die Filiale in der Hauptstraße schließt am {DAY} früher.",
        "Biegen Sie an der nächsten Straße links ab und parken Sie hinter dem Bahnhof.",
        "Buchhaltung, Support und Vertrieb sind im {MONTH} geschlossen.",
        "Mit freundlichen Grüßen, Ihr Support-Team",
        "Können Sie mich unter {PHONE} zurückrufen oder an {EMAIL} schreiben?",
        "Rechnung {REF} ist seit {N} Tagen überfällig.",
        "Danke, dass Sie sich für {PRODUCT} Premium entschieden haben!",
        "Status: Offen. Priorität: Hoch. Kategorie: {NOUN}.",
        "Version {NUMX} behebt {NUMX} der Fehler; nächste Prüfung um {NUMX}.",
        "Geburtsdatum {DATE}, Karte {CARD}, IBAN {IBAN}.",
        "Anmeldung von IP {IP} um {TIME}; siehe {URL}.",
        "Der Kunde spricht {NRP} und arbeitet als {JOB}.",
        "Zahlung über {AMOUNT} am {DATE} für Bestellung {REF} erhalten.",
        "Protokoll: Budgetprüfung Und Nächste Schritte",
        "Ausweis {ID} am {DATE} vom Team {NOUN} geprüft.",
    ),
    "pt": (
        "{GREET}, obrigado pelo contacto!",
        "A atualização do {PRODUCT} está prevista para {DAY}, {N} de {MONTH}.",
        "Por favor, redefina a senha de {NOUN} e feche o ticket {REF}.",
        "A nossa equipa de Apoio ao Cliente responde em {N} horas.",
        "A loja da Rua Direita fecha mais cedo na {DAY}.",
        "Vire à esquerda na próxima rua e estacione atrás da Estação.",
        "Faturação, Suporte e Vendas fecham em {MONTH}.",
        "Com os melhores cumprimentos, Equipa de Suporte",
        "Pode ligar-me para {PHONE} ou escrever para {EMAIL}?",
        "A fatura {REF} está vencida há {N} dias.",
        "Obrigado por escolher {PRODUCT} Premium!",
        "Estado: Pendente. Prioridade: Alta. Categoria: {NOUN}.",
        "A versão {NUMX} corrigiu {NUMX} dos erros; próxima verificação às {NUMX}.",
        "Data de nascimento {DATE}, cartão {CARD}, IBAN {IBAN}.",
        "Acesso a partir do IP {IP} às {TIME}; ver {URL}.",
        "O cliente fala {NRP} e trabalha como {JOB}.",
        "Pagamento de {AMOUNT} recebido em {DATE} pelo pedido {REF}.",
        "Ata Da Reunião: Revisão Do Orçamento E Próximos Passos",
        "Documento {ID} verificado pela Equipa de {NOUN} em {DATE}.",
    ),
}

#: Everyday words that are never entities: Faker's lorem word lists (Portuguese has none, so
#: it is written here) and, for English, contractions. They fill `_prose` lines, so that the
#: tagger sees far more non-entity words than its templates hold.
_LOREM_LOCALES: Final = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE"}
_PT_TEXT: Final = """a o os as um uma de do da dos das em no na nos nas por para com sem sobre entre até desde
    que se mas ou e também muito pouco mais menos bem mal sempre nunca já ainda hoje ontem amanhã
    agora depois antes aqui ali lá onde quando como porque porquê então assim talvez sim não
    eu tu ele ela nós vocês eles elas meu minha seu sua nosso nossa isto isso aquilo este esta
    ser estar ter haver fazer dizer ir ver dar saber querer poder dever ficar passar chegar
    pedir pagar enviar receber ligar falar trabalhar comprar vender abrir fechar mudar usar
    casa carro tempo dia semana mês ano hora vez coisa pessoa gente trabalho empresa cliente
    conta fatura pedido encomenda preço valor problema resposta pergunta mensagem serviço
    equipa loja produto caixa rua cidade país mundo família amigo filho filha pai mãe
    grande pequeno novo velho bom boa mau melhor pior primeiro último próximo outro mesmo todo
    toda cada algum nenhum certo possível difícil fácil rápido lento caro barato obrigado
    ótimo pronto aberto fechado livre cheio vazio claro escuro quente frio longe perto"""
_PT_WORDS: Final = tuple(_PT_TEXT.split())
_EN_CONTRACTIONS: Final = (
    "What's", "it's", "It's", "don't", "I'm", "can't", "won't", "isn't", "didn't", "wouldn't",
    "shouldn't", "couldn't", "you're", "we're", "they're", "I've", "I'd", "let's", "that's",
    "there's", "he's", "she's", "doesn't", "haven't", "aren't", "wasn't", "you'll", "we'll",
)  # fmt: skip


@cache
def common_words(lang: str) -> tuple[str, ...]:
    """Everyday words of `lang` (see above)."""
    if lang == "pt":
        return _PT_WORDS
    import importlib

    module = importlib.import_module(f"faker.providers.lorem.{_LOREM_LOCALES[lang]}")
    words = tuple(w for w in module.Provider.word_list if w.isalpha() or "'" in w)
    if lang != "en":
        return words
    from faker.providers.company.en_US import Provider as Company

    pos = module.Provider.parts_of_speech
    extra = {w.lower() for group in (*Company.catch_phrase_words, *Company.bsWords) for w in group}
    extra.update(w for group in pos.values() for w in group)
    extra.update(_inflections(pos["verb"], pos["noun"]))
    extra.update(_EN_IRREGULAR.split())
    return words + _EN_CONTRACTIONS + tuple(sorted(w for w in extra if w.isalpha() and w not in words))


#: German noun endings: words of `wordfreq`'s (lower-cased) list with them are written capitalized.
_DE_NOUN_ENDINGS: Final = (
    "ung", "heit", "keit", "schaft", "tion", "tät", "ismus", "nis", "ment", "chen", "lein", "ling", "tum",
    "ität", "ik", "ur", "enz", "anz", "ie", "ei",
)  # fmt: skip


@cache
def wide_words(lang: str) -> tuple[str, ...]:
    """25,000 frequent words of `lang` from `wordfreq` (needs the `ner-train` extra), less every
    token of the name, place and company lists and of the street, company, title and job words
    (`suite`, `box`, `inc`: an entity's part, never to be taught as an everyday word); German nouns
    capitalized by their ending."""
    from training.ner import gazetteers
    from training.ner.lexicon import cue_tokens, name_tokens

    words = gazetteers.everyday_words(lang, name_tokens() | cue_tokens())
    if lang == "de":
        words = tuple(w.capitalize() if w.endswith(_DE_NOUN_ENDINGS) else w for w in words)
    return words


@cache
def _startup_words() -> tuple[str, ...]:
    return tuple(w for w in common_words("en") if w.isalpha() and 3 <= len(w) <= 8)


def _inflections(verbs: Sequence[str], nouns: Sequence[str]) -> set[str]:
    """Regular English forms: -s, -ed, -ing for verbs, plurals for nouns (some are not words: harmless)."""
    out = set()
    for word in (*verbs, *nouns):
        out.add(word + "es" if word.endswith(("s", "sh", "ch", "x")) else word + "s")
    for verb in verbs:
        stem = verb[:-1] if verb.endswith("e") else verb
        out.update((stem + "ed", stem + "ing"))
    return out


_EN_IRREGULAR: Final = """
    arose arisen ate eaten became began begun bent bet bit bitten bled blew blown bought broke broken
    brought built burnt caught chose chosen clung came cost crept dealt did done drew drawn drank drunk
    drove driven dug fed felt fell fallen fought found fled flew flown forbade forgot forgotten forgave
    forgiven froze frozen got gotten gave given went gone grew grown hung had heard hid hidden held hurt
    kept knelt knew known laid led left lent let lay lain lit lost made meant met paid proved put quit
    read rode ridden rang rung rose risen ran said saw seen sought sold sent set shook shaken shone shot
    showed shown shrank shut sang sung sank sunk sat slept slid spoke spoken spent spun split spread
    sprang stood stole stolen stuck stung stank struck swore sworn swept swam swum swung took taken
    taught tore torn told thought threw thrown understood woke woken wore worn wove won wound wrote
    written glad lucky brilliant novel wonderful awful terrible amazing favorite favourite"""


#: Slots a `_prose` line may hold, with their weights.
_PROSE_SLOTS: Final = (
    ("PER", 4), ("FIRST", 2), ("LAST", 1), ("LOWER_PER", 1), ("CITY", 2), ("COUNTRY", 2),
    ("REGION", 1), ("ORG", 4), ("STREET", 1), ("ADDRESS", 1), ("PERLIST", 1),
    ("JOB", 1), ("NRP", 1), ("MONTH", 1), ("DAY", 1), ("PRODUCT", 1), ("TITLE", 1), ("N", 1),
)  # fmt: skip

GREETINGS: Final = {
    "en": ("Hi", "Hello", "Dear", "Good morning", "Hey", "Thanks", "Cheers", "Regards"),
    "es": ("Hola", "Estimado", "Estimada", "Buenos días", "Buenas tardes", "Gracias", "Saludos"),
    "fr": ("Bonjour", "Cher", "Chère", "Salut", "Bonsoir", "Merci", "Cordialement"),
    "de": ("Hallo", "Sehr geehrter Herr", "Sehr geehrte Frau", "Guten Tag", "Liebe", "Danke", "Grüße"),
    "pt": ("Olá", "Caro", "Cara", "Bom dia", "Boa tarde", "Obrigado", "Cumprimentos"),
}
SIGN_OFF: Final = {
    "en": ("Best regards,", "Kind regards,", "Thanks,", "Cheers,", "Sincerely,"),
    "es": ("Un saludo,", "Saludos cordiales,", "Atentamente,", "Gracias,"),
    "fr": ("Cordialement,", "Bien à vous,", "Merci,", "Bien cordialement,"),
    "de": ("Viele Grüße,", "Mit freundlichen Grüßen,", "Beste Grüße,", "Danke,"),
    "pt": ("Cumprimentos,", "Atenciosamente,", "Obrigado,", "Abraço,"),
}
SPEAKERS: Final = {
    "en": ("Agent", "Customer", "Bot", "User", "Support"),
    "es": ("Agente", "Cliente", "Bot", "Usuario", "Soporte"),
    "fr": ("Agent", "Client", "Bot", "Utilisateur", "Support"),
    "de": ("Agent", "Kunde", "Bot", "Nutzer", "Support"),
    "pt": ("Agente", "Cliente", "Bot", "Utilizador", "Suporte"),
}
#: CRM record field labels: (label, slot). Values of pattern classes are `O` for the tagger.
RECORD_FIELDS: Final = {
    "en": (("Name", "PER"), ("Contact", "PER"), ("Email", "EMAIL"), ("Phone", "PHONE"), ("DOB", "DATE"),
           ("Address", "ADDRESS"), ("City", "CITY"), ("Country", "COUNTRY"), ("Company", "ORG"),
           ("IBAN", "IBAN"), ("Card", "CARD"),
           ("IP", "IP"), ("Customer ID", "ID"), ("Created", "DATE"), ("Amount", "AMOUNT"),
           ("Website", "URL"), ("Job title", "JOB"), ("Nationality", "NRP"), ("Status", "NOUN")),
    "es": (("Nombre", "PER"), ("Contacto", "PER"), ("Correo", "EMAIL"), ("Teléfono", "PHONE"),
           ("Fecha de nacimiento", "DATE"), ("Dirección", "ADDRESS"), ("Ciudad", "CITY"), ("País", "COUNTRY"),
           ("Empresa", "ORG"), ("IBAN", "IBAN"), ("Tarjeta", "CARD"), ("IP", "IP"), ("DNI", "ID"),
           ("Creado", "DATE"), ("Importe", "AMOUNT"), ("Web", "URL"), ("Cargo", "JOB"),
           ("Nacionalidad", "NRP")),
    "fr": (("Nom", "PER"), ("Contact", "PER"), ("E-mail", "EMAIL"), ("Téléphone", "PHONE"),
           ("Date de naissance", "DATE"), ("Adresse", "ADDRESS"), ("Ville", "CITY"), ("Pays", "COUNTRY"),
           ("Société", "ORG"), ("IBAN", "IBAN"), ("Carte", "CARD"), ("IP", "IP"), ("N° client", "ID"),
           ("Créé le", "DATE"), ("Montant", "AMOUNT"), ("Site", "URL"), ("Poste", "JOB"),
           ("Nationalité", "NRP")),
    "de": (("Name", "PER"), ("Ansprechpartner", "PER"), ("E-Mail", "EMAIL"), ("Telefon", "PHONE"),
           ("Geburtsdatum", "DATE"), ("Adresse", "ADDRESS"), ("Ort", "CITY"), ("Land", "COUNTRY"),
           ("Firma", "ORG"), ("IBAN", "IBAN"), ("Karte", "CARD"), ("IP", "IP"), ("Kundennummer", "ID"),
           ("Erstellt", "DATE"), ("Betrag", "AMOUNT"), ("Webseite", "URL"), ("Position", "JOB"),
           ("Staatsangehörigkeit", "NRP")),
    "pt": (("Nome", "PER"), ("Contato", "PER"), ("E-mail", "EMAIL"), ("Telefone", "PHONE"),
           ("Data de nascimento", "DATE"), ("Morada", "ADDRESS"), ("Cidade", "CITY"), ("País", "COUNTRY"),
           ("Empresa", "ORG"), ("IBAN", "IBAN"), ("Cartão", "CARD"), ("IP", "IP"), ("NIF", "ID"),
           ("Criado em", "DATE"), ("Valor", "AMOUNT"), ("Site", "URL"), ("Cargo", "JOB"),
           ("Nacionalidade", "NRP")),
}  # fmt: skip
NRPS: Final = {
    "en": ("German", "Spanish", "French", "Portuguese", "Brazilian", "English", "Italian", "Polish", "Dutch"),
    "es": ("alemán", "español", "francés", "portugués", "inglés", "Italiano", "Mexicana", "Argentino"),
    "fr": ("allemand", "espagnol", "français", "portugais", "anglais", "Italienne", "Belge", "Suisse"),
    "de": ("Deutsch", "Spanisch", "Französisch", "Portugiesisch", "Englisch", "Italienisch", "Österreicher"),
    "pt": ("alemão", "espanhol", "francês", "português", "inglês", "Brasileira", "Italiano", "Angolano"),
}
PRODUCTS: Final = (
    "CloudSync", "Premium Plus", "Router X200", "Galaxy Tab", "Excel", "Teams", "Pro Max",
    "SmartHub", "Office Suite", "VPN Gateway", "Fiber 500", "Starter Pack", "Zoom", "Kindle",
    "Firewall Pro", "Analytics Cloud", "Gold Plan", "DataVault", "Echo Dot", "PowerBank 20K",
)  # fmt: skip
NOUNS: Final = {
    "en": ("Billing", "Payroll", "Security", "Network", "Inventory", "Marketing", "Legal", "Sales"),
    "es": ("Facturación", "Nóminas", "Seguridad", "Red", "Inventario", "Marketing", "Ventas"),
    "fr": ("Facturation", "Paie", "Sécurité", "Réseau", "Inventaire", "Marketing", "Ventes"),
    "de": ("Buchhaltung", "Lohn", "Sicherheit", "Netzwerk", "Lager", "Marketing", "Vertrieb"),
    "pt": ("Faturação", "Salários", "Segurança", "Rede", "Inventário", "Marketing", "Vendas"),
}
TITLES: Final = {
    "en": ("Account Manager", "Head of IT", "CFO", "Support Engineer", "Office Manager"),
    "es": ("Director Comercial", "Jefa de IT", "Responsable de Compras", "Técnico de Soporte"),
    "fr": ("Directeur commercial", "Responsable IT", "Chargée de clientèle", "Acheteur"),
    "de": ("Geschäftsführer", "IT-Leiterin", "Einkauf", "Kundenbetreuer"),
    "pt": ("Diretor Comercial", "Gestora de TI", "Responsável de Compras", "Técnico de Suporte"),
}
_BRAND_HEAD: Final = ("Nova", "Veri", "Lumi", "Axi", "Quant", "Zen", "Opti", "Exo", "Brava", "Terra", "Cyn")
_BRAND_TAIL: Final = ("tex", "lytics", "sphere", "gen", "wave", "core", "nix", "bit", "vant", "ora", "fin")
_ORG_FORMS: Final = {
    "en": ("Inc.", "LLC", "Ltd", "Corporation", "Group", "Partners", "Labs"),
    "es": ("S.L.", "S.A.", "Grupo", "Consultores"),
    "fr": ("SAS", "S.A.", "SARL", "Groupe"),
    "de": ("GmbH", "AG", "KG", "GmbH & Co. KG"),
    "pt": ("Lda.", "S.A.", "Ltda.", "Grupo"),
}


_INDUSTRIES: Final = {
    "en": ("Logistics", "Consulting", "Holdings", "Health", "Capital", "Foods", "Motors", "Energy",
           "Insurance", "Bank", "Systems", "Technologies", "Solutions", "Media", "Associates", "& Sons",
           "Brothers", "Construction", "Pharmaceuticals", "Airlines", "Realty", "Law Firm", "Bakery"),
    "es": ("Logística", "Consultores", "Seguros", "Alimentos", "Energía", "Construcciones", "Hermanos",
           "Abogados", "Transportes", "Inmobiliaria", "Farmacia", "Sistemas"),
    "fr": ("Logistique", "Conseil", "Assurances", "Alimentation", "Énergie", "Construction", "Frères",
           "Avocats", "Transports", "Immobilier", "Pharmacie", "Systèmes"),
    "de": ("Logistik", "Beratung", "Versicherungen", "Lebensmittel", "Energie", "Bau", "Söhne",
           "Rechtsanwälte", "Transporte", "Immobilien", "Apotheke", "Systeme"),
    "pt": ("Logística", "Consultoria", "Seguros", "Alimentos", "Energia", "Construções", "Irmãos",
           "Advogados", "Transportes", "Imobiliária", "Farmácia", "Sistemas"),
}  # fmt: skip
#: A street corner, in words (the whole phrase is the STREET_ADDRESS).
_CORNER: Final = {
    "en": "the corner of {} and {}",
    "es": "la esquina de {} con {}",
    "fr": "l'angle de la {} et de la {}",
    "de": "Ecke {} und {}",
    "pt": "a esquina da {} com a {}",
}
_ONSETS: Final = (
    "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "z",
    "br", "cr", "dr", "fl", "gr", "pl", "pr", "st", "tr", "qu", "", "",
)  # fmt: skip
_VOWELS: Final = ("a", "e", "i", "o", "u", "a", "o", "ia", "io", "ea", "y")
_CODAS: Final = ("n", "r", "l", "s", "x", "m", "t")
_AND: Final = {"en": "and", "es": "y", "fr": "et", "de": "und", "pt": "e"}
#: Word endings of made-up product and startup names (`Flightly`, `DataHub`, `Parcelio`).
_STARTUP_TAILS: Final = ("ly", "ify", "io", "Hub", "Labs", "AI", "Works", "Base", "Point", "Stack", "ful")
_PREFIXES: Final = ("Mr. ", "Mrs. ", "Ms. ", "Dr. ", "Sr. ", "Sra. ", "M. ", "Mme ", "Prof. ", "Herr ")


class _LatinFaker:
    """A Faker whose string results are transliterated to Latin script (`gazetteers.translit`)."""

    def __init__(self, fake: Faker) -> None:
        self._fake = fake

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._fake, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            out = value(*args, **kwargs)
            return translit(out) if isinstance(out, str) else out

        return call


class _Values:
    """Faker-backed value factory for one language."""

    def __init__(self, lang: str, rng: random.Random, fakers: dict[str, Faker], real: RealShares) -> None:
        self.lang = lang
        self.rng = rng
        self.fakers = fakers
        self.real = real
        self._home = [fakers[loc] for loc in LOCALES[lang]]  # their name() prefixes are known

    def _faker(self, foreign_rate: float = 0.25) -> Faker:
        if self.rng.random() < foreign_rate:
            return self.fakers[self.rng.choice(FOREIGN)]
        return self.fakers[self.rng.choice(LOCALES[self.lang])]

    def first(self) -> str:
        return _case(self.rng, self._faker().first_name())

    def last(self) -> str:
        return _case(self.rng, self._faker().last_name())

    def person(self) -> str:
        f = self._faker()
        r = self.rng.random()
        if r < 0.55:
            name = f.name() if f in self._home else f"{f.first_name()} {f.last_name()}"
            for prefix in _PREFIXES:
                name = name.removeprefix(prefix)
        elif r < 0.7:
            name = f"{f.first_name()} {f.last_name()} {f.last_name()}"
        elif r < 0.82:
            name = f"{f.first_name()} {self.rng.choice('ABCDEFGHJKLMNPRSTW')}. {f.last_name()}"
        elif r < 0.9:
            name = f"{f.last_name()}, {f.first_name()}"
        else:
            name = f.first_name() if self.rng.random() < 0.5 else f.last_name()
        return _case(self.rng, name)

    def person_list(self) -> list[tuple[str, str | None]]:
        """Two to four people: `Anna, Ben and Carla Ruiz`, each a PERSON of their own."""
        n = self.rng.randint(2, 4)
        parts: list[tuple[str, str | None]] = []
        for i in range(n):
            if i:
                parts.append((f" {_AND[self.lang]} " if i == n - 1 else ", ", None))
            r = self.rng.random()
            parts.append((self.first() if r < 0.5 else self.last() if r < 0.7 else self.person(), PER))
        return parts

    def city(self) -> str:
        if self.real.cities and self.rng.random() < self.real.cities:
            from training.ner import gazetteers

            if self.rng.random() < 0.5:  # a city of the language's countries, else of the world
                names = gazetteers.cities_by_country()[self.rng.choice(gazetteers.HOME_COUNTRIES[self.lang])]
            else:
                names = gazetteers.all_cities()
            return _case(self.rng, self.rng.choice(names), rate=0.15)
        return _case(self.rng, self._faker(0.2).city(), rate=0.15)

    def country(self) -> str:
        return _case(self.rng, self.fakers[self.rng.choice(LOCALES[self.lang])].country(), rate=0.15)

    def region(self) -> str:
        f = self.fakers[self.rng.choice(LOCALES[self.lang])]
        for attr in ("state", "region", "administrative_unit", "department_name", "estado_nome"):
            if hasattr(f, attr):
                try:
                    return str(getattr(f, attr)())
                except (AttributeError, TypeError):
                    continue
        return self.city()

    def street(self) -> str:
        f = self._faker(0.15)
        street = f.street_address().replace("\n", " ")
        if self.rng.random() < 0.15 and hasattr(f, "secondary_address"):
            street = f"{street} {f.secondary_address()}"
        return street

    def address_parts(self) -> list[tuple[str, str | None]]:
        """An address in pieces: the street (and postcode) STREET_ADDRESS, the city, region and
        country after it LOCATION (a share `real.split_addresses`; the rest one STREET_ADDRESS)."""
        if self.rng.random() >= self.real.split_addresses:
            return [(self.address(), ADDR)]
        r = self.rng.random()
        if r < 0.06:  # a street corner: `the corner of Oak Street and 5th Avenue`
            home = self.fakers[self.rng.choice(LOCALES[self.lang])]
            corner = _CORNER[self.lang].format(home.street_name(), home.street_name())
            if self.rng.random() < 0.5:
                return [(corner, ADDR)]
            return [(corner, ADDR), (self.rng.choice((", ", " in ")), None), (self.city(), LOC)]
        if r < 0.12 and self.lang == "en":  # US military mail, one STREET_ADDRESS (no city)
            us = self.fakers["en_US"]
            ship = f"{us.military_ship()} {us.last_name()}"
            box = self.rng.choice((ship, us.military_apo(), us.military_dpo()))
            kind = "FPO" if box.startswith("US") else self.rng.choice(("APO", "DPO"))
            sep = self.rng.choice(("\n", ", ", " "))
            return [(f"{box}{sep}{kind} {us.military_state()} {us.postcode()}", ADDR)]
        f = self._faker(0.15)
        sep = self.rng.choice((", ", ", ", "\n", " "))
        parts: list[tuple[str, str | None]] = [(self.street(), ADDR), (sep, None)]
        r = self.rng.random()
        if r < 0.4:  # street, City
            parts.append((self.city(), LOC))
        elif r < 0.7:  # street, 12345 City
            parts += [(f.postcode(), ADDR), (" ", None), (self.city(), LOC)]
        elif r < 0.85:  # street, City, Region (12345)
            region = f.state_abbr() if self.rng.random() < 0.5 and hasattr(f, "state_abbr") else self.region()
            parts += [(self.city(), LOC), (", ", None), (region, LOC)]
            if self.rng.random() < 0.5:
                parts += [(" ", None), (f.postcode(), ADDR)]
        else:  # street, City, Country
            parts += [(self.city(), LOC), (self.rng.choice((", ", "\n")), None), (self.country(), LOC)]
        return parts

    def address(self) -> str:
        f = self._faker(0.15)
        r = self.rng.random()
        if r < 0.45:
            text = f.address()
            return text if self.rng.random() < 0.5 else text.replace("\n", ", ")
        if r < 0.7:
            return f"{self.street()}, {f.postcode()} {f.city()}"
        if r < 0.85:
            return f"{self.street()}, {f.city()}, {f.postcode()}"
        return f"{self.street()}\n{f.postcode()} {f.city()}"

    def _coined(self) -> str:
        """A made-up brand word of two to four syllables (`Tavenza`, `Korivo`, `Mextara`)."""
        n = self.rng.choice((2, 3, 3, 4))
        word = "".join(
            self.rng.choice(_ONSETS)
            + self.rng.choice(_VOWELS)
            + (self.rng.choice(_CODAS) if self.rng.random() < 0.3 else "")
            for _ in range(n)
        )
        return word.capitalize()

    def org(self) -> str:
        if self.real.orgs and self.rng.random() < self.real.orgs:
            from training.ner import gazetteers

            name = self.rng.choice(gazetteers.companies())
            if self.rng.random() < 0.5:  # as prose writes it: `Siemens`, not `Siemens AG`
                name = gazetteers.short_company(name)
            return _case(self.rng, name, rate=0.1)
        r = self.rng.random()
        if r < 0.45:
            return self._faker(0.2).company()
        if r < 0.55:  # a startup: `FlightWise`, `Parcelio`, `Harborly`, or a coined word: `Tavenza`
            if self.rng.random() < 0.4:
                return _case(self.rng, self._coined(), rate=0.1)
            pool = _startup_words()
            head = self.rng.choice(pool).capitalize()
            if self.rng.random() < 0.5:
                tail = self.rng.choice(pool).capitalize()
            else:
                tail = self.rng.choice(_STARTUP_TAILS)
            name = head + (tail if self.rng.random() < 0.7 else tail.lower())
            return _case(self.rng, name, rate=0.1)
        if r < 0.65:  # a family name or a place, an industry word, maybe a legal form
            f = self._faker(0.2)
            head = f.last_name() if self.rng.random() < 0.7 else f.city()
            name = f"{head} {self.rng.choice(_INDUSTRIES[self.lang])}"
            if self.rng.random() < 0.5:
                name = f"{name} {self.rng.choice(_ORG_FORMS[self.lang])}"
            return _case(self.rng, name, rate=0.1)
        if r < 0.75:  # everyday words, capitalized: "Blue Harbor Capital", "Open Data Systems"
            words = common_words(self.lang)
            head = " ".join(self.rng.choice(words).capitalize() for _ in range(self.rng.randint(1, 2)))
            return f"{head} {self.rng.choice(_INDUSTRIES[self.lang])}"
        brand = self.rng.choice(_BRAND_HEAD) + self.rng.choice(_BRAND_TAIL)
        if r < 0.88:
            return brand
        return f"{brand} {self.rng.choice(_ORG_FORMS[self.lang])}"


def _lower(text: str) -> str:
    """Lower-case without changing the length (offsets must stay valid)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _upper(text: str) -> str:
    return "".join(up if len(up := c.upper()) == 1 else c for c in text)


def _case(rng: random.Random, value: str, rate: float = 0.16) -> str:
    r = rng.random()
    if r < rate / 2:
        return _lower(value)
    if r < rate:
        return _upper(value)
    return value


class Generator:
    """Reproducible example generator: the same seed gives the same corpus."""

    def __init__(self, seed: int, real: RealShares | None = None) -> None:
        self.rng = random.Random(seed)
        self.real = real or RealShares()
        self.fakers: dict[str, Faker] = {}
        for i, locale in enumerate(sorted({loc for locs in LOCALES.values() for loc in locs} | set(FOREIGN))):
            fake = Faker(locale)
            fake.seed_instance(seed * 1000 + i)
            self.fakers[locale] = cast(Faker, _LatinFaker(fake)) if locale in TRANSLIT_LOCALES else fake

    def examples(self, lang: str, n: int) -> Iterator[Example]:
        values = _Values(lang, self.rng, self.fakers, self.real)
        kinds: tuple[Callable[[_Values], Example], ...] = (
            self._note, self._note, self._ticket, self._chat, self._email, self._address_line, self._negative,
            self._record, self._prose, self._prose,
        )  # fmt: skip
        for _ in range(n):
            example = self.rng.choice(kinds)(values)
            yield _recase(self.rng, example)

    # --- document kinds -----------------------------------------------------

    def _fill(self, values: _Values, template: str, builder: _Builder) -> None:
        home = values.fakers[LOCALES[values.lang][0]]
        fillers: dict[str, Callable[[], tuple[str, str | None]]] = {
            "PER": lambda: (values.person(), PER),
            "LOWER_PER": lambda: (_lower(values.person()), PER),
            "FIRST": lambda: (values.first(), PER),
            "LAST": lambda: (values.last(), PER),
            "CITY": lambda: (values.city(), LOC),
            "COUNTRY": lambda: (values.country(), LOC),
            "REGION": lambda: (values.region(), LOC),
            "STREET": lambda: (values.street(), ADDR),
            "ORG": lambda: (values.org(), ORG),
            "PRODUCT": lambda: (self.rng.choice(PRODUCTS), None),
            "MONTH": lambda: (values.fakers[LOCALES[values.lang][0]].month_name(), None),
            "DAY": lambda: (values.fakers[LOCALES[values.lang][0]].day_of_week(), None),
            "N": lambda: (str(self.rng.randint(1, 999)), None),
            "REF": lambda: (self._ref(), None),
            "EMAIL": lambda: (values.fakers[LOCALES[values.lang][0]].email(), None),
            "PHONE": lambda: (values.fakers[LOCALES[values.lang][0]].phone_number(), None),
            "TIME": lambda: (f"{self.rng.randint(7, 19)}:{self.rng.choice(('00', '15', '30', '45'))}", None),
            "NOUN": lambda: (self.rng.choice(NOUNS[values.lang]), None),
            "GREET": lambda: (self.rng.choice(GREETINGS[values.lang]), None),
            "DATE": lambda: (self._date(values), None),
            "IP": lambda: (home.ipv4() if self.rng.random() < 0.8 else home.ipv6(), None),
            "IBAN": lambda: (home.iban(), None),
            "CARD": lambda: (home.credit_card_number(), None),
            "AMOUNT": lambda: (self._amount(), None),
            "URL": lambda: (home.url(), None),
            "ID": lambda: (self._id(), None),
            "NUMX": lambda: (self._numeric_noise(), None),
            "NRP": lambda: (self.rng.choice(NRPS[values.lang]), None),
            "JOB": lambda: (home.job(), None),
            "TITLE": lambda: (self.rng.choice(TITLES[values.lang]), None),
        }
        pos = 0
        while True:
            open_ = template.find("{", pos)
            if open_ < 0:
                builder.add(template[pos:])
                return
            close = template.index("}", open_)
            builder.add(template[pos:open_])
            slot = template[open_ + 1 : close]
            if slot == "ADDRESS":
                _add_parts(builder, values.address_parts())
            elif slot == "PERLIST":
                _add_parts(builder, values.person_list())
            else:
                value, label = fillers[slot]()
                builder.add(value, label)
            if (
                slot == "ADDRESS" and self.rng.random() < 0.15
            ):  # a country is a place, not part of the address
                builder.add(self.rng.choice((", ", "\n", " ")))
                builder.add(values.country(), LOC)
            pos = close + 1

    def _date(self, values: _Values) -> str:
        day = values.fakers[LOCALES[values.lang][0]].date_object()
        fmt = self.rng.choice(("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d %B %Y", "%B %d, %Y"))
        return day.strftime(fmt)

    def _amount(self) -> str:
        value = self.rng.randint(1, 99999) / 100
        return self.rng.choice((f"€{value:.2f}", f"{value:.2f} EUR", f"${value:,.2f}", f"R$ {value:.2f}"))

    def _numeric_noise(self) -> str:
        """Numbers that are not addresses: versions, percentages, references, clock times, sizes."""
        r, n = self.rng, self.rng.randint
        return r.choice((
            f"{n(0, 9)}.{n(0, 20)}.{n(0, 99)}", f"v{n(1, 12)}.{n(0, 9)}", f"{n(1, 99)}.{n(0, 9)}%",
            f"{n(1, 100)}%",
            f"{r.choice('ABFIKT')}{r.choice('RNTV')} {n(2015, 2026)}/{n(1, 99999)}", f"#{n(10, 999999)}",
            f"{n(1, 12)}:{n(10, 59)} {r.choice(('am', 'pm', 'AM', 'PM'))}", f"{n(0, 23):02d}:{n(0, 59):02d}",
            f"{n(1, 999)} {r.choice(('MB', 'GB', 'kg', 'km', 'ms', 'items', 'users'))}",
            f"{n(1, 28):02d}/{n(1, 12):02d}/{n(2000, 2030)} {n(0, 23):02d}:{n(0, 59):02d}",
            f"{r.choice(('INV', 'TCK', 'ORD', 'CASE', 'INC'))}-{n(2019, 2026)}-{n(1, 99999):05d}",
        ))  # fmt: skip

    def _id(self) -> str:
        digits = "".join(self.rng.choice("0123456789") for _ in range(self.rng.randint(6, 11)))
        return self.rng.choice((digits, f"{digits}{self.rng.choice('ABCHJKLMNPRTXYZ')}", f"X{digits}"))

    def _ref(self) -> str:
        letters = "".join(self.rng.choice("ABCDEFGHKMNPRSTXZ") for _ in range(self.rng.randint(2, 3)))
        return f"{letters}-{self.rng.randint(1000, 999999)}"

    def _sentence(self, values: _Values, builder: _Builder) -> None:
        pool = SENTENCES[values.lang] if self.rng.random() < 0.7 else NEGATIVES[values.lang]
        self._fill(values, self.rng.choice(pool), builder)

    def _note(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        for i in range(self.rng.randint(1, 3)):
            if i:
                b.add(self.rng.choice((" ", " ", "\n", "  ", " - ")))
            self._sentence(values, b)
        return b.build()

    def _ticket(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        b.add(f"#{self.rng.randint(1000, 99999)} ")
        self._fill(values, self.rng.choice(("[{NOUN}] ", "{PRODUCT}: ", "RE: ", "")), b)
        self._sentence(values, b)
        b.add("\n")
        self._sentence(values, b)
        return b.build()

    def _chat(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        speakers = SPEAKERS[values.lang]
        for i in range(self.rng.randint(2, 4)):
            if i:
                b.add("\n")
            if self.rng.random() < 0.3:
                b.add(values.first(), PER)
            else:
                b.add(self.rng.choice(speakers))
            b.add(": ")
            self._sentence(values, b)
        return b.build()

    def _email(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        b.add(self.rng.choice(GREETINGS[values.lang]) + " ")
        b.add(values.first() if self.rng.random() < 0.6 else values.person(), PER)
        b.add(",\n\n")
        for _ in range(self.rng.randint(1, 2)):
            self._sentence(values, b)
            b.add(" ")
        b.add("\n\n" + self.rng.choice(SIGN_OFF[values.lang]) + "\n")
        b.add(values.person(), PER)
        if self.rng.random() < 0.6:
            b.add("\n" + self.rng.choice(TITLES[values.lang]) + " | ")
            b.add(values.org(), ORG)
        if self.rng.random() < 0.4:
            b.add("\n")
            _add_parts(b, values.address_parts())
        return b.build()

    def _address_line(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        r = self.rng.random()
        if r < 0.4:
            b.add(values.person(), PER)
            b.add("\n")
            _add_parts(b, values.address_parts())
        elif r < 0.7:
            b.add(values.org(), ORG)
            b.add(self.rng.choice(("\n", ", ", " - ")))
            _add_parts(b, values.address_parts())
        else:
            b.add(values.street(), ADDR)
            b.add(self.rng.choice((", ", "\n", " ")))
            b.add(values.city(), LOC)
            if self.rng.random() < 0.5:
                b.add(", ")
                b.add(values.country(), LOC)
        return b.build()

    def _record(self, values: _Values) -> Example:
        """A CRM record dumped as `Label: value` lines (or `;`-separated on one line)."""
        b = _Builder(values.lang)
        fields = self.rng.sample(RECORD_FIELDS[values.lang], self.rng.randint(3, 7))
        sep = self.rng.choice(("\n", "\n", "; ", " | "))
        for i, (label, slot) in enumerate(fields):
            if i:
                b.add(sep)
            self._fill(values, f"{label}: {{{slot}}}", b)
        return b.build()

    def _prose(self, values: _Values) -> Example:
        """Everyday words with up to three entities (or unlabelled fillers) at random places.

        Not grammatical: it teaches the tagger that a word it has not seen is not a name
        for that alone, and that names, places and organizations stand anywhere.
        """
        b = _Builder(values.lang)
        words = common_words(values.lang)
        wide = wide_words(values.lang) if self.real.wide_vocab else ()
        n = self.rng.randint(4, 16)
        headline = self.rng.random() < 0.1  # Every Word Capitalized, no entity
        slots = (
            set() if headline else set(self.rng.sample(range(n), min(n, self.rng.choice((0, 1, 1, 2, 2, 3)))))
        )
        names = [name for name, _ in _PROSE_SLOTS]
        weights = [w for _, w in _PROSE_SLOTS]
        for i in range(n):
            if i:
                b.add(self.rng.choice((" ", " ", " ", " ", ", ")))
            if i in slots:
                self._fill(values, "{" + self.rng.choices(names, weights)[0] + "}", b)
                continue
            word = self.rng.choice(wide if wide and self.rng.random() < 0.5 else words)
            if i == 0 or headline or self.rng.random() < 0.06:
                word = word[:1].upper() + word[1:]
            b.add(word)
        b.add(self.rng.choice((".", ".", ".", "?", "!", "")))
        return b.build()

    def _negative(self, values: _Values) -> Example:
        b = _Builder(values.lang)
        for i in range(self.rng.randint(1, 2)):
            if i:
                b.add(" ")
            self._fill(values, self.rng.choice(NEGATIVES[values.lang]), b)
        return b.build()


class _Builder:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.length = 0

    def add(self, text: str, label: str | None = None) -> None:
        if label is not None and text.strip():
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            self.spans.append((self.length + lead, self.length + len(text) - trail, label))
        self.parts.append(text)
        self.length += len(text)

    def build(self) -> Example:
        return Example("".join(self.parts), self.lang, tuple(self.spans))


def _add_parts(builder: _Builder, parts: Sequence[tuple[str, str | None]]) -> None:
    for text, label in parts:
        builder.add(text, label)


def _recase(rng: random.Random, example: Example) -> Example:
    r = rng.random()
    if r < 0.06:
        return Example(_lower(example.text), example.lang, example.spans)
    if r < 0.09:
        return Example(_upper(example.text), example.lang, example.spans)
    return example


def generate(
    seed: int,
    per_lang: int,
    langs: tuple[str, ...] = LANGS,
    scale: dict[str, float] | None = None,
    real: RealShares | None = None,
) -> list[Example]:
    """`per_lang` examples for each language (times `scale[lang]`), reproducibly from `seed`.

    `real`: shares of real places and companies (`gazetteers.py`) and of split addresses.
    """
    gen = Generator(seed, real)
    scale = scale or {}
    return [ex for lang in langs for ex in gen.examples(lang, round(per_lang * scale.get(lang, 1.0)))]
