"""Seeded inputs of the pipeline benchmark: CDC events of `contacts` and support messages."""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from faker import Faker

TENANT = "acme"
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES"]
#: Every column of `contacts` has a field rule: PII columns are tokenized whole, the rest kept.
CONTACT_RULES = {
    "id": "keep",
    "full_name": "PERSON",
    "email": "EMAIL",
    "phone": "PHONE",
    "company": "keep",
    "city": "keep",
    "country": "keep",
    "status": "keep",
    "segment": "keep",
    "created_at": "keep",
    "updated_at": "keep",
}
POLICY = {
    "tenant": TENANT,
    "version": "1",
    "fields": {f"contacts.{column}": rule for column, rule in CONTACT_RULES.items()},
    "custom": [{"name": "ORDER_ID", "pattern": r"\bORD-[0-9]{8}\b", "context": ["order"], "score": 0.7}],
}
OPENERS = ("Hi, this is {name}.", "Hello,", "Good morning, {name} here.", "Hi team,", "Dear support,")
BODIES = (
    "Please refund order {order} to my account {iban}.",
    "My card {card} was charged twice for order {order}.",
    "I moved to {address}; please update my delivery address.",
    "You can call me back on {phone} after 5pm.",
    "My login email is {email} but the reset link never arrives.",
    "The app crashes every time I open the invoices page.",
    "Could you tell me when order {order} will ship?",
    "I was promised a discount code last week and never received it.",
)
CLOSERS = ("Thanks!", "Regards, {name}", "Please reply to {email}.", "Cheers.", "Best, {name}")

#: topic, key, value, headers, partition (None: the producer's partitioner picks)
Record = tuple[str, bytes | None, bytes | None, tuple[tuple[str, bytes], ...], int | None]


@dataclass(slots=True)
class Person:
    name: str
    email: str
    phone: str
    company: str
    city: str
    country: str
    iban: str = ""
    card: str = ""
    address: str = ""


class Corpus:
    """Seeded CDC events and support messages; a share `repeat` of them reuse an earlier person.

    CDC: 1 - repeat of the events are inserts (`op: c`) of a new contact, the rest updates
    (`op: u`, `before: null` as Debezium sends with Postgres' default replica identity) of an
    earlier contact, so that share of the PII values repeat. Messages: the same share come from a
    customer who wrote before (same name, email, phone, IBAN, card, address).
    """

    def __init__(self, seed: int, repeat: float) -> None:
        self.rnd = random.Random(seed)
        self.repeat = repeat
        self.fakers = [Faker(loc) for loc in LOCALES]
        for i, fake in enumerate(self.fakers):
            fake.seed_instance(seed + i)
        self._ids = 0

    def _person(self, full: bool) -> Person:
        fake = self.rnd.choice(self.fakers)
        person = Person(
            fake.name(), fake.email(), fake.phone_number(), fake.company(), fake.city(), fake.country_code()
        )
        if full:
            person.iban = fake.iban()
            person.card = fake.credit_card_number()
            person.address = fake.address().replace("\n", ", ")
        return person

    def _pick(self, people: list[Person], full: bool) -> tuple[int, Person, bool]:
        if people and self.rnd.random() < self.repeat:
            index = self.rnd.randrange(len(people))
            return index, people[index], True
        people.append(self._person(full))
        return len(people) - 1, people[-1], False

    def contacts(self, n: int, topic: str) -> list[Record]:
        people: list[Person] = []
        out: list[Record] = []
        base_ms = 1_760_000_000_000
        for i in range(n):
            cid, person, repeated = self._pick(people, full=False)
            ts = base_ms + i * 37
            row = {
                "id": 100_000 + cid,
                "full_name": person.name,
                "email": person.email,
                "phone": person.phone,
                "company": person.company,
                "city": person.city,
                "country": person.country,
                "status": self.rnd.choice(("active", "lead", "churned")),
                "segment": self.rnd.choice(("smb", "mid-market", "enterprise")),
                "created_at": f"2025-10-09T08:{cid // 60 % 60:02d}:{cid % 60:02d}Z",
                "updated_at": ts,
            }
            event = {
                "before": None,
                "after": row,
                "source": {
                    "version": "2.7.3.Final",
                    "connector": "postgresql",
                    "name": "crm",
                    "ts_ms": ts,
                    "db": "crm",
                    "schema": "public",
                    "table": "contacts",
                    "txId": 7000 + i,
                    "lsn": 24_000_000 + i * 512,
                },
                "op": "u" if repeated else "c",
                "ts_ms": ts + 3,
            }
            key = json.dumps({"id": row["id"]}).encode()
            out.append(
                (topic, key, json.dumps(event).encode(), (("veilstream-tenant", TENANT.encode()),), None)
            )
        return out

    def messages(self, n: int, topic: str, prefix: str = "m") -> list[Record]:
        people: list[Person] = []
        out: list[Record] = []
        for i in range(n):
            cid, p, _ = self._pick(people, full=True)
            values = {
                "name": p.name,
                "email": p.email,
                "phone": p.phone,
                "iban": p.iban,
                "card": p.card,
                "address": p.address,
                "order": f"ORD-{self.rnd.randrange(10**8):08d}",
            }
            parts = [self.rnd.choice(OPENERS), *self.rnd.sample(BODIES, 2), self.rnd.choice(CLOSERS)]
            body = {
                "message_id": f"{prefix}{i}",
                "tenant_id": TENANT,
                "channel": "web_widget",
                "conversation_id": f"conv-{cid}",
                "text": " ".join(parts).format(**values),
                "lang": "en",
                "ts": "2025-10-09T10:00:00Z",
            }
            out.append((topic, body["conversation_id"].encode(), json.dumps(body).encode(), (), None))
        return out


def mean_size(records: Sequence[Record]) -> float:
    return statistics.fmean(len(r[2] or b"") for r in records) if records else 0.0
