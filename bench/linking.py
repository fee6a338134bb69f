"""Prints how well and how fast comments without a provider id are linked.

    .venv/bin/python bench/linking.py                  # default demo world, 2000 providers
    .venv/bin/python bench/linking.py --providers 500 --seed 3
    .venv/bin/python bench/linking.py --register ../shared/data/cqc/cqc_locations_2021.csv

On a demo world it reads the truth (truth/comments.csv, true_provider_id) and prints
precision among the comments linked, the share linked, and comments per second.
With --register (CQC's real 2021 file, ~32,000 locations) it measures speed at national
size: it writes 60,000 names the way people do (misspelt, shortened, type words dropped or
added, place as local authority or postcode district or none) for real locations and links
them; precision there is against the location each name was made from.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.linking import Linker  # noqa: E402


def measure(linker_input: pd.DataFrame, rows: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    """Precision, share linked, build seconds and comments per second for one run."""
    start = time.perf_counter()
    linker = Linker(linker_input)
    built = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    results = linker.link_many(rows)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    chosen = pd.Series([r.provider_id for r in results], index=rows.index)
    linked = chosen.notna()
    correct = (chosen[linked] == truth[linked]).sum()
    return {
        "comments": len(rows),
        "linked": int(linked.sum()),
        "share_linked": float(linked.mean()),
        "precision": float(correct / max(1, linked.sum())),
        "wrong": int(linked.sum() - correct),
        "build_s": built,
        "link_s": seconds,
        "per_s": len(rows) / seconds if seconds else float("inf"),
        "cpu_s": cpu,
    }


def demo_run(providers: int, seed: int, folder: Path | None) -> dict[str, float]:
    """Measures on a demo world (written to a temporary folder unless `folder` is given)."""
    if folder is None:
        from sources.demo import write_demo_world

        folder = Path(tempfile.mkdtemp(prefix="carelens-link-"))
        start = time.perf_counter()
        write_demo_world(folder, providers=providers, seed=seed)
        print(
            f"demo world: {providers} providers, seed {seed}, {time.perf_counter() - start:.1f} s"
        )
    register = pd.read_csv(folder / "providers.csv", dtype=str, keep_default_na=False)
    comments = pd.read_csv(folder / "comments.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(folder / "truth" / "comments.csv", dtype=str, keep_default_na=False)
    rows = comments[comments["provider_id"].str.strip() == ""].merge(
        truth[["comment_id", "true_provider_id"]], on="comment_id", how="left"
    )
    return measure(register, rows, rows["true_provider_id"])


TYPE_WORDS = ("care home", "nursing home", "surgery", "medical practice", "home care", "")


def misspell(word: str, rng: random.Random) -> str:
    """`word` with one letter dropped, doubled or swapped with its neighbour."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap"))
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def written_name(name: str, rng: random.Random) -> str:
    """How a person might write `name`: a typo, a word dropped, a type word changed."""
    words = name.split()
    if len(words) > 2 and rng.random() < 0.3:
        words = words[:-1]
    if rng.random() < 0.4:
        k = rng.randrange(len(words))
        words[k] = misspell(words[k], rng)
    text = " ".join(words)
    if rng.random() < 0.2:
        text = f"{text} {rng.choice(TYPE_WORDS)}".strip()
    return text.lower() if rng.random() < 0.5 else text


def register_run(path: Path, comments: int, seed: int) -> dict[str, float]:
    """Measures speed (and precision against the source) on CQC's real 2021 register."""
    from sources.cqc import convert_cqc_2021

    providers, _, _ = convert_cqc_2021(path)
    rng = random.Random(seed)
    picks = providers.sample(comments, replace=True, random_state=seed)
    places = []
    for la, pc in zip(picks["local_authority"], picks["postcode"], strict=True):
        roll = rng.random()
        places.append(la if roll < 0.6 else (pc.split()[0] if roll < 0.8 else None))
    rows = pd.DataFrame(
        {
            "provider_name": [written_name(n, rng) for n in picks["name"]],
            "place": places,
            "text": [None] * comments,
        }
    )
    return measure(providers, rows, pd.Series(picks["provider_id"].to_numpy(), index=rows.index))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None, help="an existing demo world")
    parser.add_argument("--register", type=Path, default=None, help="CQC 2021 register file")
    parser.add_argument("--comments", type=int, default=60000)
    args = parser.parse_args()
    if args.register:
        figures = register_run(args.register, args.comments, args.seed)
        print(f"real register {args.register.name}: synthetic names for real locations")
    else:
        figures = demo_run(args.providers, args.seed, args.folder)
    print(
        f"comments to link: {figures['comments']}\n"
        f"linked:           {figures['linked']} ({figures['share_linked']:.1%})\n"
        f"precision:        {figures['precision']:.4f} ({figures['wrong']} wrong)\n"
        f"index built in:   {figures['build_s']:.2f} s\n"
        f"linking:          {figures['link_s']:.2f} s, {figures['per_s']:,.0f} comments/s "
        f"({figures['cpu_s']:.2f} s of CPU: the machine is shared)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
