"""Write the person-name word list the name cues read lower-case names with.

    python -m training.names   # writes detectors/patterns/person_names.txt

Given names and surnames of Faker's locales for en/es/fr/de/pt and the foreign locales the NER
corpus uses (`training/ner/lexicon.py`; Faker is MIT-licensed), lower case, each also without its
accents, less every everyday word of the five languages, month and day names and job words
(`mark`, `rose`, `april` stay out). One word per line with its kind: `F` given name, `L` surname.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from training.ner.corpus import LANGS, common_words
from training.ner.lexicon import _raw_lists, _tokens

OUT = Path(__file__).resolve().parents[2] / "detectors" / "patterns" / "person_names.txt"


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def build() -> dict[str, str]:
    raw = _raw_lists()
    everyday = _tokens(w for lang in LANGS for w in common_words(lang)) | raw["calendar"] | raw["job"]
    everyday |= {_folded(w) for w in everyday}
    kinds: dict[str, set[str]] = {}
    for kind, name in (("F", "first"), ("L", "last")):
        for word in raw[name]:
            for form in {word, _folded(word)}:
                if len(form) >= 3 and form.isalpha() and form not in everyday:
                    kinds.setdefault(form, set()).add(kind)
    return {word: "".join(sorted(k)) for word, k in sorted(kinds.items())}


def main() -> None:
    words = build()
    OUT.write_text("".join(f"{w}\t{k}\n" for w, k in words.items()), encoding="utf-8")
    print(f"{len(words)} words -> {OUT.name}")


if __name__ == "__main__":
    main()
