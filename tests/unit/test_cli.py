"""Contract tests of `veilstream detect`, `mask` and `demo` on real files.

The detect output contract (issue 3) is scored by other tools: one output line per input
line, in order; `{"id", "spans": [{"start", "end", "entity_type", "score", "stage"}]}`; a bad
line gets `{"id", "line", "error"}` and a stderr message with its line number, never its content.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from detectors.patterns import contact
from detectors.pipeline import Pipeline
from veilstream.cli import app

#: Personal data planted in bad lines: it must never reach stdout or stderr.
CANARY = "canary.9b1f@example.com"
SPAN_KEYS = ["start", "end", "entity_type", "score", "stage"]
#: An email without a context word scores the recognizer's base score, rounded to 4 places.
EMAIL_SCORE = round(contact.EMAIL.score, 4)


def _jsonl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def _write(tmp_path: Path, content: bytes, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


GOOD = [
    {"id": "a", "text": "Write to ana.ruiz@example.es please."},
    {"id": 2, "text": "No personal data here.", "lang": "en"},
    {"id": None, "text": "Tarjeta 4111 1111 1111 1111, gracias", "lang": "es"},
    {"id": "d", "text": ""},
]


def test_detect_writes_one_line_per_input_line_in_order_with_the_span_contract(tmp_path: Path) -> None:
    path = _write(tmp_path, _jsonl(*GOOD))
    result = _invoke("detect", "--in", str(path), "--no-ner")
    assert result.exit_code == 0, result.stderr
    out = _lines(result.stdout)
    assert [o["id"] for o in out] == ["a", 2, None, "d"]
    assert all(list(o) == ["id", "spans"] for o in out)
    assert out[0]["spans"] == [
        {"start": 9, "end": 28, "entity_type": "EMAIL_ADDRESS", "score": EMAIL_SCORE, "stage": "patterns"}
    ]
    assert out[1]["spans"] == []
    [card] = out[2]["spans"]
    assert list(card) == SPAN_KEYS
    assert (card["start"], card["end"], card["entity_type"]) == (8, 27, "CREDIT_CARD")
    assert isinstance(card["score"], float) and 0.95 <= card["score"] <= 1.0
    assert out[3]["spans"] == []
    assert result.stderr == ""


def test_detect_to_an_output_file_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path, _jsonl(GOOD[0]) + b"\n   \n" + _jsonl(GOOD[1]))
    out_path = tmp_path / "out.jsonl"
    result = _invoke("detect", "-i", str(path), "-o", str(out_path), "--no-ner")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert [o["id"] for o in _lines(out_path.read_text(encoding="utf-8"))] == ["a", 2]


def test_detect_reads_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["detect", "--no-ner"], input=_jsonl(*GOOD[:2]))
    assert result.exit_code == 0
    assert [o["id"] for o in _lines(result.stdout)] == ["a", 2]


@pytest.fixture
def seen_langs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `lang` of every document the pipeline is given."""
    langs: list[str] = []
    original = Pipeline.detect_many

    def spy(self: Pipeline, docs: Any) -> Any:
        langs.extend(d.lang for d in docs)
        return original(self, docs)

    monkeypatch.setattr(Pipeline, "detect_many", spy)
    return langs


@pytest.mark.parametrize(
    ("args", "policy", "expected"),
    [
        ([], None, ["en", "pt"]),
        (["--lang", "de"], None, ["de", "pt"]),
        ([], "tenant: t\ndefault_lang: fr\n", ["fr", "pt"]),
        (["--lang", "es"], "tenant: t\ndefault_lang: fr\n", ["es", "pt"]),  # the flag wins
    ],
)
def test_lang_default_from_flag_then_policy_then_en(
    tmp_path: Path, seen_langs: list[str], args: list[str], policy: str | None, expected: list[str]
) -> None:
    path = _write(tmp_path, _jsonl({"id": 1, "text": "hello"}, {"id": 2, "text": "olá", "lang": "pt"}))
    extra = []
    if policy is not None:
        policy_path = tmp_path / "policy.yaml"
        policy_path.write_text(policy, encoding="utf-8")
        extra = ["--policy", str(policy_path)]
    result = _invoke("detect", "--in", str(path), "--no-ner", *args, *extra)
    assert result.exit_code == 0
    assert seen_langs == expected


