"""The forms an LLM writes tokens in, and what unmask must make of each: one table for every path.

`CASES` is run on the vault directly, through the HTTP API and through the unmask worker
(`test_vault_unmask.py`, `test_vault_api.py`), under a tolerant and a strict unmask policy of
tenant `forms` that reveal PERSON and EMAIL only. Templates name the tokens `prepare` makes:
`{per}` (George Williams), `{email}` (an email-shaped token), `{amp}` (a name with `&` and `'`),
`{addr}` and `{card}` (classes outside the policies), and tokens never issued to `forms`:
`{forged}`, `{mangled}`, `{dropped}`, `{recased}` (one character changed, dropped, re-cased) and
`{other}` (the same name's token in another tenant).
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.policy import Policy
from vault import EMAIL, NUMERIC, Vault
from vault import policies as vault_policies
from vault.principals import Principal

TENANT = "forms"
POLICY = Policy.model_validate(
    {
        "tenant": TENANT,
        "unmask_policies": [
            {"name": "tolerant", "classes": ["PERSON", "EMAIL"], "principals": ["reader"]},
            {
                "name": "strict",
                "classes": ["PERSON", "EMAIL"],
                "principals": ["reader"],
                "token_repair": "strict",
            },
        ],
    }
)
READER = Principal(TENANT, "reader", frozenset({"unmask:*"}))
GW, GE = "George Williams", "george@example.com"
#: Revealed into HTML text it must come out escaped.
AMP, AMP_HTML = "Tom & Jerry O'Neil", "Tom &amp; Jerry O&#x27;Neil"
FORGED = "Q7xZ2kLm9PbT"  # mixed case and digits: token-shaped, never issued


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    text: str
    #: The text the tolerant policy gives back.
    out: str
    #: (fragment, reason) left in the text, in order.
    left: tuple[tuple[str, str], ...] = ()
    #: The fragment revealed by repair: the strict policy leaves it (`not_exact`).
    repaired: str | None = None
    unresolved: tuple[str, ...] = ()

    def expect(self, t: dict[str, str], strict: bool) -> tuple[str, list[tuple[str, str]], list[str]]:
        """(text, leftovers, unresolved) this case must give under the tolerant or strict policy."""
        left = [(frag.format(**t), reason) for frag, reason in self.left]
        unresolved = [u.format(**t) for u in self.unresolved]
        if strict and self.repaired is not None:
            return self.text.format(**t), [(self.repaired.format(**t), "not_exact"), *left], unresolved
        return self.out.format(**t), left, unresolved


def _revealed(id_: str, text: str, out: str, repaired: str | None = None) -> Case:
    return Case(id_, text, out, repaired=repaired)


def _repaired(id_: str, fragment: str, value: str = GW, before: str = "Hi ", after: str = ", thanks") -> Case:
    return Case(id_, before + fragment + after, before + value + after, repaired=fragment)


def _left(
    id_: str, fragment: str, reason: str, unresolved: str | None = None, before: str = "", after: str = ""
) -> Case:
    text = before + fragment + after
    return Case(id_, text, text, ((fragment, reason),), unresolved=(unresolved,) if unresolved else ())


CASES: tuple[Case, ...] = (
    # the exact form, with what already worked around it
    _revealed("exact", "Hi <PER>{per}</PER>, thanks", f"Hi {GW}, thanks"),
    _revealed(
        "exact in bold, quotes, possessive, punctuation",
        '**<PER>{per}</PER>**\'s "<EMAIL>{email}</EMAIL>".',
        f'**{GW}**\'s "{GE}".',
    ),
    _revealed("canonical class name as tag", "<PERSON>{per}</PERSON>", GW),
    _revealed("whole item, bare", "{per}", GW),
    _revealed("whole item, bare email", "  {email}\n", GE),
    # repaired
    _repaired("tag lower case", "<per>{per}</per>"),
    _repaired("tag title case", "<Per>{per}</Per>"),
    _repaired("closing tag in another case", "<PER>{per}</per>"),
    _repaired("spaces inside tags", "< PER >{per}</ PER >"),
    _repaired("spaces around the token", "<PER> {per} </PER>"),
    _repaired("line breaks", "<PER>\n{per}\n</PER>"),
    _repaired("Markdown-escaped tags", "\\<PER\\>{per}\\</PER\\>"),
    _repaired("HTML-escaped tags", "&lt;PER&gt;{per}&lt;/PER&gt;"),
    _repaired("HTML numeric entities", "&#60;PER&#62;{per}&#x3C;/PER&#x3E;"),
    _repaired("closing tag dropped before a full stop", "<PER>{per}", after=". Thanks"),
    _repaired("closing tag dropped at the end", "<PER>{per}", after=""),
    _repaired("slash-less closing tag", "<PER>{per}<PER>"),
    _repaired("closing tag without >", "<PER>{per}</PER", after=""),
    _repaired("closing tag without <", "<PER>{per}/PER>"),
    _repaired("opening tag dropped", "{per}</PER>"),
    _repaired("synonym tag NAME", "<NAME>{per}</NAME>"),
    _repaired("synonym tag, lower case, hyphen", "<full-name>{per}</full-name>"),
    _repaired("bare token in running text", "{per}", before="Dear ", after=", thanks"),
    _repaired("bare token in HTML bold", "{per}", before="<b>", after="</b>"),
    _repaired("email tag lower case", "<email>{email}</email>", GE),
    _repaired("email synonym tag MAIL", "<MAIL>{email}</MAIL>", GE),
    _repaired("email spaces and line break", "< EMAIL >\n{email} </EMAIL>", GE),
    _repaired("email Markdown-escaped", "\\<EMAIL\\>{email}\\</EMAIL\\>", GE),
    _repaired("email HTML-escaped", "&lt;EMAIL&gt;{email}&lt;/EMAIL&gt;", GE),
    _repaired("email closing tag dropped", "<EMAIL>{email}", GE, "Write to ", "."),
    _repaired("email slash-less closing tag", "<EMAIL>{email}<EMAIL>", GE),
    _repaired("bare email token in running text", "{email}", GE, "Write to ", "."),
    _repaired("value HTML-escaped in HTML text", "&lt;PER&gt;{amp}&lt;/PER&gt;", AMP_HTML, "<p>", "</p>"),
    _revealed("value as it is in plain text", "<PER>{amp}</PER> & co", f"{AMP} & co"),
    # refused, listed in unresolved
    _left("forged", "<PER>{forged}</PER>", "unknown_token", "{forged}"),
    _left("one character changed", "<PER>{mangled}</PER>", "unknown_token", "{mangled}"),
    _left("one character dropped", "<PER>{dropped}</PER>", "unknown_token", "{dropped}"),
    _left("one character re-cased", "<PER>{recased}</PER>", "unknown_token", "{recased}"),
    _left("another tenant's token", "<PER>{other}</PER>", "unknown_token", "{other}"),
    _left("changed, in a repaired form", "<per> {mangled}", "unknown_token", "{mangled}"),
    _left("forged, bare in running text", "{forged}", "unknown_token", "{forged}", "Dear ", ", hi"),
    _left("changed, whole item", "{mangled}", "unknown_token", "{mangled}"),
    _left("token under another class's tag", "<EMAIL>{per}</EMAIL>", "class_mismatch", "{per}"),
    _left("email token under a person tag", "<per>{email}</per>", "class_mismatch", "{email}"),
    # withheld by the policy, now reported
    _left("class outside the policy", "<ADDRESS>{addr}</ADDRESS>", "not_allowed", before="in "),
    _left("class outside the policy, lower case", "<card>{card}", "not_allowed"),
    _left("bare token of a class outside the policy", "{card}", "not_allowed", before="card ", after=" ok"),
    # tag-like fragments without a readable token
    Case("empty tags", "<PER></PER>", "<PER></PER>", (("<PER>", "malformed"), ("</PER>", "malformed"))),
    _left("conflicting tags", "<PER>{per}</EMAIL>", "malformed"),
    # no token at all: left alone, nothing reported
    _revealed(
        "words of a token's length",
        "The Construction crew, 202604150930",
        "The Construction crew, 202604150930",
    ),
    _revealed("HTML and comparisons", "<p>a <b>bold</b> 3 < 4 > 2</p>", "<p>a <b>bold</b> 3 < 4 > 2</p>"),
)


def _changed(token: str) -> str:
    return token[:-1] + ("x" if token[-1] != "x" else "y")


def _recased(token: str) -> str:
    i = next(i for i, c in enumerate(token) if c.isalpha())
    return token[:i] + token[i].swapcase() + token[i + 1 :]


async def prepare(vault: Vault) -> dict[str, str]:
    """Apply the policies, tokenize the values; the template fields of `CASES`."""
    async with vault.pool.connection() as conn:
        await vault_policies.apply(conn, vault.keyring, POLICY)
    per, email, addr, card, amp = await vault.tokenize_many(
        TENANT,
        [
            ("PERSON", GW),
            ("EMAIL_ADDRESS", GE, EMAIL),
            ("STREET_ADDRESS", "Washington", NUMERIC),
            ("CREDIT_CARD", "4111111111111111", NUMERIC),
            ("PERSON", AMP),
        ],
    )
    [other] = await vault.tokenize_many("globex", [("PERSON", GW)])
    return {
        "per": per,
        "email": email,
        "addr": addr,
        "card": card,
        "amp": amp,
        "other": other,
        "forged": FORGED,
        "mangled": _changed(per),
        "dropped": per[:-1],
        "recased": _recased(per),
    }


def texts(t: dict[str, str]) -> list[str]:
    return [c.text.format(**t) for c in CASES]


def expected(t: dict[str, str], strict: bool) -> dict[str, tuple[str, list[tuple[str, str]], list[str]]]:
    return {c.id: c.expect(t, strict) for c in CASES}
