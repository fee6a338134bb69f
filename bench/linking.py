"""Prints how well and how fast comments without a provider id are linked.

    .venv/bin/python bench/linking.py                  # default demo world, 2000 providers
    .venv/bin/python bench/linking.py --providers 500 --seed 3
    .venv/bin/python bench/linking.py --register ../shared/data/cqc/cqc_locations_2021.csv

On a demo world it reads the truth (truth/comments.csv, true_provider_id) and prints
precision among the comments linked, the share linked, and comments per second, and the
ceiling: how many comments a person could resolve at all from the name as written and the
place. The rest name a provider whose very name another provider in that place (or, with no
place, anywhere) also has, or are shortened to what several providers there share
("Rosedale" in a town with Rosedale House and Rosedale Surgery); no linker should link them.
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
from rapidfuzz import process
from rapidfuzz.distance import OSA

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.linking import ABBREVIATIONS, TYPE_WORDS, Linker  # noqa: E402

_TYPE_ENDINGS = sorted((tuple(t.split()) for t in TYPE_WORDS), key=len, reverse=True)
# Short forms spelt out on both sides ("St" stays: "StBede's" must still meet "St Bede's").
_SPELT = {k: v for k, v in ABBREVIATIONS.items() if k != "st"} | {
    "saint": "st",
    "pract": "practice",
    "homecare": "home care",
    "&": "and",
}


def _flat(text: str) -> str:
    """Lower case, letters and digits only: spacing and punctuation slips vanish."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _words(text: str) -> list[str]:
    """Lower-case words, short forms spelt out."""
    return " ".join(_SPELT.get(w, w) for w in text.lower().split()).split()


def _ways_written(name: str) -> set[str]:
    """The ways a person could write `name` short of a slip: whole, without "The" or the
    type words, or cut to its first words ("Ivy Bank" of Ivy Bank Court), plural."""
    words = _words(name)
    bare = words[1:] if words[:1] == ["the"] and len(words) > 1 else words
    forms = {" ".join(words), " ".join(bare)}
    for ending in _TYPE_ENDINGS:
        if len(bare) > len(ending) and tuple(bare[-len(ending) :]) == ending:
            forms |= {" ".join(bare[: -len(ending)]), " ".join(words[: -len(ending)])}
            break
    forms |= {" ".join(bare[:k]) for k in range(1, len(bare))}
    flat = {_flat(f) for f in forms}
    return flat | {f + "s" for f in flat}


def ceiling(register: pd.DataFrame, rows: pd.DataFrame, truth: pd.Series) -> dict[str, int]:
    """How many rows a person could resolve from name and place, and why the rest cannot be.

    A provider fits a written name if the name is one of its ways written, or one slip (a
    letter dropped, added, changed or swapped) from one. The place narrows to its town,
    local authority or postcode district; no place (or one not in the register) leaves all.
    """
    register = register.reset_index(drop=True)
    ids = register["provider_id"].tolist()
    flat_names = [_flat(n) for n in register["name"]]
    forms: list[str] = []
    owner: list[int] = []
    for i, name in enumerate(register["name"]):
        for f in _ways_written(name):
            forms.append(f)
            owner.append(i)
    places: dict[str, set[int]] = {}
    for col in ("town", "local_authority"):
        for i, v in enumerate(register.get(col, pd.Series([""] * len(register)))):
            places.setdefault(str(v).lower(), set()).add(i)
    for i, pc in enumerate(register.get("postcode", pd.Series([""] * len(register)))):
        places.setdefault(str(pc).lower().split(" ")[0], set()).add(i)
    pools: dict[str, tuple[list[str], list[int]]] = {}
    position = {pid: i for i, pid in enumerate(ids)}
    counts = {"resolvable": 0, "same_name": 0, "shared_short": 0}
    for name, place, true_id in zip(rows["provider_name"], rows["place"], truth, strict=True):
        key = str(place or "").strip().lower()
        members = places.get(key) if key else None
        if key not in pools:
            keep = [k for k, o in enumerate(owner) if members is None or o in members]
            pools[key] = ([forms[k] for k in keep], [owner[k] for k in keep])
        pool_forms, pool_owner = pools[key]
        written = _flat(" ".join(_words(str(name or ""))))
        cutoff = 1 if len(written) >= 5 else 0
        fits = {
            pool_owner[k]
            for _, _, k in process.extract(
                written, pool_forms, scorer=OSA.distance, score_cutoff=cutoff, limit=None
            )
        }
        true = position.get(true_id)
        if true is None or fits <= {true}:
            counts["resolvable"] += 1
        elif any(flat_names[o] == flat_names[true] for o in fits - {true}):
            counts["same_name"] += 1
        else:
            counts["shared_short"] += 1
    return counts


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
        from sources.demo.world import write_demo_world

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
    figures = measure(register, rows, rows["true_provider_id"])
    figures.update(ceiling(register, rows, rows["true_provider_id"]))
    return figures


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
    if "resolvable" in figures:
        n = figures["comments"]
        print(
            f"ceiling:          {figures['resolvable']} ({figures['resolvable'] / n:.1%}) "
            "resolvable from name and place at all; unresolvable: "
            f"{figures['same_name']} ({figures['same_name'] / n:.1%}) name another provider "
            f"in the place (or anywhere, with none) also has, {figures['shared_short']} "
            f"({figures['shared_short'] / n:.1%}) shortened to what several there share"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
