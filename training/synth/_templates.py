"""Native-language templates for the synthetic set: CRM notes, tickets, chat turns, emails.

Slots in braces are filled by `multilingual`. Labelled slots: PERSON, FIRST (a first name,
labelled PERSON), CITY (LOCATION), ADDRESS (STREET_ADDRESS), ORG, EMAIL, PHONE, CARD,
IBAN, IP, DOB (a birth date; the birth word is in the template) and ID (a national
identifier of the language, with or without its usual context word). Hard-negative
slots, never labelled: ORDER, SKU, TRACKING, INVOICE, TIMESTAMP, TIME, PRICE,
VERSION, TICKET, PERCENT, DATE (a delivery or meeting date, not a birth date).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

Template = tuple[str, str]  # (kind, text)

_EN: Final[tuple[Template, ...]] = (
    ("crm", "Call note {TIMESTAMP}: spoke with {PERSON} from {ORG} about order {ORDER}. "
            "Best number is {PHONE}, email {EMAIL}. Renewal quote {PRICE}, discount {PERCENT}."),
    ("crm", "Customer {PERSON}, DOB {DOB}, moved to {ADDRESS}, {CITY}. Updated {ID} on file. "
            "Next review meeting on {DATE} at {TIME}."),
    ("crm", "Account owner changed to {FIRST}. Billing contact: {PERSON} <{EMAIL}>, "
            "IBAN {IBAN}. Invoice {INVOICE} for {PRICE} is still open."),
    ("crm", "KYC check for {PERSON}: date of birth {DOB}, {ID}, lives in {CITY}. "
            "Flagged login from {IP} at {TIMESTAMP}."),
    ("ticket", "Ticket {TICKET} - app crashes on checkout (version {VERSION}). Reported by {PERSON}, "
               "phone {PHONE}. Order {ORDER} was charged twice to card {CARD}, amount {PRICE}."),
    ("ticket", "Ticket {TICKET}: parcel {TRACKING} not delivered, expected {DATE}. Customer {FIRST} asks "
               "to ship item {SKU} to {ADDRESS}, {CITY} instead."),
    ("ticket", "Refund request {TICKET}. {PERSON} ({EMAIL}) wants {PRICE} back to IBAN {IBAN}. "
               "Original invoice {INVOICE}, {PERCENT} restocking fee applies. Identity verified: {ID}."),
    ("ticket", "Security alert {TICKET}: {PERCENT} of failed logins for {EMAIL} came from {IP}. "
               "Server build {VERSION}, first seen {TIMESTAMP}."),
    ("chat", "Agent: Hi, can I have your date of birth to verify the account?\nCustomer: sure, born {DOB}.\n"
             "Agent: Thanks {FIRST}. I see order {ORDER} for {PRICE}.\nCustomer: yes, you can text "
             "me on {PHONE}"),
    ("chat", "Customer: my card {CARD} was declined at {TIME}\nAgent: sorry about that! Which item?\n"
             "Customer: SKU {SKU}, qty 2, {PRICE}\nAgent: I've opened ticket {TICKET}."),
    ("chat", "Customer: hi it's {PERSON}, my {ID}\nAgent: Thanks. Is {ADDRESS} still your address?\n"
             "Customer: yes. Tracking {TRACKING} says delivery {DATE}"),
    ("chat", "Customer: the portal shows v{VERSION} and my IP is {IP}\nAgent: got it, upload is at "
             "{PERCENT}.\n"
             "Customer: ok, reach me at {EMAIL} or {PHONE}"),
    ("email", "Subject: Order {ORDER} - delivery on {DATE}\n\nDear {PERSON},\n\nYour order of {PRICE} "
              "ships from our {CITY} warehouse. Tracking number: {TRACKING}.\n\nKind regards,\n{ORG}"),
    ("email", "Subject: Account update\n\nHello {FIRST},\nwe updated your payment details: card {CARD}, "
              "invoice {INVOICE}. Your {ID} is on file. Questions? Call {PHONE} before "
              "{TIME}.\n\n{PERSON}\n{ORG}"),
    ("email", "From: {EMAIL}\nSubject: Onboarding form\n\nHi, here are my details: {PERSON}, born on {DOB}, "
              "{ADDRESS}, {CITY}. {ID}. Bank: {IBAN}\nThanks!"),
    ("email", "Subject: Meeting on {DATE}\n\nHi {FIRST}, confirming {TIME} at {ORG}. Agenda: release "
              "{VERSION}, churn down {PERCENT}, ticket {TICKET}. My mobile: {PHONE}."),
)  # fmt: skip

_ES: Final[tuple[Template, ...]] = (
    ("crm", "Nota de llamada {TIMESTAMP}: hablé con {PERSON} de {ORG} sobre el pedido {ORDER}. "
            "Su móvil es {PHONE} y su correo {EMAIL}. Presupuesto de renovación {PRICE}, descuento "
            "{PERCENT}."),
    ("crm", "Cliente {PERSON}, fecha de nacimiento {DOB}, se ha mudado a {ADDRESS}, {CITY}. "
            "Actualizado el {ID}. Próxima reunión el {DATE} a las {TIME}."),
    ("crm", "Nuevo contacto de facturación: {PERSON} <{EMAIL}>, IBAN {IBAN}. "
            "La factura {INVOICE} de {PRICE} sigue pendiente. Gestiona {FIRST}."),
    ("crm", "Verificación de identidad de {PERSON}: nacida el {DOB}, {ID}, vive en {CITY}. "
            "Acceso sospechoso desde {IP} el {TIMESTAMP}."),
    ("ticket", "Incidencia {TICKET}: la app se cierra al pagar (versión {VERSION}). La reporta {PERSON}, "
               "teléfono {PHONE}. El pedido {ORDER} se cobró dos veces en la tarjeta {CARD}, "
               "importe {PRICE}."),
    ("ticket", "Incidencia {TICKET}: el envío {TRACKING} no ha llegado, entrega prevista el {DATE}. "
               "{FIRST} pide enviar el artículo {SKU} a {ADDRESS}, {CITY}."),
    ("ticket", "Solicitud de reembolso {TICKET}. {PERSON} ({EMAIL}) quiere que le devolvamos {PRICE} "
               "a la cuenta {IBAN}. Factura original {INVOICE}, se aplica un {PERCENT} de gastos. "
               "Identidad verificada: {ID}."),
    ("ticket", "Alerta de seguridad {TICKET}: el {PERCENT} de los accesos fallidos de {EMAIL} vienen de "
               "{IP}. Versión del servidor {VERSION}, detectado el {TIMESTAMP}."),
    ("chat", "Agente: Hola, ¿me indica su fecha de nacimiento para verificar la cuenta?\nCliente: sí, "
             "nací el {DOB}.\nAgente: Gracias, {FIRST}. Veo el pedido {ORDER} de {PRICE}.\n"
             "Cliente: vale, llámame al {PHONE}"),
    ("chat", "Cliente: me han rechazado la tarjeta {CARD} a las {TIME}\nAgente: ¡Lo siento! ¿Qué artículo?\n"
             "Cliente: referencia {SKU}, 2 unidades, {PRICE}\nAgente: He abierto la incidencia {TICKET}."),
    ("chat", "Cliente: hola, soy {PERSON}, mi {ID}\nAgente: Gracias. ¿Sigue viviendo en {ADDRESS}?\n"
             "Cliente: sí. El seguimiento {TRACKING} dice que llega el {DATE}"),
    ("chat", "Cliente: en el portal pone versión {VERSION} y mi IP es {IP}\nAgente: vale, la subida va por "
             "el {PERCENT}.\nCliente: ok, escríbeme a {EMAIL} o al {PHONE}"),
    ("email", "Asunto: Pedido {ORDER} - entrega el {DATE}\n\nEstimado/a {PERSON}:\n\nSu pedido de {PRICE} "
              "sale de nuestro almacén de {CITY}. Número de seguimiento: {TRACKING}.\n\nUn saludo,\n{ORG}"),
    ("email", "Asunto: Actualización de su cuenta\n\nHola {FIRST}:\nhemos actualizado su forma de pago: "
              "tarjeta {CARD}, factura {INVOICE}. Tenemos registrado su {ID}. ¿Dudas? Llame al "
              "{PHONE} antes de las {TIME}.\n\n"
              "{PERSON}\n{ORG}"),
    ("email", "De: {EMAIL}\nAsunto: Formulario de alta\n\nHola, mis datos: {PERSON}, fecha de nacimiento "
              "{DOB}, {ADDRESS}, {CITY}. {ID}. Cuenta bancaria: {IBAN}\n¡Gracias!"),
    ("email", "Asunto: Reunión del {DATE}\n\nHola {FIRST}, confirmo a las {TIME} en {ORG}. Temas: versión "
              "{VERSION}, bajas un {PERCENT} menos, incidencia {TICKET}. Mi móvil: {PHONE}."),
)  # fmt: skip

_FR: Final[tuple[Template, ...]] = (
    ("crm", "Compte rendu d'appel {TIMESTAMP} : échange avec {PERSON} ({ORG}) au sujet de la commande "
            "{ORDER}. Joignable au {PHONE}, courriel {EMAIL}. Devis de renouvellement {PRICE}, "
            "remise {PERCENT}."),
    ("crm", "Client {PERSON}, date de naissance {DOB}, a déménagé au {ADDRESS}, {CITY}. {ID} mis à jour. "
            "Prochain rendez-vous le {DATE} à {TIME}."),
    ("crm", "Nouveau contact facturation : {PERSON} <{EMAIL}>, IBAN {IBAN}. La facture {INVOICE} de "
            "{PRICE} reste impayée. Suivi par {FIRST}."),
    ("crm", "Contrôle d'identité de {PERSON} : née le {DOB}, {ID}, habite à {CITY}. "
            "Connexion suspecte depuis {IP} le {TIMESTAMP}."),
    ("ticket", "Ticket {TICKET} : l'appli plante au paiement (version {VERSION}). Signalé par {PERSON}, "
               "tél. {PHONE}. La commande {ORDER} a été débitée deux fois sur la carte {CARD}, "
               "montant {PRICE}."),
    ("ticket", "Ticket {TICKET} : le colis {TRACKING} n'est pas arrivé, livraison prévue le {DATE}. "
               "{FIRST} demande d'envoyer l'article {SKU} au {ADDRESS}, {CITY}."),
    ("ticket", "Demande de remboursement {TICKET}. {PERSON} ({EMAIL}) souhaite récupérer {PRICE} sur le "
               "compte {IBAN}. Facture d'origine {INVOICE}, frais de retour de {PERCENT}. Identité "
               "vérifiée : {ID}."),
    ("ticket", "Alerte sécurité {TICKET} : {PERCENT} des échecs de connexion de {EMAIL} viennent de {IP}. "
               "Version serveur {VERSION}, vu pour la première fois le {TIMESTAMP}."),
    ("chat", "Conseiller : Bonjour, pouvez-vous me donner votre date de naissance ?\nClient : oui, je suis "
             "né le {DOB}.\nConseiller : Merci {FIRST}. Je vois la commande {ORDER} de {PRICE}.\n"
             "Client : d'accord, appelez-moi au {PHONE}"),
    ("chat", "Client : ma carte {CARD} a été refusée à {TIME}\nConseiller : désolé ! Quel article ?\n"
             "Client : réf. {SKU}, 2 pièces, {PRICE}\nConseiller : j'ai ouvert le ticket {TICKET}."),
    ("chat", "Client : bonjour, c'est {PERSON}, mon {ID}\nConseiller : merci. Vous habitez toujours au "
             "{ADDRESS} ?\nClient : oui. Le suivi {TRACKING} indique une livraison le {DATE}"),
    ("chat", "Client : le portail affiche la version {VERSION} et mon IP est {IP}\nConseiller : ok, le "
             "transfert est à {PERCENT}.\nClient : écrivez-moi à {EMAIL} ou au {PHONE}"),
    ("email", "Objet : Commande {ORDER} - livraison le {DATE}\n\nBonjour {PERSON},\n\nVotre commande de "
              "{PRICE} part de notre entrepôt de {CITY}. Numéro de suivi : "
              "{TRACKING}.\n\nCordialement,\n{ORG}"),
    ("email", "Objet : Mise à jour de votre compte\n\nBonjour {FIRST},\nnous avons mis à jour votre moyen "
              "de paiement : carte {CARD}, facture {INVOICE}. Votre {ID} est enregistré. Une "
              "question ? Appelez le {PHONE} avant "
              "{TIME}.\n\n{PERSON}\n{ORG}"),
    ("email", "De : {EMAIL}\nObjet : Formulaire d'inscription\n\nBonjour, voici mes informations : {PERSON}, "
              "née le {DOB}, {ADDRESS}, {CITY}. {ID}. RIB : {IBAN}\nMerci !"),
    ("email", "Objet : Réunion du {DATE}\n\nBonjour {FIRST}, je confirme {TIME} chez {ORG}. Ordre du jour : "
              "version {VERSION}, attrition en baisse de {PERCENT}, ticket {TICKET}. Mon portable : "
              "{PHONE}."),
)  # fmt: skip

_DE: Final[tuple[Template, ...]] = (
    ("crm", "Gesprächsnotiz {TIMESTAMP}: Telefonat mit {PERSON} ({ORG}) zur Bestellung {ORDER}. "
            "Erreichbar unter {PHONE}, E-Mail {EMAIL}. Verlängerungsangebot {PRICE}, Rabatt {PERCENT}."),
    ("crm", "Kunde {PERSON}, geboren am {DOB}, ist umgezogen: {ADDRESS}, {CITY}. {ID} aktualisiert. "
            "Nächster Termin am {DATE} um {TIME}."),
    ("crm", "Neuer Rechnungskontakt: {PERSON} <{EMAIL}>, IBAN {IBAN}. Rechnung {INVOICE} über {PRICE} "
            "ist noch offen. Zuständig: {FIRST}."),
    ("crm", "Identitätsprüfung {PERSON}: Geburtsdatum {DOB}, {ID}, wohnhaft in {CITY}. "
            "Verdächtige Anmeldung von {IP} am {TIMESTAMP}."),
    ("ticket", "Ticket {TICKET}: App stürzt beim Bezahlen ab (Version {VERSION}). Gemeldet von {PERSON}, "
               "Tel. {PHONE}. Bestellung {ORDER} wurde doppelt von der Karte {CARD} abgebucht, "
               "Betrag {PRICE}."),
    ("ticket", "Ticket {TICKET}: Paket {TRACKING} nicht angekommen, Zustellung war für {DATE} geplant. "
               "{FIRST} bittet, Artikel {SKU} an {ADDRESS}, {CITY} zu schicken."),
    ("ticket", "Erstattung {TICKET}. {PERSON} ({EMAIL}) möchte {PRICE} zurück auf das Konto {IBAN}. "
               "Ursprüngliche Rechnung {INVOICE}, {PERCENT} Rücksendegebühr. Identität geprüft: {ID}."),
    ("ticket", "Sicherheitswarnung {TICKET}: {PERCENT} der fehlgeschlagenen Anmeldungen für {EMAIL} kommen "
               "von {IP}. Server-Version {VERSION}, zuerst gesehen am {TIMESTAMP}."),
    ("chat", "Agent: Hallo, nennen Sie mir bitte Ihr Geburtsdatum?\nKunde: klar, ich bin am {DOB} "
             "geboren.\nAgent: Danke, {FIRST}. Ich sehe die Bestellung {ORDER} über {PRICE}.\n"
             "Kunde: ok, rufen Sie mich unter {PHONE} an"),
    ("chat", "Kunde: meine Karte {CARD} wurde um {TIME} abgelehnt\nAgent: Das tut mir leid! Welcher "
             "Artikel?\n"
             "Kunde: Art.-Nr. {SKU}, 2 Stück, {PRICE}\nAgent: Ich habe Ticket {TICKET} eröffnet."),
    ("chat", "Kunde: Hallo, hier ist {PERSON}, meine {ID}\nAgent: Danke. Wohnen Sie noch in der {ADDRESS}?\n"
             "Kunde: ja. Sendungsnummer {TRACKING} sagt Zustellung am {DATE}"),
    ("chat", "Kunde: Im Portal steht Version {VERSION}, meine IP ist {IP}\nAgent: Verstanden, der Upload "
             "steht bei {PERCENT}.\nKunde: ok, schreiben Sie an {EMAIL} oder unter {PHONE}"),
    ("email", "Betreff: Bestellung {ORDER} - Lieferung am {DATE}\n\nSehr geehrte/r {PERSON},\n\nIhre "
              "Bestellung über {PRICE} wird aus unserem Lager in {CITY} versandt. Sendungsnummer: "
              "{TRACKING}.\n\nMit freundlichen Grüßen\n{ORG}"),
    ("email", "Betreff: Ihr Konto wurde aktualisiert\n\nHallo {FIRST},\nwir haben Ihre Zahlungsdaten "
              "aktualisiert: Karte {CARD}, Rechnung {INVOICE}. Ihre {ID} ist hinterlegt. Fragen? "
              "Rufen Sie {PHONE} vor {TIME} an.\n\n"
              "{PERSON}\n{ORG}"),
    ("email", "Von: {EMAIL}\nBetreff: Anmeldeformular\n\nHallo, hier meine Daten: {PERSON}, geb. {DOB}, "
              "{ADDRESS}, {CITY}. {ID}. Bankverbindung: {IBAN}\nDanke!"),
    ("email", "Betreff: Termin am {DATE}\n\nHallo {FIRST}, ich bestätige {TIME} bei {ORG}. Themen: Release "
              "{VERSION}, Kündigungen um {PERCENT} gesunken, Ticket {TICKET}. Mobil: {PHONE}."),
)  # fmt: skip

_PT: Final[tuple[Template, ...]] = (
    ("crm", "Nota de chamada {TIMESTAMP}: falei com {PERSON} da {ORG} sobre a encomenda {ORDER}. "
            "Contacto {PHONE}, email {EMAIL}. Proposta de renovação {PRICE}, desconto de {PERCENT}."),
    ("crm", "Cliente {PERSON}, data de nascimento {DOB}, mudou-se para {ADDRESS}, {CITY}. {ID} atualizado. "
            "Próxima reunião em {DATE} às {TIME}."),
    ("crm", "Novo contacto de faturação: {PERSON} <{EMAIL}>, IBAN {IBAN}. A fatura {INVOICE} de {PRICE} "
            "continua em aberto. Responsável: {FIRST}."),
    ("crm", "Verificação de identidade de {PERSON}: nascida em {DOB}, {ID}, mora em {CITY}. "
            "Acesso suspeito a partir de {IP} em {TIMESTAMP}."),
    ("ticket", "Chamado {TICKET}: o app fecha no pagamento (versão {VERSION}). Aberto por {PERSON}, "
               "telefone {PHONE}. O pedido {ORDER} foi cobrado duas vezes no cartão {CARD}, valor {PRICE}."),
    ("ticket", "Chamado {TICKET}: a encomenda {TRACKING} não chegou, entrega prevista para {DATE}. "
               "{FIRST} pede para enviar o artigo {SKU} para {ADDRESS}, {CITY}."),
    ("ticket", "Pedido de reembolso {TICKET}. {PERSON} ({EMAIL}) quer {PRICE} de volta na conta {IBAN}. "
               "Fatura original {INVOICE}, taxa de devolução de {PERCENT}. Identidade verificada: {ID}."),
    ("ticket", "Alerta de segurança {TICKET}: {PERCENT} dos logins falhados de {EMAIL} vêm de {IP}. "
               "Versão do servidor {VERSION}, visto pela primeira vez em {TIMESTAMP}."),
    ("chat", "Atendente: Olá, pode confirmar a sua data de nascimento?\nCliente: claro, nasci em {DOB}.\n"
             "Atendente: Obrigado, {FIRST}. Vejo a encomenda {ORDER} de {PRICE}.\n"
             "Cliente: ok, pode ligar para {PHONE}"),
    ("chat", "Cliente: o meu cartão {CARD} foi recusado às {TIME}\nAtendente: lamento! Qual é o artigo?\n"
             "Cliente: ref. {SKU}, 2 unidades, {PRICE}\nAtendente: abri o chamado {TICKET}."),
    ("chat", "Cliente: olá, é {PERSON}, o meu {ID}\nAtendente: obrigado. Ainda mora em {ADDRESS}?\n"
             "Cliente: sim. O rastreio {TRACKING} diz entrega em {DATE}"),
    ("chat", "Cliente: o portal mostra a versão {VERSION} e o meu IP é {IP}\nAtendente: certo, o envio "
             "está em {PERCENT}.\nCliente: ok, escreva para {EMAIL} ou ligue {PHONE}"),
    ("email", "Assunto: Encomenda {ORDER} - entrega em {DATE}\n\nCaro(a) {PERSON},\n\nA sua encomenda de "
              "{PRICE} sai do nosso armazém de {CITY}. Código de rastreio: {TRACKING}.\n\n"
              "Com os melhores cumprimentos,\n{ORG}"),
    ("email", "Assunto: Atualização da conta\n\nOlá {FIRST},\natualizámos os seus dados de pagamento: "
              "cartão {CARD}, fatura {INVOICE}. O seu {ID} está registado. Dúvidas? Ligue para "
              "{PHONE} antes das {TIME}.\n\n"
              "{PERSON}\n{ORG}"),
    ("email", "De: {EMAIL}\nAssunto: Formulário de adesão\n\nOlá, os meus dados: {PERSON}, nascido em {DOB}, "
              "{ADDRESS}, {CITY}. {ID}. Conta bancária: {IBAN}\nObrigado!"),
    ("email", "Assunto: Reunião de {DATE}\n\nOlá {FIRST}, confirmo às {TIME} na {ORG}. Agenda: versão "
              "{VERSION}, cancelamentos {PERCENT} abaixo, chamado {TICKET}. Telemóvel: {PHONE}."),
)  # fmt: skip

TEMPLATES: Final[Mapping[str, tuple[Template, ...]]] = MappingProxyType(
    {"en": _EN, "es": _ES, "fr": _FR, "de": _DE, "pt": _PT}
)

#: Ways to write a national ID, by class: with its usual context word ("{v}" is the value).
ID_PHRASES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "US_SSN": ("SSN {v}", "SSN: {v}", "social security number {v}", "Social Security No. {v}"),
        "UK_NINO": ("NI number {v}", "National Insurance number {v}", "NINO: {v}"),
        "UK_NHS": ("NHS number {v}", "NHS no. {v}", "NHS No: {v}"),
        "ES_DNI": ("DNI {v}", "DNI: {v}", "DNI/NIF {v}", "documento de identidad {v}"),
        "ES_NIE": ("NIE {v}", "NIE: {v}", "número de NIE {v}"),
        "FR_NIR": ("numéro de sécurité sociale {v}", "n° de sécu {v}", "NIR : {v}", "carte Vitale {v}"),
        "DE_TAX_ID": ("Steuer-ID {v}", "Steuer-ID: {v}", "Steueridentifikationsnummer {v}", "IdNr. {v}"),
        "PT_NIF": ("NIF {v}", "NIF: {v}", "contribuinte n.º {v}", "número de contribuinte {v}"),
        "BR_CPF": ("CPF {v}", "CPF: {v}", "CPF nº {v}"),
        "BR_CNPJ": ("CNPJ {v}", "CNPJ: {v}", "CNPJ da empresa {v}"),
    }
)

#: National identifier classes written in each language, with their relative weights.
LANG_IDS: Final[Mapping[str, tuple[tuple[str, int], ...]]] = MappingProxyType(
    {
        "en": (("US_SSN", 3), ("UK_NINO", 2), ("UK_NHS", 2)),
        "es": (("ES_DNI", 3), ("ES_NIE", 2)),
        "fr": (("FR_NIR", 1),),
        "de": (("DE_TAX_ID", 1),),
        "pt": (("PT_NIF", 2), ("BR_CPF", 2), ("BR_CNPJ", 1)),
    }
)

#: Faker locales per language (the first one for English uses US formats, en_GB UK ones).
LOCALES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {"en": ("en_US", "en_GB"), "es": ("es_ES",), "fr": ("fr_FR",), "de": ("de_DE",), "pt": ("pt_PT", "pt_BR")}
)

MONTHS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"),
        "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
               "octubre", "noviembre", "diciembre"),
        "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
               "octobre", "novembre", "décembre"),
        "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
               "Oktober", "November", "Dezember"),
        "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
               "outubro", "novembro", "dezembro"),
    }
)  # fmt: skip