BAD_LINES = [
    pytest.param(b'{"id": "x", "text": "' + CANARY.encode() + b'"\n', "malformed JSON", None, id="malformed"),
    pytest.param(_jsonl({"id": "x", "body": CANARY}), "missing or non-string 'text'", "x", id="missing-text"),
    pytest.param(
        _jsonl({"id": "x", "text": 42, "note": CANARY}), "non-string 'text'", "x", id="text-not-str"
    ),
    pytest.param(json.dumps([CANARY]).encode() + b"\n", "expected a JSON object", None, id="not-an-object"),
    pytest.param(
        b'{"id": "x", "text": "\xff\xfe ' + CANARY.encode() + b'"}\n', "not valid UTF-8", None, id="utf8"
    ),
    pytest.param(_jsonl({"id": {"k": CANARY}, "text": "t"}), "'id' must be", None, id="id-object"),
    pytest.param(_jsonl({"id": "x", "text": CANARY, "lang": "EN"}), "'lang' must be", "x", id="bad-lang"),
    pytest.param(
        _jsonl({"id": "x", "text": CANARY + " " + "y" * (10 << 20)}), "line longer than", None, id="10MB-line"
    ),
    # JSON may escape a lone surrogate that no UTF-8 output can carry
    pytest.param(
        b'{"id": "x", "text": "\\ud800 ' + CANARY.encode() + b'"}\n',
        "'text' is not valid",
        "x",
        id="surrogate",
    ),
    pytest.param(
        b'{"id": "\\udfff", "text": "' + CANARY.encode() + b'"}\n',
        "'id' is not valid",
        None,
        id="surrogate-id",
    ),
]


@pytest.mark.parametrize("command", ["detect", "mask"])
@pytest.mark.parametrize(("bad", "reason", "bad_id"), BAD_LINES)
def test_a_bad_line_gets_an_error_object_and_the_run_goes_on(
    tmp_path: Path, bad: bytes, reason: str, bad_id: Any, command: str
) -> None:
    content = _jsonl(GOOD[0]) + bad + _jsonl(GOOD[2])
    path = _write(tmp_path, content)
    result = _invoke(command, "--in", str(path), "--no-ner")
    assert result.exit_code == 1
    out = _lines(result.stdout)
    assert [o["id"] for o in out] == ["a", bad_id, None]
    assert list(out[1]) == ["id", "line", "error"]
    assert out[1]["line"] == 2
    assert reason in out[1]["error"]
    if command == "detect":
        assert "spans" in out[0] and "spans" in out[2]
        assert out[2]["spans"][0]["entity_type"] == "CREDIT_CARD"
    else:
        assert out[2]["text"] == "Tarjeta <CREDIT_CARD>, gracias"
    assert result.stderr.count("\n") == 1
    assert "line 2" in result.stderr
    assert reason in result.stderr
    assert CANARY not in result.stdout
    assert CANARY not in result.stderr
    assert "yyyy" not in result.stdout + result.stderr


def test_several_bad_lines_each_reported_with_its_own_number(tmp_path: Path) -> None:
    content = b"{not json\n" + _jsonl(GOOD[0]) + b"[]\n" + _jsonl({"id": 4})
    result = _invoke("detect", "--in", str(_write(tmp_path, content)), "--no-ner")
    assert result.exit_code == 1
    assert [o.get("line") for o in _lines(result.stdout)] == [1, None, 3, 4]
    assert [line.split(":")[1].strip() for line in result.stderr.splitlines()] == [
        "line 1",
        "line 3",
        "line 4",
    ]


def test_max_line_bytes_option(tmp_path: Path) -> None:
    path = _write(tmp_path, _jsonl({"id": 1, "text": "x" * 200}, {"id": 2, "text": "short"}))
    result = _invoke("detect", "--in", str(path), "--no-ner", "--max-line-bytes", "100")
    assert result.exit_code == 1
    out = _lines(result.stdout)
    assert out[0] == {"id": None, "line": 1, "error": "line longer than 100 bytes"}
    assert out[1] == {"id": 2, "spans": []}


def test_a_text_that_fails_detection_fails_alone(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("tenant: t\ncustom:\n  - {name: BAD, pattern: '(a|a)+$'}\n", encoding="utf-8")
    bad_text = CANARY + " " + "a" * 40 + "!"
    path = _write(tmp_path, _jsonl(GOOD[0], {"id": "bad", "text": bad_text}, GOOD[2]))
    result = _invoke("detect", "--in", str(path), "--policy", str(policy), "--no-ner")
    assert result.exit_code == 1
    out = _lines(result.stdout)
    assert [o["id"] for o in out] == ["a", "bad", None]
    assert out[1]["line"] == 2
    assert "detection failed" in out[1]["error"]
    assert out[0]["spans"] and out[2]["spans"]
    assert CANARY not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (f"tenant: t\nmode: {CANARY}\n", "field 'mode'"),
        ("tenant: t\nentities: {EMAIL: on\n", "syntax error near line"),
        (None, "cannot read policy"),
    ],
)
def test_invalid_policy_exits_2_with_a_clear_message(
    tmp_path: Path, policy: str | None, expected: str
) -> None:
    policy_path = tmp_path / "policy.yaml"
    if policy is not None:
        policy_path.write_text(policy, encoding="utf-8")
    path = _write(tmp_path, _jsonl(*GOOD))
    for command in ("detect", "mask"):
        result = _invoke(command, "--in", str(path), "--policy", str(policy_path), "--no-ner")
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("veilstream: ")
        assert expected in result.stderr
        assert CANARY not in result.stderr


