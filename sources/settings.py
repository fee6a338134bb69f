"""Every setting Carelens reads from the environment, in one place.

Each is documented in the README. Read them through the functions here, at call time,
so tests can set the environment per test.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder for the default SQLite store, the demo world and the trained text model."""
    return Path(os.environ.get("CARELENS_DATA_DIR", ROOT / "data"))


def database_url() -> str:
    """SQLAlchemy URL of the store: `DATABASE_URL`, default a SQLite file under data_dir()."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'carelens.db'}"


def demo_providers() -> int:
    """How many providers the embedded demo world has (`CARELENS_DEMO_PROVIDERS`)."""
    return int(os.environ.get("CARELENS_DEMO_PROVIDERS", "2000"))


def demo_first_providers() -> int:
    """How many of the demo world's providers the app loads first, so a newcomer can sign in
    while the rest loads behind them (`CARELENS_DEMO_FIRST`; 0 loads the world at once)."""
    return max(0, int(os.environ.get("CARELENS_DEMO_FIRST", "30")))


def demo_seed() -> int:
    """Seed of the embedded demo world (`CARELENS_DEMO_SEED`)."""
    return int(os.environ.get("CARELENS_DEMO_SEED", "1"))


def upload_max_mb() -> int:
    """Largest upload the Data page accepts, in MB (`CARELENS_UPLOAD_MAX_MB`)."""
    return int(os.environ.get("CARELENS_UPLOAD_MAX_MB", "200"))


def voice_reference_path() -> Path:
    """CSV of the mix of people services serve, per region (`CARELENS_VOICE_REFERENCE`)."""
    default = ROOT / "sources" / "reference" / "voices.csv"
    return Path(os.environ.get("CARELENS_VOICE_REFERENCE", default))


def feedback_data_dir() -> Path:
    """Folder holding patient-feedback/ for training the text model (`CARELENS_FEEDBACK_DATA`)."""
    return Path(os.environ.get("CARELENS_FEEDBACK_DATA", ROOT.parent / "shared" / "data"))


def text_model_path() -> Path:
    """The shipped text model file (`CARELENS_TEXT_MODEL`); if unusable, one is trained."""
    default = ROOT / "sources" / "text" / "models" / "text_model.joblib"
    return Path(os.environ.get("CARELENS_TEXT_MODEL", default))


def teacher_readings_path() -> Path:
    """The fine-tuned teacher's readings of the second feedback file that `train-text` learns
    from when the file is there (`CARELENS_TEACHER_READINGS`; written by `teach-text`)."""
    default = ROOT / "sources" / "text" / "models" / "teacher_readings.csv"
    return Path(os.environ.get("CARELENS_TEACHER_READINGS", default))


def static_embedding_path() -> Path:
    """Folder of the static sentence embedding distilled from MiniLM (vectors.npz and
    tokenizer.json), which the serious-concern detector reads with."""
    return ROOT / "sources" / "text" / "models" / "static-minilm"


def concern_model_path() -> Path:
    """The serious-concern detector's file (`python -m sources train-concerns` writes it)."""
    return ROOT / "sources" / "text" / "models" / "concern_model.joblib"


def load_workers() -> int:
    """Processes that read and link comments and notes in a big load (CARELENS_LOAD_WORKERS;
    one per core unless set; 1 works in the loading process itself)."""
    raw = os.environ.get("CARELENS_LOAD_WORKERS", "").strip()
    return max(1, int(raw)) if raw else max(1, os.cpu_count() or 1)


def warm_seconds() -> float:
    """How often the app looks for a new load or scoring to read into its caches before
    anyone asks (`CARELENS_WARM_SECONDS`, default 30; 0 turns the warming off)."""
    return max(0.0, float(os.environ.get("CARELENS_WARM_SECONDS", "30")))
