"""Names by their cue: the words around a person's name that say it is one.

Real-life CRM text names people in a few fixed ways in every language: a form label
(`Nom complet : …`), an introduction (`my name is …`, `me llamo …`, `aqui é a …`), a title
(`Sra. …`, `Herr …`), a greeting or a sign-off (`Hi …,` / `Regards,\\n…`), a mail header or
a display name (`From: … <…@…>`), a chat speaker (`Agente Tiago:`, `Bethan (Support):`), a
relative (`my son …`) and the answer to an agent's question for the name. The name after the
cue is read word by word: capitalized words (all capitals too), initials and name particles
(`da`, `van`, `bin`...) between them; lower-case words only after the cues that leave no doubt
(a form label, `my name is`, the answer to a name question), because transcripts and chats are
often all lower case. Any word of `STOP` ends a name (`Hi team`, `Dear customer`).

Every word of a name found this way is then marked wherever else the text writes it
(`Thanks Adaeze` after `name is Adaeze Nwosu`), slightly below the cue's score.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import regex

from detectors import entities
from detectors.patterns._context import trie
from detectors.patterns._recognizer import Hit
from detectors.span import Span

#: A capitalized (or all-capitals) name word: `Marie-Ève`, `D'Souza`, `NGUYỄN`, `McDonald`.
_UPPER = r"\p{Lu}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*"
#: A lower-case name word (transcripts, chats): only after an unambiguous cue.
_LOWER = r"\p{Ll}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*"
#: An initial: `S.` in `S. Correia`.
_INITIAL = r"\p{Lu}\."


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Given names and surnames, lower case (`python -m training.names` writes it; everyday words left out).
NAMES_FILE = Path(__file__).with_name("person_names.txt")


@cache
def person_names() -> dict[str, str]:
    """The words of `NAMES_FILE` and their kinds (`F` given name, `L` surname): a lower-case word
    after a weak cue is a name only when listed, and the first one only as a given name."""
    with NAMES_FILE.open(encoding="utf-8") as lines:
        return dict(line.rstrip("\n").split("\t", 1) for line in lines)


_WORD = regex.compile(rf"(?:{_INITIAL}|{_UPPER}|{_LOWER})(?![\w@])")
_SPACE = regex.compile(r"[ \t]+")
#: Words that join the parts of one name.
PARTICLES = _split(
    """
    de da do dos das del della di du van von der den ter le la y i e bin ben al el ibn mac st
    """
)
#: The particles as a regex alternation.
_PARTICLE = "|".join(sorted(PARTICLES))
#: Words after a cue that are not a name (case-insensitive): people in general, teams, roles,
#: titles (a title's own cue reads the name after it), greetings and filler.
STOP = _split(
    """
    team all everyone everybody there here folks guys friends colleagues people support customer
    customers client clients service services care sir madam sirs madams mr mrs ms miss mx dr dra drs
    prof sr sra srta srs sres mme mlle mmes m monsieur madame mademoiselle herr frau fr hr señor señora
    señorita don doña dona senhor senhora d hello hi hey dear thanks thank regards best cheers yes no ok
    okay please sorry good morning afternoon evening night again from the a an our your my his her their
    this that it its we you they he she i me us them and or but so to of in on at for with by is are was
    were be been am will would can could should may might must do does did not any some every each both
    other another sales billing admin accounts account hr it helpdesk desk office reception manager
    managers staff agent agents operator operators bot assistant system user users member members
    patient patients guest guests partner partners supplier suppliers vendor vendors contact contacts
    owner holder equipo equipe équipe todos todas tous toutes zusammen allerseits leute damen herren
    kunde kunden kundin kundenservice kundendienst atendimento suporte soporte servicio servicios
    atención atencion cliente clientes pessoal gente amigo amigos amiga amigas chers chères cher chère
    caro cara querido querida prezado prezada estimado estimada estimados liebe lieber liebes sehr
    geehrte geehrter geehrtes n/a na none unknown test tbd nobody ninguno nadie aucun personne keine
    niemand nenhum ninguém obrigado obrigada gracias merci danke bonjour bonsoir salut hola olá ola oi
    hallo guten tag buenos buenas bom boa dia días tarde tardes noches noite noites ihr ihre ihren euer
    eure unser unsere su sus sua suas seu seus votre vos notre nos nosso nossa vosso nuestro nuestra
    department departamento département abteilung área area dept division sector setor secteur einkauf
    buchhaltung vertrieb verwaltung dispo compras ventas contabilidad achats comptabilité financeiro
    financiero finance finanzas comercial commercial gestão gestion sinistros siniestros sinistres
    schaden schadenservice recursos rh rrhh personal personalabteilung facturación faturamento
    facturation instagram facebook whatsapp linkedin twitter telegram signal email e-mail mail teléfono
    telefone téléphone telefon phone tel mobile móvil portable handy nota note notes notas remarque
    bemerkung observações observaciones comments comentarios commentaires subtotal total iva tva mwst
    vat
    utilizador usuario usuário username login pseudo
    """
)
#: A name word ending like these is an organization's or a team's (`Schadenservice`, `Dispo-Team`).
_ORG_ENDINGS = (
    "service", "services", "team", "support", "center", "centre", "zentrum", "gmbh", "ltd", "inc", "llc",
    "lda", "ltda", "sarl", "turismo", "tourism", "travel", "seguros", "insurance", "bank", "banco",
    "telecom", "abteilung", "group", "grupo", "groupe", "shop", "store", "tienda", "loja",
)  # fmt: skip
#: Lower-case words that end a lower-case name (`meu nome é wesley da vivaz`: `da` is kept only
#: before another name word, these never).
_LOWER_STOP = _split(
    """
    speaking calling here and or but with from for to at on in as is am are was were the my your o os a
    as um uma un une el la los las le les der die das ein eine com con avec mit para por pour für sou
    soy suis bin é es est ist sim yes no não non nein ok okay please por favor s'il vous plaît bitte
    obrigado obrigada gracias merci danke thanks thank bom boa dia good morning afternoon boa tarde
    buenos buenas bonjour hello hi hey olá ola oi hola hallo e y et und i who quem quién qui wer que
    what qual cuál número numero numéro nummer number nome nombre nom name apelido apellido sobrenome
    surname email e-mail correo telefone teléfono téléphone telefon phone telemóvel celular móvil
    portable handy cliente client customer kunde titular titulaire holder senhor senhora señor señora
    monsieur madame dona don doña herr frau mr mrs ms miss dr dra também tambien también aussi auch also
    too mesmo mismo même selbst just only só solo seulement nur then então entonces alors dann ah eh uh
    um hum pois bueno bem bien well ja oui si sí so então
    hier aqui aquí ici er sie es wir ich du il elle nous vous él ella ele ela eles elas they he she we
    yeah yep yup nope hmm mhm oh erm hiya genau vale pues ouais bon voilà tá olha opa sure right alright
    fine utilizador usuario usuário user username login pseudo
    en qué que te le lo me se no ya como cómo em na nos nas ao à pra pro je tu est dans von zu im am wie
    kann puedo posso peux help ayudar ajudar aider helfen ayudarle ajudá-lo nasc nac né geb tel tlf cel
    dni nif nie cpf rg cc bi
    about around like maybe roughly approximately unos umas cerca environ etwa ungefähr one two three four
    five six seven eight nine ten hundred thousand uno dos tres cuatro cinco seis siete ocho nueve diez un
    deux trois quatre cinq six sept huit neuf dix eins zwei drei vier fünf sechs sieben acht neun zehn
    um dois três quatro cinco seis sete oito nove dez mil
    """
)
_MAX_WORDS = 5


#: A word as the cue prefilter reads it (`customer_name` is two: `customer`, `name`).
_TOKEN = regex.compile(r"[^\W_]+")
#: Each alternation `_alternation` built → the first words of its phrases (`CUES` prefilter).
_FIRST_WORDS: dict[str, frozenset[str]] = {}


def _alternation(phrases: str) -> str:
    """`|`-separated phrases (spaces: any run of blanks) as a trie alternation, whole words."""
    words = [p.strip().lower() for p in phrases.split("|") if p.strip()]
    firsts = frozenset(m.group() for m in map(_TOKEN.match, words) if m)
    # `\b` equals `(?<!\w)` when every phrase starts with a word character, and `regex` scans it faster
    start = r"\b" if all(regex.match(r"\w", w) for w in words) else r"(?<!\w)"
    out = start + "(?:" + trie(words).replace("\\ ", r"[ \t]+") + r")(?!\w)"
    _FIRST_WORDS[out] = firsts
    return out


def _firsts(pattern: regex.Pattern[str], *more: str) -> frozenset[str]:
    """The words one of which a text must hold for `pattern` to match: the first words of the
    alternations it is made of, and `more`."""
    found = [words for source, words in _FIRST_WORDS.items() if source in pattern.pattern]
    return frozenset().union(*found, more)


_LINE_START = r"(?:^|(?<=\n))[ \t>*-]*(?:\[[^\]\n]{0,24}\][ \t]*)?"
_FORM_LABEL = _alternation(
    "name|full name|first name|first names|last name|surname|given name|given names|family name|"
    "customer name|client name|contact name|contact person|account holder|account name|cardholder|"
    "card holder|cardholder name|holder|policyholder|policy holder|patient|patient name|spouse|partner name|"
    "next of kin|emergency contact|beneficiary|insured|caller name|applicant|guest name|passenger|"
    "nombre|nombres|nombre completo|nombre y apellidos|apellido|apellidos|primer apellido|segundo apellido|"
    "titular|nombre del titular|paciente|nombre del paciente|cónyuge|conyuge|beneficiario|asegurado|"
    "persona de contacto|contacto de emergencia|solicitante|"
    "nom|nom complet|prénom|prenom|prénoms|prenoms|nom de famille|nom d'usage|nom de naissance|nom / prénom|"
    "nom/prénom|nom et prénom|nom prénom|titulaire|nom du titulaire|assuré|assure|nom de l'assuré|"
    "conjoint|conjointe|bénéficiaire|beneficiaire|personne à contacter|demandeur|demandeuse|patient(e)|"
    "vorname|vornamen|nachname|familienname|vollständiger name|name, vorname|name/vorname|kontoinhaber|"
    "kontoinhaberin|inhaber|inhaberin|ansprechpartner|ansprechpartnerin|ehepartner|ehepartnerin|"
    "versicherungsnehmer|versicherungsnehmerin|versicherte person|antragsteller|antragstellerin|"
    "nome|nome completo|primeiro nome|apelido|apelidos|sobrenome|titular atual|novo titular|"
    "titular do contrato|responsável|responsavel|assinante|utente|cônjuge|segurado|segurada|"
    "beneficiário|contacto de emergência|contato de emergência|requerente|proprietário|proprietária|"
    "tomador|conjuge|nome do titular|nome da mãe|nome do pai|filiação|"
    "asegurado/a|asegurada|apellido y nombre|apellidos y nombre|nombre y apellido|firma|signature|signed|"
    "unterschrift|assinatura|contacto principal|contacto técnico|contacto tecnico|contact principal|"
    "technical contact|main contact|primary contact|atendido por|atendida por|attended by|handled by|"
    "agent name|destinatario|destinataria|destinataire|empfänger|empfängerin|destinatário|destinatária|"
    "recipient|addressee|adhérent|adhérente|adherent|adherente|socio titular|sócio titular|member name"
)
#: `full_name=`, `nome_completo:` (log lines, key-value dumps).
_KEY_PREFIXES = (
    "customer client contact account card holder patient user guest first last full given family nome nombre"
    " nom titular titulaire"
)
_KEY_NAMES = (
    "name full_name nome nome_completo nombre nombre_completo nom nom_complet prenom prénom vorname nachname"
    " titulaire titular holder surname sobrenome apellido apellidos"
)
_KEY_LABEL = rf"(?<![\w.])(?:(?:{trie(_KEY_PREFIXES.split())})_)?(?:{trie(_KEY_NAMES.split())})(?!\w)"
_FORM = regex.compile(
    rf"(?:{_FORM_LABEL}|{_KEY_LABEL})[\"']?[ \t]*(?:\([^)\n]{{0,20}}\)[ \t]*)?(?:[:=]|[ \t]-)[ \t]*[\"']?",
    regex.IGNORECASE,
)
#: What stands right before a form label: a line's start, a separator (`|`, `;`, `{`, `,`), a
#: sentence's end; an opening quote (JSON keys). Checked after the label matched: a pattern that
#: starts with these lookbehinds is tried at every position of the text, the label's words are not.
_FORM_BEFORE = regex.compile(
    r"(?:(?:^|\n)[ \t>*-]*(?:\[[^\]\n]{0,24}\][ \t]*)?|[|;{,][ \t]*|[.!?)][ \t]+)[\"']?\Z"
)
#: Introductions that leave no doubt: lower-case names are read after them.
_INTRO_STRONG = regex.compile(
    _alternation(
        "my name is|my name's|my full name is|name is|i am called|"
        "me llamo|mi nombre es|mi nombre completo es|"
        "je m'appelle|je m’appelle|mon nom est|mon nom c'est|"
        "ich heiße|ich heisse|mein name ist|mein name lautet|"
        "meu nome é|o meu nome é|meu nome completo é|chamo-me|me chamo|eu me chamo|o nome é|"
        "le atiende|te atiende|le habla|te habla|quien le habla|em nome de|no nome de|au nom de|a nombre de|"
        "in the name of|à quel nom|à nom de|im namen von|auf den namen"
    )
    + r"[ \t:,]*",
    regex.IGNORECASE,
)
#: Introductions often followed by an adjective or a noun (`it's valid`, `é o cano`): a capitalized name only.
_INTRO_BARE = regex.compile(_alternation("it's|it is|i'm|i am|é o|é a") + r"[ \t:,]*", regex.IGNORECASE)
#: Introductions whose next word may be anything: a capitalized name, or a listed lower-case one.
_INTRO_WEAK = regex.compile(
    _alternation(
        "this is|you're speaking with|you are speaking with|you're speaking to|"
        "speaking with|soy|habla|le habla|hablas con|aquí|aqui|c'est|ici|je suis|vous parlez avec|hier ist|"
        "hier spricht|am apparat|sou o|sou a|sou|aqui é o|aqui é a|aqui é|fala o|fala a|é o|é a|quem fala é|"
        "falas com|fala com|c|atendido por|atendida por|attended by|handled by|traité par|traitée par|"
        "bearbeitet von|served by|spoke with|spoke to|hablé con|falei com|j'ai parlé avec|gesprochen mit"
    )
    + r"[ \t:,]*",
    regex.IGNORECASE,
)
_TITLE = regex.compile(
    r"(?<!(?:nossa|nuestra|notre|unsere?|our)[ \t]+)(?:"
    + _alternation(
        "mr|mrs|ms|miss|mx|dr|dra|drs|prof|sr|sra|srta|sres|don|doña|dona|señor|señora|señorita|senhor|"
        "senhora|senhorita|mme|mlle|monsieur|madame|mademoiselle|maître|herr|frau|fr|hr|doktor|"
        "doctor|doutor|doutora|professor|professora|profa|eng|engª|lic|ing"
    )
    + r"(?:\.|(?=[ \t]))|(?<!\w)[MD]\.)[ \t]*",
    regex.IGNORECASE,
)
_GREETING_PHRASES = (
    "hi|hello|hey|hiya|dear|good morning|good afternoon|good evening|morning|afternoon|thanks|thank you|"
    "hola|buenos días|buenos dias|buenas tardes|buenas noches|buenas|estimado|estimada|querido|querida|"
    "gracias|bonjour|bonsoir|salut|cher|chère|coucou|merci|allô|allo|hallo|liebe|lieber|guten tag|moin|"
    "servus|danke|olá|ola|oi|bom dia|boa tarde|boa noite|prezado|prezada|caro|cara|querido|obrigado|"
    "obrigada|valeu"
)
_SIGN_OFF_PHRASES = (
    "regards|best regards|kind regards|warm regards|best wishes|best|thanks|many thanks|thank you|cheers|"
    "sincerely|yours sincerely|yours|thx|"
    "saludos|un saludo|saludos cordiales|atentamente|gracias|muchas gracias|abrazos|un abrazo|besos|"
    "cordialement|bien cordialement|bien à vous|merci|merci beaucoup|bonne journée|à bientôt|bises|"
    "bisous|bss|"
    "mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|liebe grüße|"
    "beste grüße|grüße|gruß|lg|vg|mfg|danke|vielen dank|"
    "obrigado|obrigada|muito obrigado|muito obrigada|abraço|abraços|abs|att|atenciosamente|cumprimentos|"
    "melhores cumprimentos|com os melhores cumprimentos|beijos|bjs|bj|beijinhos|até já"
)
_ROLE_PHRASES = (
    "agent|agente|agentin|operator|operador|operadora|atendente|attendant|suporte|support|soporte|staff|"
    "técnico|tecnico|técnica|technician|tech|conseiller|conseillère|asesor|asesora|berater|beraterin|"
    "mitarbeiter|mitarbeiterin|recepção|recepcion|recepción|recepcionista|receptionist|advisor|adviser|rep|"
    "representative|consultor|consultora|specialist|especialista|gestor|gestora|equipe|equipa|team"
)
#: Where a greeting or a sign-off may start: a line, or after a clause's punctuation or an emoji.
_CLAUSE_BEFORE = regex.compile(
    r"(?:(?:^|\n)[ \t>*-]*(?:\[[^\]\n]{0,24}\][ \t]*)?|[.!?,;:)\p{So}][ \t]{1,3})\Z"
)
_GREETING = regex.compile(
    _alternation(_GREETING_PHRASES) + r"[ \t]*,?[ \t]*",
    regex.IGNORECASE,
)
_SIGN_OFF = regex.compile(
    _alternation(_SIGN_OFF_PHRASES) + r"[ \t]*[,.!]*(?:[ \t]*\n[ \t>]*(?:\n[ \t>]*)?|[ \t]+)",
    regex.IGNORECASE,
)
_HEADER = regex.compile(
    _LINE_START
    + _alternation("from|to|cc|de|para|von|an|à|a|envoyé par|enviado por|gesendet von|reply-to|sender")
    + r"[ \t]*:[ \t]*\"?",
    regex.IGNORECASE,
)
_ROLE = _alternation(_ROLE_PHRASES)
#: `Agente Tiago:`, `Staff Fit24 - Inês:`, `Operador (Nuno):`.
_SPEAKER_ROLE = regex.compile(
    _LINE_START
    + _ROLE
    + r"(?:[ \t]+[\w&]+){0,2}?[ \t]*(?:[-–(@][ \t]*|[ \t]+)(?=\p{Lu}[\p{L}\p{M}' .-]{0,40}\)?[ \t]*:)",
    regex.IGNORECASE,
)
#: A family by its name (`família Nguyen`; lower case only: `plano Família Premium` is a product).
_FAMILY = regex.compile(r"(?<!\w)(?:família|familia|famille|family|familie)[ \t]+")
#: A full-word title before a lower-case name, in transcripts (`merci monsieur bensaïd`).
_TITLE_WORD = regex.compile(
    r"(?<!(?:\b(?:o|a|os|as|el|la|los|las|le|les|der|die|den|dem|un|une|um|uma|una|ce|cette|esse|essa|este"
    r"|esta|do|da|del|al|ao|à|pelo|pela|nossa|nuestra|notre|our))[ \t]+)"
    + _alternation(
        "monsieur|madame|mademoiselle|señor|señora|señorita|don|doña|senhor|senhora|dona|herr|frau|"
        "doctor|doctora|doutor|doutora|docteur"
    )
    + r"[ \t]+",
    regex.IGNORECASE,
)
#: A role noun before a capitalized name, in notes (`Cliente Yusuf Demir`, `técnico Wellington Sousa`).
_ROLE_NOUN = regex.compile(
    _alternation(
        "cliente|client|clienta|customer|utente|paciente|patient|patiente|adherente|assinante|titular|"
        "titulaire|técnico|técnica|technician|atendente|kunde|kundin|patientin|mitarbeiter|mitarbeiterin|"
        "contacto|contact|caller|utilisateur|usuario|usuária|usuário|member|socio|sócio|sócia"
    )
    + r"[ \t]+",
    regex.IGNORECASE,
)
#: A signature after a dash at the end of a note (`… rappel sous 5 j. — S. Benkirane`).
_DASH_SIGNATURE = regex.compile(r"(?<=[.!?)…][ \t]+)[—–-][ \t]*")
#: A signature line: a name and a bar (`Pedro Alves | Gestor de Sinistros`).
_BAR_SIGNATURE = regex.compile(
    _LINE_START + rf"(?P<v>{_UPPER}(?:[ \t]+(?:(?:{_PARTICLE})[ \t]+)*{_UPPER}){{1,3}})[ \t]*\|"
)
#: Relatives and colleagues named in passing.
_RELATIVE = regex.compile(
    _alternation(
        "my son|my daughter|my wife|my husband|my partner|my mum|my mom|my mother|my dad|my father|"
        "my brother|my sister|my colleague|my boss|my neighbour|my neighbor|my friend|"
        "mi hijo|mi hija|mi esposa|mi esposo|mi mujer|mi marido|mi madre|mi padre|mi hermano|mi hermana|"
        "mi compañero|mi compañera|mi jefe|mi vecino|mi vecina|"
        "mon fils|ma fille|ma femme|mon mari|ma mère|mon père|mon frère|ma sœur|ma soeur|mon collègue|"
        "ma collègue|mon conjoint|ma conjointe|ma voisine|mon voisin|"
        "mein sohn|meine tochter|meine frau|mein mann|meine mutter|mein vater|mein bruder|meine schwester|"
        "mein kollege|meine kollegin|mein partner|meine partnerin|"
        "meu filho|minha filha|minha esposa|minha mulher|meu marido|minha mãe|meu pai|meu irmão|minha irmã|"
        "meu colega|minha colega|meu chefe|minha chefe|meu vizinho|minha vizinha|o filho|a filha|a esposa|"
        "o marido|a mulher|meu sócio|minha sócia|"
        "em nome do|em nome da|no nome do|no nome da|on behalf of|"
        "su hijo|su hija|sa fille|son fils|seu filho|sua filha|his son|her son|his daughter|her daughter|"
        "his wife|her husband|mi novio|mi novia|mi pareja|meu namorado|minha namorada|my boyfriend|"
        "my girlfriend|mon copain|ma copine|mein freund|meine freundin|la hija|el hijo|a filha|o filho|"
        "ask for|pregunte por|demander|perguntar por|falar com|hablar con|parler à|sprechen mit"
    )
    + r"[ \t]*[,(]?[ \t]*",
    regex.IGNORECASE,
)
#: A question for the caller's name; the next line's answer starts with it.
_NAME_QUESTION = regex.compile(
    _alternation(
        "your name|your full name|the name|the patient's name|the account holder's name|"
        "who am i speaking with|"
        "who i'm speaking with|spell your surname|spell your last name|spell the surname|"
        "su nombre|su nombre completo|el nombre|nombre completo|con quién hablo|con quien hablo|"
        "votre nom|votre nom complet|nom complet|à qui ai-je l'honneur|le nom|"
        "ihren namen|ihren vollständigen namen|ihr name|mit wem spreche ich|den namen|"
        "seu nome|o seu nome|nome completo|com quem eu falo|com quem falo|o nome|o nome da paciente|"
        "o nome do paciente|o nome do titular"
    )
    + r"(?![ \t]*[:=])(?![ \t]+(?:de|do|da|of|del|du|der|des)[ \t]+(?:(?:the|la|el|a|o|le|l'|die|der)[ \t]*)?"
    r"(?:utilizador|usu[aá]rio|user|usuario|empresa|company"
    r"|produto|product|entreprise|firma|rua|calle|street|loja|tienda|shop))[^\n]{0,25}\n",
    regex.IGNORECASE,
)
_ANSWER_LEAD = regex.compile(
    r"[ \t]*(?:\[[^\]\n]{0,24}\][ \t]*)?[\w ()@&.-]{0,30}?:[ \t]*"
    r"(?:(?:yes|yeah|sure|sí|si|oui|ja|sim|é|es|c'est|it's|it is|this is|sou|soy|je suis|ich bin|"
    r"boa tarde|bom dia|buenos días|buenas|bonjour|good morning|hello|hi|olá|ola|hola|hallo|"
    r"my name is|meu nome é|me llamo|je m'appelle|ich heiße|claro|certo|ok|sou sou|"
    r"o meu nome é|mi nombre es)(?!\w)[ \t,.]*)*",
    regex.IGNORECASE,
)
_NAME_END = regex.compile(r"[ \t]*(?:$|[\n,.;!?)\]<>|/\"'(]|[-–—][ \t]|\p{So})")
_DISPLAY_NAME = regex.compile(
    rf"(?<=^|[\n:,;\"'(\[>][ \t]*)"
    rf"(?P<v>{_UPPER}(?:[ \t]+(?:(?:{_PARTICLE})[ \t]+)*(?:{_UPPER}|{_INITIAL})){{0,4}})"
    r"\"?[ \t]*[<\[(]?(?:mailto:)?[\w.+-]+@[\w-]+\.[\w.-]+[>\])]",
)
#: `Bethan (Support):`, `Marisol @ Brightwave:` at the start of a chat line.
_SPEAKER_NAME = regex.compile(
    _LINE_START
    + rf"(?P<v>{_UPPER}(?:[ \t]+{_UPPER}){{0,2}})[ \t]*(?:\([^()\n]{{2,40}}\)|@[ \t]*[^\n:]{{2,40}}?)[ \t]*:"
)


#: STOP and the words of greetings, sign-offs and roles: never a name.
_NOT_A_NAME = STOP | frozenset(
    word
    for phrases in (_GREETING_PHRASES, _SIGN_OFF_PHRASES, _ROLE_PHRASES)
    for word in phrases.lower().split("|")
    if " " not in word
)


@dataclass(frozen=True, slots=True)
class _Cue:
    pattern: regex.Pattern[str]
    score: float
    lower: bool = False
    #: The name must end its line or clause (greetings, sign-offs, headers).
    closed: bool = False
    #: Several names joined by commas (`Prénom(s) : Wei, Antoine`).
    listed: bool = False
    #: Lower-case words that `person_names` lists are names too (`aqui é a thaís`, `je suis oksana`).
    known: bool = False
    #: One of the name's words is a listed given name or surname (`Cliente Yusuf Demir`, not
    #: `Client Date of birth`).
    vetted: bool = False
    #: Every name word has a lower-case letter (`técnica OS 889102`: not a name).
    mixed: bool = False
    #: The cue can match only in a text holding one of these words (lower case); None: any text.
    firsts: frozenset[str] | None = None
    #: What must stand right before the cue (its start checked after it matched).
    before: regex.Pattern[str] | None = None
    #: What must follow the name (a speaker's colon).
    after: regex.Pattern[str] | None = None


CUES: tuple[_Cue, ...] = (
    _Cue(
        _FORM,
        0.85,
        lower=True,
        closed=True,
        listed=True,
        before=_FORM_BEFORE,
        firsts=_firsts(_FORM, *_KEY_PREFIXES.split(), *_KEY_NAMES.split()),
    ),
    _Cue(_INTRO_STRONG, 0.85, lower=True, firsts=_firsts(_INTRO_STRONG)),
    _Cue(_INTRO_WEAK, 0.6, known=True, firsts=_firsts(_INTRO_WEAK)),
    _Cue(_INTRO_BARE, 0.6, vetted=True, firsts=_firsts(_INTRO_BARE)),
    _Cue(_TITLE, 0.8, firsts=_firsts(_TITLE, "m", "d")),
    _Cue(_GREETING, 0.7, closed=True, known=True, before=_CLAUSE_BEFORE, firsts=_firsts(_GREETING)),
    _Cue(_SIGN_OFF, 0.7, closed=True, known=True, before=_CLAUSE_BEFORE, firsts=_firsts(_SIGN_OFF)),
    _Cue(_HEADER, 0.8, closed=True, firsts=_firsts(_HEADER)),
    _Cue(_SPEAKER_ROLE, 0.75, after=regex.compile(r"[ \t]*\)?[ \t]*:"), firsts=_firsts(_SPEAKER_ROLE)),
    _Cue(_RELATIVE, 0.6, known=True, firsts=_firsts(_RELATIVE)),
    _Cue(_TITLE_WORD, 0.65, lower=True, closed=True, firsts=_firsts(_TITLE_WORD)),
    _Cue(_ROLE_NOUN, 0.6, mixed=True, vetted=True, firsts=_firsts(_ROLE_NOUN)),
    _Cue(_FAMILY, 0.65, mixed=True),
    _Cue(_DASH_SIGNATURE, 0.6, closed=True, vetted=True),
)


#: A capital after three lower-case letters: a brand (`StreamNorth`), not `McDonald` or `LaToya`.
_CAMEL = regex.compile(r"\p{Ll}{3}\p{Lu}")


def _is_name_word(word: str, lower: bool, known: str = "") -> bool:
    """`known`: a lower-case word is a name when `person_names` lists it as a kind in `known`."""
    key = word.lower()
    if known and not lower and word[0].islower():
        kinds = person_names().get(key, "")
        return key not in _NOT_A_NAME and key not in _LOWER_STOP and any(k in kinds for k in known)
    if key in _NOT_A_NAME or len(word) > 30 or key.endswith(_ORG_ENDINGS) or _CAMEL.search(word):
        return False
    if word[0].isupper():
        return len(word) > 1 or word.endswith(".")
    return lower and key not in _LOWER_STOP and len(word) > 1 and "'" not in word and "’" not in word


def _all_name_words(name: str) -> bool:
    return all(_is_name_word(w, False) or w.lower() in PARTICLES for w in name.split())


def name_at(
    text: str, pos: int, lower: bool = False, closed: bool = False, known: bool = False
) -> tuple[int, int] | None:
    """The name that starts at `pos` (after blanks), or None: up to five name words, particles
    between them; `closed` wants the line or clause to end right after it."""
    space = _SPACE.match(text, pos)
    if space:
        pos = space.end()
    start, end, words, cursor = pos, -1, 0, pos
    while words < _MAX_WORDS:
        # a name begun with a capital takes no lower-case word after it (`Jordi Vila i Serra e escrevo`)
        lower_here = lower and (words == 0 or not text[start].isupper())
        known_here = "" if not known or (words and text[start].isupper()) else "FL" if words else "F"
        match = _WORD.match(text, cursor)
        if match is None:
            break
        word = match.group()
        if word.lower() in PARTICLES and words:
            after = _SPACE.match(text, match.end())
            nxt = _WORD.match(text, after.end()) if after else None
            if nxt is None or not _is_name_word(nxt.group(), lower_here, known_here):
                break
            cursor = after.end() if after else match.end()
            continue
        if not _is_name_word(word, lower_here, known_here):
            break
        end, words = match.end(), words + 1
        space = _SPACE.match(text, end)
        if space is None:
            break
        cursor = space.end()
    if end < 0:
        return None
    if closed and not _NAME_END.match(text, end):
        return None
    return start, end


@dataclass(frozen=True, slots=True)
class NameCueRecognizer:
    """PERSON names read after their cues (see the module docstring), then their other mentions."""

    entity: str = entities.PERSON
    langs: frozenset[str] | None = None
    #: Score of a later mention of a word of a name found by its cue.
    mention_score: float = 0.6

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        found: dict[tuple[int, int], float] = {}
        for start, end, score in self._cued(text):
            if found.get((start, end), 0.0) < score:
                found[(start, end)] = score
        yield from ((s, e, score) for (s, e), score in found.items())
        yield from self._mentions(text, found)

    def _cued(self, text: str) -> Iterator[Hit]:
        words = {w.lower() for w in _TOKEN.findall(text)}
        for cue in CUES:
            if cue.firsts is not None and words.isdisjoint(cue.firsts):
                continue  # none of its words: the scan would find nothing
            for match in cue.pattern.finditer(text):
                start = match.start()
                if cue.before is None or cue.before.search(text, max(0, start - 48), start):
                    yield from self._names(text, match.end(), cue)
        for match in _NAME_QUESTION.finditer(text):
            lead = _ANSWER_LEAD.match(text, match.end())
            if lead is not None:
                span = name_at(text, lead.end(), lower=True)
                if span is not None:
                    yield span[0], span[1], 0.7
        for pattern, score in ((_DISPLAY_NAME, 0.8), (_BAR_SIGNATURE, 0.6)):
            for match in pattern.finditer(text):
                if _all_name_words(match.group("v")):
                    yield *match.span("v"), score
        labels = [
            (match.span("v"), text[match.start("v") : match.end()]) for match in _SPEAKER_NAME.finditer(text)
        ]
        repeated = {
            label
            for label in (g.strip() for _, g in labels)
            if sum(g.strip() == label for _, g in labels) > 1
        }
        for (start, end), label in labels:  # a chat speaker speaks more than once; a form label does not
            if label.strip() in repeated and _all_name_words(text[start:end]):
                yield start, end, 0.7

    @staticmethod
    def _names(text: str, pos: int, cue: _Cue) -> Iterator[Hit]:
        first = True  # names listed after the first are capitalized (`Wei, Antoine`; not `…, nasc.`)
        while True:
            span = name_at(text, pos, cue.lower and first, cue.closed and not cue.listed, cue.known)
            if span is None:
                return
            if cue.closed and cue.listed and not _NAME_END.match(text, span[1]):
                return
            if cue.after is not None and not cue.after.match(text, span[1]):
                return
            words = text[span[0] : span[1]].split()
            if cue.mixed and not all(any(c.islower() for c in w) for w in words):
                return
            if cue.vetted and not any(w.lower().strip(".") in person_names() for w in words):
                return
            yield span[0], span[1], cue.score
            if not cue.listed or not text.startswith(",", span[1]):
                return
            pos, first = span[1] + 1, False

    def _mentions(self, text: str, found: dict[tuple[int, int], float]) -> Iterator[Hit]:
        words = {
            w
            for start, end in found
            for w in _NAME_WORD.findall(text, start, end)
            if len(w) > 2 and w.lower() not in PARTICLES and w.lower() not in STOP
        }
        for word in words:  # `str.find`, not a pattern compiled per text: every text names others
            at = text.find(word)
            while at >= 0:
                end = at + len(word)
                whole = (at == 0 or not _joins_before(text[at - 1])) and (
                    end == len(text) or not _joins(text[end])
                )
                if whole and not any(s <= at and end <= e for s, e in found):
                    yield at, end, self.mention_score
                at = text.find(word, at + 1)


_NAME_WORD = regex.compile(rf"{_UPPER}|{_LOWER}")


def _joins(char: str) -> bool:
    """`char` continues a word after it (a mention is whole words only)."""
    return char.isalnum() or char in "_@"


def _joins_before(char: str) -> bool:
    return _joins(char) or char == "."


NAMES = NameCueRecognizer()

#: At most this many words a name span grows by (`grow_names`).
GROW_WORDS = 2


def grow_names(spans: list[Span], text: str) -> list[Span]:
    """PERSON spans grown over the name words right after them (`Kerstin` + `Lampe`, `Núria Puig`
    + `i Ferrer`): capitalized words that are no cue or common word, or, after a lower-case name,
    listed lower-case names (`djamila tavares` + `semedo`). Stops at the next span."""
    out: list[Span] = []
    starts = sorted(s.start for s in spans)
    for span in sorted(spans, key=lambda s: s.start):
        if span.entity != entities.PERSON:
            out.append(span)
            continue
        lower = not any(c.isupper() for c in text[span.start : span.end])
        limit = next((start for start in starts if start >= span.end), len(text))
        end = _grown_end(text, span.end, limit, lower)
        out.append(span if end == span.end else Span(span.start, end, span.entity, span.score, span.stage))
    return out


def _grown_end(text: str, end: int, limit: int, lower: bool) -> int:
    cursor, grown, added = end, end, 0
    while added < GROW_WORDS:
        space = _SPACE.match(text, cursor)
        match = _WORD.match(text, space.end()) if space else None
        if match is None or match.end() > limit:
            break
        word = match.group()
        if word.lower() in PARTICLES:
            cursor = match.end()
            continue
        if not (_is_name_word(word, False) if not lower else _is_name_word(word, False, "FL")):
            break
        if word[0].isupper() and lower:
            break
        grown, cursor, added = match.end(), match.end(), added + 1
    return grown