def test_policy_is_applied(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"tenant": "t", "entities": {"EMAIL": False}}), encoding="utf-8")
    path = _write(tmp_path, _jsonl(GOOD[0]))
    result = _invoke("detect", "--in", str(path), "--policy", str(policy), "--no-ner")
    assert result.exit_code == 0
    assert _lines(result.stdout) == [{"id": "a", "spans": []}]


def test_mask_redact_output(tmp_path: Path) -> None:
    records = [
        {"id": 1, "text": "Mail ana@example.com or call (415) 555-2671, card 4111111111111111."},
        {"id": 2, "text": "Nothing to hide."},
    ]
    path = _write(tmp_path, _jsonl(*records) + b"oops\n")
    result = _invoke("mask", "--in", str(path), "--mode", "redact", "--no-ner")
    assert result.exit_code == 1
    out = _lines(result.stdout)
    assert out[0] == {
        "id": 1,
        "text": "Mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>, card <CREDIT_CARD>.",
        "entities": {"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1},
    }
    assert out[1] == {"id": 2, "text": "Nothing to hide.", "entities": {}}
    assert out[2]["line"] == 3
    assert "line 3" in result.stderr


def test_mask_rejects_an_unknown_mode(tmp_path: Path) -> None:
    result = _invoke("mask", "--in", str(_write(tmp_path, _jsonl(*GOOD))), "--mode", "tokenize", "--no-ner")
    assert result.exit_code == 2


def test_demo_prints_masked_samples() -> None:
    result = _invoke("demo", "--texts")
    assert result.exit_code == 0
    assert "<EMAIL_ADDRESS>" in result.stdout
    assert "<CREDIT_CARD>" in result.stdout
    assert "note-1" in result.stdout


def _veilstream() -> list[str]:
    script = Path(sys.executable).with_name("veilstream")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from veilstream.cli import main; main()"]


def test_real_subprocess_detect_from_stdin(tmp_path: Path) -> None:
    content = _jsonl(*GOOD) + b'{"id": "x", "text": "' + CANARY.encode() + b'"\n'
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.run(
        [*_veilstream(), "detect", "--no-ner"], input=content, capture_output=True, timeout=120, env=env
    )
    assert proc.returncode == 1, proc.stderr
    out = _lines(proc.stdout.decode("utf-8"))
    assert [o["id"] for o in out] == ["a", 2, None, "d", None]
    assert out[0]["spans"][0]["entity_type"] == "EMAIL_ADDRESS"
    assert out[4] == {"id": None, "line": 5, "error": out[4]["error"]}
    stderr = proc.stderr.decode("utf-8")
    assert "line 5" in stderr
    assert CANARY.encode() not in proc.stdout + proc.stderr


def test_real_subprocess_all_good_exits_0(tmp_path: Path) -> None:
    path = _write(tmp_path, _jsonl(*GOOD))
    proc = subprocess.run(
        [*_veilstream(), "mask", "--in", str(path), "--no-ner"], capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.decode("utf-8").splitlines()) == len(GOOD)


@pytest.mark.parametrize("command", ["detect", "mask"])
def test_unopenable_input_or_output_is_a_usage_error(tmp_path: Path, command: str) -> None:
    good = _write(tmp_path, _jsonl(*GOOD))
    for args, name in (
        (["--in", str(tmp_path / "absent.jsonl")], "absent.jsonl"),
        (["--in", str(tmp_path)], str(tmp_path)),  # a directory
        (["--in", str(good), "--out", str(tmp_path / "no" / "out.jsonl")], "out.jsonl"),
    ):
        result = _invoke(command, *args, "--no-ner")
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("veilstream: cannot open ")
        assert name in result.stderr


def test_a_leading_byte_order_mark_is_not_an_error(tmp_path: Path) -> None:
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": 1, "text": "mail a@example.com"}).encode() + b"\n")
    result = CliRunner().invoke(app, ["detect", "--in", str(source), "--no-ner"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["spans"][0]["entity_type"] == "EMAIL_ADDRESS"
