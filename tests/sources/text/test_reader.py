"""The text facade: Reading, read_texts, themes with evidence, the model file, and the
`python -m sources text` and `train-text` commands."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd
import pytest

from sources import settings
from sources.__main__ import main
from sources.text import model as model_file
from sources.text import reader as text_module
from sources.text.keywords import prepare as prepare_scan
from sources.text.reader import read_text, read_texts, themes_to_str
from sources.text.reading import Reading
from sources.text.themes import (
    KEY_QUESTIONS,
    THEMES,
    TOPICS,
    lexicon_hits,
    lexicon_themes,
    theme_label,
)
from sources.text.training import sentiment as training

ROOT = Path(__file__).resolve().parents[3]
HAVE_DATA = (settings.feedback_data_dir() / "patient-feedback").is_dir()


def test_theme_names_are_the_store_spelling() -> None:
    assert KEY_QUESTIONS == ("safe", "effective", "caring", "responsive", "well_led")
    assert set(TOPICS) == {
        "staffing",
        "medicines",
        "dignity_respect",
        "environment_cleanliness",
        "food_drink",
        "communication",
        "leadership",
        "abuse_neglect",
        "access_waiting",
    }


def test_every_theme_reads_as_words_on_screen() -> None:
    labels = [theme_label(t) for t in THEMES]
    assert all("_" not in label for label in labels)
    assert len(set(labels)) == len(THEMES)
    assert theme_label("abuse_neglect") == "abuse and neglect"
    assert theme_label("well_led") == "well-led"


def test_a_reading_has_every_field() -> None:
    r = read_text("The night carers are kind but the food is always cold.")
    assert isinstance(r, Reading)
    assert set(r.themes) <= set(THEMES)
    assert set(r.evidence) == set(r.themes)
    assert isinstance(r.serious, bool) and r.serious_terms == ()


def test_order_is_kept_and_blank_text_reads_as_neutral() -> None:
    texts = ["Awful rude staff.", "", None, "   ", "Wonderful caring staff."]
    readings = read_texts(texts)  # type: ignore[arg-type]
    assert len(readings) == 5
    assert readings[0].sentiment == "negative" and readings[4].sentiment == "positive"
    for r in readings[1:4]:
        assert (r.sentiment, r.sentiment_score, r.themes, r.serious) == ("neutral", 0.0, (), False)


def test_themes_join_with_semicolons() -> None:
    assert themes_to_str(("safe", "staffing")) == "safe;staffing"
    assert themes_to_str(()) == ""


@pytest.mark.parametrize(
    ("sentence", "theme"),
    [
        (
            "There are not enough staff at weekends and agency carers do not know the residents.",
            "staffing",
        ),
        ("My dad's tablets were given late again and his MAR chart was wrong.", "medicines"),
        ("Staff knock before coming in and always protect her privacy.", "dignity_respect"),
        ("The lounge smells of urine and the bathroom is dirty.", "environment_cleanliness"),
        ("The residents get a choice of hot meals and plenty of drinks.", "food_drink"),
        ("Nobody phoned us when mum was taken to hospital.", "communication"),
        ("The registered manager never replies to emails.", "leadership"),
        (
            "I waited three weeks for a GP appointment and the receptionist was unhelpful.",
            "access_waiting",
        ),
        ("The call bell was out of reach all night.", "safe"),
        ("The new manager has turned the home around, it is well run now.", "well_led"),
    ],
)
def test_care_home_and_gp_sentences_get_their_theme_with_evidence(
    sentence: str, theme: str
) -> None:
    prefix = "We visit every week. "
    r = read_text(prefix + sentence)
    assert theme in r.themes
    assert r.evidence[theme] in (prefix + sentence)
    assert r.evidence[theme] != prefix.strip()  # the carrying sentence, not the first one


def test_topics_imply_their_key_question() -> None:
    r = read_text("The home is always short staffed.")
    assert "staffing" in r.themes and "safe" in r.themes


def test_batch_lexicon_scan_agrees_with_sentence_by_sentence() -> None:
    sentences = ["The food was cold", "Short staffed again", "Nothing", "Clean rooms, rude manager"]
    hits = lexicon_hits(prepare_scan(sentences))
    by_sentence = [sorted(t for t, idx in hits.items() if i in idx) for i in range(4)]
    assert by_sentence == [sorted(lexicon_themes(s)) for s in sentences]


def test_text_command_writes_one_row_per_text(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {"id": ["c1", "c2"], "text": ["Lovely caring staff.", "A carer slapped my mother."]}
    ).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["text", "--in", str(src), "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert result.columns.tolist() == [
        "id",
        "sentiment",
        "sentiment_score",
        "themes",
        "serious",
        "serious_terms",
        "concern_kinds",
        "concern_confidence",
        "concern_sentence",
    ]
    assert result["id"].tolist() == ["c1", "c2"]
    assert result["sentiment"].tolist() == ["positive", "negative"]
    assert result["serious"].tolist() == ["False", "True"]
    assert result["concern_kinds"].iloc[0] == "" and float(result["concern_confidence"][0]) == 0
    assert result["concern_kinds"].iloc[1].split(";")[0] == "physical"
    assert 0.5 < float(result["concern_confidence"].iloc[1]) <= 1
    assert result["concern_sentence"].iloc[1] == "A carer slapped my mother."
    assert "abuse_neglect" in result["themes"].iloc[1].split(";")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,comment\nc1,hello\n", "column 'text' missing"),
        ("text\nhello\n", "column 'id' missing"),
        ("id,text\n,hello\n", ":2: column 'id' is empty"),
        ("", "empty file"),
    ],
)
def test_text_command_names_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(content)
    assert main(["text", "--in", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert str(src) in err and message in err
    assert not (tmp_path / "o.csv").exists()


def test_a_model_file_of_another_version_is_not_used(tmp_path: Path) -> None:
    shipped = model_file.usable_model(settings.text_model_path())
    assert shipped is not None, "the repository ships a usable model"
    old = tmp_path / "old.joblib"
    shipped.version = "carelens-text-0"
    try:
        joblib.dump(shipped, old)
    finally:
        shipped.version = model_file.MODEL_VERSION
    assert model_file.usable_model(old) is None
    assert model_file.usable_model(tmp_path / "missing.joblib") is None


@pytest.mark.skipif(not HAVE_DATA, reason="shared feedback data not present")
def test_train_command_writes_a_versioned_model_the_app_falls_back_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite's one training run (a 400-comment subsample).
    out = tmp_path / "model.joblib"
    args = argparse.Namespace(data_dir=None, out=out, sample=400)
    assert training.run_train_command(args) == 0
    printed = capsys.readouterr().out
    for name in (
        "Carelens (stacked)",
        "TF-IDF + LR (plain)",
        "word+char TF-IDF + LR",
        "VADER",
        "recall neu",
        "key questions macro-F1",
        "topics micro-F1",
    ):
        assert name in printed
    trained = model_file.usable_model(out)
    assert trained is not None and trained.version == model_file.MODEL_VERSION
    assert trained.trained_on["first_file"] == 400
    # The shipped teacher readings of the sampled second-file comments were learnt from,
    # and of the three shortened copies of each sampled training comment.
    assert trained.trained_on["teacher_readings"] >= trained.trained_on["second_file"]
    assert 2.9 * 400 <= trained.trained_on["teacher_readings_of_training"] <= 3 * 400
    assert "Learnt from" in printed

    # No usable shipped file: the app trains one into the data folder, showing progress
    # (training itself is the run above, not repeated).
    monkeypatch.setenv("CARELENS_TEXT_MODEL", str(tmp_path / "none.joblib"))
    monkeypatch.setenv("CARELENS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(text_module, "_loaded", None)
    calls: list[Path] = []

    def train(data_dir: Path, progress: text_module.Progress) -> tuple[object, None]:
        calls.append(data_dir)
        progress(0.0, "start")
        progress(1.0, "done")
        return trained, None

    monkeypatch.setattr(text_module, "train_model", train)
    seen: list[tuple[float, str]] = []
    assert text_module.load_model(lambda f, m: seen.append((f, m))) is trained
    assert calls == [settings.feedback_data_dir()]
    assert seen == [(0.0, "start"), (1.0, "done")]
    saved = tmp_path / "data" / "text_model.joblib"
    assert model_file.usable_model(saved) is not None

    # Next start: the saved file is used, nothing is trained again.
    monkeypatch.setattr(text_module, "_loaded", None)
    assert text_module.load_model().trained_on == trained.trained_on
    assert len(calls) == 1


def test_a_loader_worker_imports_the_reader_alone() -> None:
    # A spawned worker imports the module of the function it runs: the reader, not the
    # loader, the store or SQLAlchemy (0.7 s more of every worker's start).
    from sources.load import texts

    assert texts.read_stored_texts.__module__ == "sources.text.reader"
    probe = (
        "import sys, sources.text.reader; "
        "print(sorted(m for m in ('sources.load', 'sources.store', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"
