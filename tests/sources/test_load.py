"""The loader: every contract rule with its exact message, all or nothing, upsert by id."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from sources import load as loader
from sources.__main__ import main
from sources.load import Problem, load_files, load_folder
from sources.load import command as load_command
from sources.load import link as load_link
from sources.load import pool as load_pool
from sources.load import run as load_run
from sources.load import texts as load_texts
from sources.people import audit
from sources.store import EVIDENCE_TABLES, Comment, Load, make_engine

PROVIDERS = (
    "provider_id,name,type,town,capacity,latitude,longitude\n"
    "P1,Oak House,care_home,Oakford,30,51.5,-1.25\n"
    "P2,Elm Surgery,gp_practice,Elmbridge,,,\n"
)
INSPECTIONS = "provider_id,published_on,overall,safe\nP1,2024-05-01,Good,Requires improvement\n"
INCIDENTS = (
    "incident_id,provider_id,occurred_on,harm,category\n"
    "I1,P1,2025-01-02,low,falls\n"
    "I2,P2,2025-01-03,none,medication\n"
)
SAFEGUARDING = (
    "alert_id,provider_id,raised_on,abuse_type,risk_level\nA1,P1,2025-02-01,neglect,high\n"
)
EBE_NOTES = "note_id,provider_id,visit_on,text\nN1,P1,2025-03-01,Residents seemed calm and busy.\n"
COMMENTS = (
    "comment_id,received_on,text,provider_id,provider_name,place,rating\n"
    "C1,2025-04-01,The staff were kind to my mother.,P1,,,5\n"
    "C2,2025-04-02,Nobody came when my dad rang the bell.,,Oak House,Oakford,1\n"
    "C3,2025-04-03,A lovely place.,,Zzyzx Qwerty,Nowhere,\n"
)
WORLD = {
    "providers.csv": PROVIDERS,
    "inspections.csv": INSPECTIONS,
    "incidents.csv": INCIDENTS,
    "safeguarding.csv": SAFEGUARDING,
    "ebe_notes.csv": EBE_NOTES,
    "comments.csv": COMMENTS,
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def snapshot(engine: Engine, tables: tuple = EVIDENCE_TABLES) -> dict[str, list[tuple]]:
    """Every row of `tables` (the evidence), sorted: equal snapshots mean an unchanged store."""
    with engine.connect() as conn:
        return {
            t.__tablename__: sorted(
                (tuple(row) for row in conn.execute(select(t.__table__)).all()), key=repr
            )
            for t in tables
        }


def loads(engine: Engine) -> list[tuple[str, int, int, int]]:
    with engine.connect() as conn:
        query = select(Load.outcome, Load.rows, Load.added, Load.updated).order_by(Load.id)
        return [tuple(r) for r in conn.execute(query).all()]


# One bad file per contract rule: (file, its content, the exact problems printed).
CASES = [
    pytest.param(
        "safeguarding.csv",
        "alert_id,provider_id,raised_on,abuse_type\nA1,P1,2025-02-01,neglect\n",
        ["safeguarding.csv:1: column 'risk_level' = '': required column is missing"],
        id="required column missing, reported once",
    ),
    pytest.param(
        "comments.csv",
        "comment_id,received_on,text\nC1,2025-04-01,   \nC2,2025-04-01,fine\n",
        ["comments.csv:2: column 'text' = '   ': required value is empty"],
        id="required value empty",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,02/01/2025,low\n",
        [
            "incidents.csv:2: column 'occurred_on' = '02/01/2025': "
            "not a date: expected YYYY-MM-DD (a datetime's date part is used)"
        ],
        id="date not ISO",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,2025-02-30,low\n",
        ["incidents.csv:2: column 'occurred_on' = '2025-02-30': not a real calendar date"],
        id="date not in the calendar",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm,reported_on\nI1,P1,2025-01-02,low,soon\n",
        [
            "incidents.csv:2: column 'reported_on' = 'soon': "
            "not a date: expected YYYY-MM-DD (a datetime's date part is used)"
        ],
        id="optional date still typed",
    ),
    pytest.param(
        "providers.csv",
        "provider_id,name,type,latitude\nP1,Oak House,care_home,north\nP2,Elm,gp_practice,\n",
        ["providers.csv:2: column 'latitude' = 'north': not a decimal number"],
        id="decimal",
    ),
    pytest.param(
        "providers.csv",
        "provider_id,name,type,latitude,longitude\nP1,Oak,care_home,95,-1\nP2,Elm,gp_practice,,\n",
        ["providers.csv:2: column 'latitude' = '95': outside -90 to 90"],
        id="latitude range",
    ),
    pytest.param(
        "providers.csv",
        "provider_id,name,type,capacity\nP1,Oak House,care_home,0\nP2,Elm,gp_practice,12.5\n",
        [
            "providers.csv:2: column 'capacity' = '0': not a whole number greater than 0",
            "providers.csv:3: column 'capacity' = '12.5': not a whole number greater than 0",
        ],
        id="capacity integer above 0",
    ),
    pytest.param(
        "comments.csv",
        "comment_id,received_on,text,provider_id,rating\nC1,2025-04-01,ok,P1,6\n",
        ["comments.csv:2: column 'rating' = '6': not a whole number from 1 to 5"],
        id="rating 1 to 5",
    ),
    pytest.param(
        "inspections.csv",
        "provider_id,published_on,overall\nP1,2024-05-01,Very good\n",
        [
            "inspections.csv:2: column 'overall' = 'Very good': "
            "not one of: Outstanding, Good, Requires improvement, Inadequate"
        ],
        id="rating enum",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,2025-01-02,catastrophic\n",
        [
            "incidents.csv:2: column 'harm' = 'catastrophic': "
            "not one of: none, low, moderate, severe, death"
        ],
        id="harm enum",
    ),
    pytest.param(
        "safeguarding.csv",
        "alert_id,provider_id,raised_on,abuse_type,risk_level\nA1,P1,2025-02-01,theft,urgent\n",
        [
            "safeguarding.csv:2: column 'abuse_type' = 'theft': not one of: physical, sexual, "
            "psychological, financial, neglect, discriminatory, organisational, domestic, "
            "modern_slavery, self_neglect",
            "safeguarding.csv:2: column 'risk_level' = 'urgent': not one of: low, medium, high",
        ],
        id="abuse type and risk level enums",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P9,2025-01-02,low\n",
        [
            "incidents.csv:2: column 'provider_id' = 'P9': "
            "unknown provider: not in the store nor in this load's providers.csv"
        ],
        id="unknown provider",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,2025-01-02,low\nI1,P2,2025-01-05,none\n",
        [
            "incidents.csv:3: column 'incident_id' = 'I1': "
            "the same id is already on row 2 of this file"
        ],
        id="duplicate id in a file",
    ),
    pytest.param(
        "inspections.csv",
        "provider_id,published_on,overall\nP1,2024-05-01,Good\nP1,2024-05-01T09:30:00,Good\n",
        [
            "inspections.csv:3: column 'inspection_id' = 'P1:2024-05-01': "
            "the same id is already on row 2 of this file"
        ],
        id="duplicate inspection by provider and date",
    ),
    pytest.param(
        "incidents.csv",
        b"incident_id,provider_id,occurred_on,harm,category\nI1,P1,2025-01-02,low,fall\xe9s\n",
        ["incidents.csv:2: column 'category' = '\\xe9': not UTF-8 text: save the file as UTF-8"],
        id="not UTF-8",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,2025-01-02,low\nI2,P1,2025-01-02,low,x\n",
        [
            "incidents.csv:3: column '' = 'I2,P1,2025-01-02,low,x': "
            "5 values where the header has 4 columns"
        ],
        id="too many values",
    ),
    pytest.param(
        "ebe_notes.csv",
        'note_id,provider_id,visit_on,text\nN1,P1,2025-03-01,"never closed\nN2,P1,2025-03-01,x\n',
        [
            "ebe_notes.csv:2: column '' = '': "
            "not readable as CSV: a quote is opened and never closed"
        ],
        id="quote never closed",
    ),
    pytest.param(
        "incidents.csv",
        "",
        ["incidents.csv:1: column '' = '': the file is empty: the first row must be the header"],
        id="empty file",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm,HARM \nI1,P1,2025-01-02,low,low\n",
        ["incidents.csv:1: column 'harm' = 'HARM': column appears more than once in the header"],
        id="column twice",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm,category\nI1,P1,2025-01-02,low,fa\x00lls\n",
        [
            "incidents.csv:2: column 'category' = 'fa\\x00lls': "
            "contains a NUL character, which no text can hold"
        ],
        id="NUL character",
    ),
    pytest.param(
        "ebe_notes.csv",
        'note_id,provider_id,visit_on,text\nN1,P1,2025-03-01,"First paragraph.\n\nSecond."\n'
        "N2,P1,yesterday,Short.\n",
        [
            "ebe_notes.csv:5: column 'visit_on' = 'yesterday': "
            "not a date: expected YYYY-MM-DD (a datetime's date part is used)"
        ],
        id="row is the line in the file after a multi-line text",
    ),
    pytest.param(
        "incidents.csv",
        "incident_id,provider_id,occurred_on,harm\nI1,P1,2025-01-02,low\n\n   \n"
        "I2,P1,2025-01-02,bad\n",
        ["incidents.csv:5: column 'harm' = 'bad': not one of: none, low, moderate, severe, death"],
        id="row is the line in the file after blank lines",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), CASES)
def test_each_rule_rejects_the_load_with_its_exact_message(
    engine: Engine, tmp_path: Path, name: str, content: str | bytes, expected: list[str]
):
    folder = write(tmp_path / "in", {**WORLD, name: content})
    result = load_folder(engine, folder)
    assert not result.ok
    assert [str(p) for p in result.problems] == expected
    assert result.problem_count == len(expected)
    assert all(rows == [] for rows in snapshot(engine).values())
    assert [(outcome, added) for outcome, _, added, _ in loads(engine)] == [("rejected", 0)]


def test_a_good_world_loads_with_canonical_values(engine: Engine, tmp_path: Path):
    odd = {
        **WORLD,
        "inspections.csv": "provider_id,published_on,overall,safe, Well_Led\n"
        "P1,2024-05-01T10:15:00,good, requires-improvement ,OUTSTANDING\n",
        "safeguarding.csv": "alert_id,provider_id,raised_on,abuse_type,risk_level\n"
        "A1,P1,2025-02-01,Modern Slavery,HIGH\n",
    }
    result = load_folder(engine, write(tmp_path / "in", odd))
    assert result.ok, [str(p) for p in result.problems]
    assert result.added == {
        "providers.csv": 2,
        "inspections.csv": 1,
        "incidents.csv": 2,
        "safeguarding.csv": 1,
        "ebe_notes.csv": 1,
        "comments.csv": 3,
    }
    assert set(result.updated.values()) == {0}
    stored = snapshot(engine)
    inspection = stored["inspection"][0]
    assert inspection[:5] == ("P1:2024-05-01", "P1", inspection[2], "Good", "Requires improvement")
    assert str(inspection[2])[:10] == "2024-05-01"
    assert "Outstanding" in inspection  # ' Well_Led' header matched to well_led
    assert stored["safeguardingalert"][0][3:5] == ("modern_slavery", "high")
    oak = next(r for r in stored["provider"] if r[0] == "P1")
    assert oak[7:10] == (51.5, -1.25, 30)
    assert loads(engine) == [("ok", 10, 10, 0)]


def test_comments_are_read_and_linked(engine: Engine, tmp_path: Path):
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    with engine.connect() as conn:
        rows = {r.comment_id: r for r in conn.execute(select(Comment.__table__)).all()}
    assert (rows["C1"].provider_id, rows["C1"].link_method) == ("P1", "given")
    assert (rows["C2"].provider_id, rows["C2"].link_method) == ("P1", "fuzzy")
    assert 0 < rows["C2"].link_confidence <= 1
    assert (rows["C3"].provider_id, rows["C3"].link_method) == (None, "unlinked")
    assert all(r.sentiment in ("negative", "neutral", "positive") for r in rows.values())
    assert all(-1 <= r.sentiment_score <= 1 for r in rows.values())


def test_a_comment_naming_an_unknown_provider_is_linked_by_name_with_a_warning(
    engine: Engine, tmp_path: Path
):
    comments = "comment_id,received_on,text,provider_id,provider_name,place\n"
    comments += "C1,2025-04-01,Kind staff.,P404,Oak House,Oakford\n"
    result = load_folder(engine, write(tmp_path / "in", {**WORLD, "comments.csv": comments}))
    assert result.ok
    assert result.warnings == [
        "comments.csv: comment 'C1' names provider_id 'P404', which is not a known provider; "
        "linked by its name and place instead"
    ]
    with engine.connect() as conn:
        assert conn.execute(select(Comment.provider_id, Comment.link_method)).one() == (
            "P1",
            "fuzzy",
        )


def test_a_bad_row_in_the_last_file_leaves_every_table_unchanged(engine: Engine, tmp_path: Path):
    assert load_folder(engine, write(tmp_path / "first", WORLD)).ok
    before = snapshot(engine)
    changed = {
        "providers.csv": PROVIDERS.replace("Oak House", "Oak House Care Home"),
        "incidents.csv": INCIDENTS + "I3,P1,2025-01-09,severe,falls\n",
        "comments.csv": COMMENTS + "C4,2025-13-01,Bad date on the last row.,P1,,,\n",
    }
    result = load_folder(engine, write(tmp_path / "second", {**WORLD, **changed}))
    assert [str(p) for p in result.problems] == [
        "comments.csv:5: column 'received_on' = '2025-13-01': not a real calendar date"
    ]
    assert snapshot(engine) == before
    assert [outcome for outcome, *_ in loads(engine)] == ["ok", "rejected"]


def test_loading_the_same_files_twice_changes_nothing(engine: Engine, tmp_path: Path):
    folder = write(tmp_path / "in", WORLD)
    first = load_folder(engine, folder)
    before = snapshot(engine)
    second = load_folder(engine, folder)
    assert first.ok and second.ok
    assert set(second.added.values()) == {0} and set(second.updated.values()) == {0}
    assert snapshot(engine) == before
    assert loads(engine) == [("ok", 10, 10, 0), ("ok", 10, 0, 0)]


def test_a_changed_value_is_an_update_not_a_new_record(engine: Engine, tmp_path: Path):
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    incidents = INCIDENTS.replace("I2,P2,2025-01-03,none", "I2,P2,2025-01-03,moderate")
    result = load_folder(engine, write(tmp_path / "b", {"incidents.csv": incidents}))
    assert (result.added, result.updated) == ({"incidents.csv": 0}, {"incidents.csv": 1})
    assert [r[3] for r in snapshot(engine)["incident"]] == ["low", "moderate"]


def test_evidence_may_name_providers_already_in_the_store(engine: Engine, tmp_path: Path):
    assert load_folder(engine, write(tmp_path / "a", {"providers.csv": PROVIDERS})).ok
    result = load_folder(engine, write(tmp_path / "b", {"incidents.csv": INCIDENTS}))
    assert result.ok and result.added == {"incidents.csv": 2}


def test_a_reload_keeps_what_people_set_on_comments(engine: Engine, tmp_path: Path):
    folder = write(tmp_path / "in", WORLD)
    assert load_folder(engine, folder).ok
    table = Comment.__table__
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.comment_id == "C3")
            .values(provider_id="P2", link_method="person", linked_by="amy")
        )
        conn.execute(update(table).where(table.c.comment_id == "C2").values(serious_seen_by="bo"))
    before = snapshot(engine)
    result = load_folder(engine, folder)
    assert result.ok and result.updated["comments.csv"] == 0
    assert snapshot(engine) == before
    # Even new text on a person-linked comment leaves the person's link alone.
    edited = COMMENTS.replace("A lovely place.", "A lovely place really.")
    assert load_folder(engine, write(tmp_path / "b", {"comments.csv": edited})).ok
    with engine.connect() as conn:
        c3 = conn.execute(select(table).where(table.c.comment_id == "C3")).one()
        c2 = conn.execute(select(table).where(table.c.comment_id == "C2")).one()
    assert (c3.provider_id, c3.link_method, c3.linked_by) == ("P2", "person", "amy")
    assert c3.text == "A lovely place really."
    assert c2.serious_seen_by == "bo"


def test_extra_columns_and_other_files_are_warnings(engine: Engine, tmp_path: Path):
    incidents = "incident_id,provider_id,occurred_on,harm,ward\nI1,P1,2025-01-02,low,B2\n"
    folder = write(tmp_path / "in", {**WORLD, "incidents.csv": incidents, "notes.csv": "a\n1\n"})
    result = load_folder(engine, folder)
    assert result.ok
    assert result.warnings == [
        "notes.csv: not a contract file; ignored",
        "incidents.csv: column 'ward' is not in the contract; ignored",
    ]


def test_bom_and_odd_header_case_and_spacing_load(engine: Engine, tmp_path: Path):
    incidents = "\ufeff Incident_ID ,PROVIDER_ID, Occurred_On,Harm \r\nI1,P1,2025-01-02,Low\r\n"
    files = {"providers.csv": PROVIDERS, "incidents.csv": incidents}
    result = load_folder(engine, write(tmp_path / "in", files))
    assert result.ok, [str(p) for p in result.problems]
    assert [r[:2] + r[3:4] for r in snapshot(engine)["incident"]] == [("I1", "P1", "low")]


def test_load_files_takes_uploaded_bytes(engine: Engine):
    files = {"Providers.csv": PROVIDERS.encode(), "incidents.csv": INCIDENTS.encode("utf-8-sig")}
    result = load_files(engine, files, by="amy")
    assert result.ok and result.added == {"providers.csv": 2, "incidents.csv": 2}
    with engine.connect() as conn:
        assert conn.execute(select(Load.loaded_by, Load.files)).one() == (
            "amy",
            "providers.csv,incidents.csv",
        )


def test_problems_are_listed_in_file_then_row_order_across_files(engine: Engine, tmp_path: Path):
    files = {
        **WORLD,
        "incidents.csv": "incident_id,provider_id,occurred_on,harm\n"
        "I1,P1,x,low\nI2,P9,2025-01-01,y\n",
        "providers.csv": PROVIDERS.replace(",30,", ",-3,"),
    }
    result = load_folder(engine, write(tmp_path / "in", files))
    assert [(p.file, p.row, p.column) for p in result.problems] == [
        ("providers.csv", 2, "capacity"),
        ("incidents.csv", 2, "occurred_on"),
        ("incidents.csv", 3, "provider_id"),
        ("incidents.csv", 3, "harm"),
    ]


def test_a_failure_while_writing_rolls_everything_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real_write = load_run._write
    calls = []

    def failing_write(conn, table, *args, **kwargs):
        calls.append(table.name)
        if table.name == "incident":
            raise RuntimeError("disk full")
        return real_write(conn, table, *args, **kwargs)

    monkeypatch.setattr(load_run, "_write", failing_write)
    result = load_folder(engine, write(tmp_path / "in", WORLD))
    assert calls == ["provider", "inspection", "incident"]
    assert not result.ok and result.failed
    assert [str(p) for p in result.problems] == [
        "(store):0: column '' = '': the load failed and nothing was stored: RuntimeError: disk full"
    ]
    assert all(rows == [] for rows in snapshot(engine).values())
    assert [outcome for outcome, *_ in loads(engine)] == ["failed"]


def test_problem_prints_as_file_row_column_value_message():
    problem = Problem("incidents.csv", 7, "harm", "awful", "not one of: none")
    assert str(problem) == "incidents.csv:7: column 'harm' = 'awful': not one of: none"


def test_cli_loads_and_prints_counts(engine: Engine, tmp_path: Path, capsys):
    folder = write(tmp_path / "in", {"providers.csv": PROVIDERS, "incidents.csv": INCIDENTS})
    assert main(["load", str(folder)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "providers.csv: 2 rows, 2 added, 0 updated",
        "incidents.csv: 2 rows, 2 added, 0 updated",
        "Loaded 2 file(s) as load 1.",
    ]
    assert main(["load", str(folder), "--by", "amy"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "incidents.csv: 2 rows, 0 added, 0 updated"
    # Loads from the command line reach the audit log like the app's, refusals included.
    (folder / "incidents.csv").write_text("incident_id,provider_id,occurred_on,harm\nI9,P1,x,low\n")
    assert main(["load", str(folder), "--by", "amy"]) == 2
    logged = audit.search(engine=engine, action="load")
    assert sorted(zip(logged["username"], logged["detail"], strict=True)) == [
        ("amy", "refused: 1 problem(s)"),
        ("amy", "stored 0 new, 0 updated"),
        ("cli", "stored 4 new, 0 updated"),
    ]


def test_cli_workers_default_to_the_setting_and_can_be_given(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    asked: list[int] = []
    real = loader.load_folder

    def recording(engine, folder, by="cli", progress=None, workers=1):
        asked.append(workers)
        return real(engine, folder, by, progress, workers)

    monkeypatch.setattr(load_command, "load_folder", recording)
    folder = write(tmp_path / "in", {"providers.csv": PROVIDERS})
    monkeypatch.setenv("CARELENS_LOAD_WORKERS", "3")
    assert main(["load", str(folder)]) == 0
    assert main(["load", str(folder), "--workers", "1"]) == 0
    assert asked == [3, 1]


def test_cli_prints_fifty_problems_then_how_many_more_and_exits_2(
    engine: Engine, tmp_path: Path, capsys
):
    rows = "".join(f"I{i},P1,2025-01-02,awful\n" for i in range(60))
    folder = write(
        tmp_path / "in",
        {
            "providers.csv": PROVIDERS,
            "incidents.csv": "incident_id,provider_id,occurred_on,harm\n" + rows,
        },
    )
    assert main(["load", str(folder)]) == 2
    printed = capsys.readouterr()
    lines = printed.err.splitlines()
    assert lines[0] == (
        "incidents.csv:2: column 'harm' = 'awful': not one of: none, low, moderate, severe, death"
    )
    assert len([line for line in lines if line.startswith("incidents.csv:")]) == 50
    assert lines[-2:] == ["... and 10 more problem(s)", "Nothing was stored: 60 problem(s)."]
    assert printed.out == ""
    assert all(rows == [] for rows in snapshot(engine).values())


def test_cli_refuses_a_missing_folder_and_a_folder_without_contract_files(
    engine: Engine, tmp_path: Path, capsys
):
    assert main(["load", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["load", str(tmp_path / "empty")]) == 2
    assert "no contract files found; expected any of: providers.csv" in capsys.readouterr().err


def test_copies_of_one_concern_are_marked_after_a_load(engine: Engine, tmp_path: Path):
    concern = "My mother was left in wet sheets all night and nobody answered her bell at all"
    comments = "comment_id,received_on,text,provider_id,channel\n"
    comments += f"C1,2025-04-01,{concern},P1,phone\n"
    comments += f"C2,2025-04-03,{concern}.,P1,web_form\n"
    comments += "C3,2025-04-03,The garden is lovely and the food is always hot and tasty,P1,\n"
    result = load_folder(engine, write(tmp_path / "in", {**WORLD, "comments.csv": comments}))
    assert result.ok
    with engine.connect() as conn:
        marks = dict(conn.execute(select(Comment.comment_id, Comment.duplicate_of)).all())
    assert marks == {"C1": None, "C2": "C1", "C3": None}


def test_progress_runs_from_checking_to_loaded(engine: Engine, tmp_path: Path):
    seen: list[tuple[float, str]] = []
    folder = write(tmp_path / "in", WORLD)
    assert load_folder(engine, folder, progress=lambda done, what: seen.append((done, what))).ok
    fractions = [done for done, _ in seen]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] == 1.0
    assert seen[0][1] == "checking providers.csv" and seen[-1][1] == "loaded"


def test_unchanged_texts_are_not_read_again(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    read: list[str] = []
    real = loader.read_stored_texts

    def counting(texts: list[str]):
        read.extend(texts)
        return real(texts)

    monkeypatch.setattr(load_texts, "read_stored_texts", counting)
    edited = COMMENTS.replace("A lovely place.", "A cold place.")
    assert load_folder(engine, write(tmp_path / "b", {**WORLD, "comments.csv": edited})).ok
    assert read == ["A cold place."]


def test_many_comments_naming_unknown_providers_give_twenty_warnings_and_a_count(
    engine: Engine, tmp_path: Path
):
    comments = "comment_id,received_on,text,provider_id\n"
    comments += "".join(f"C{i},2025-04-01,Fine.,X{i}\n" for i in range(25))
    result = load_folder(engine, write(tmp_path / "in", {**WORLD, "comments.csv": comments}))
    assert result.ok and len(result.warnings) == 21
    assert result.warnings[-1] == (
        "comments.csv: 5 more comments name an unknown provider_id; linked by name and place "
        "instead"
    )


def test_a_reload_relinks_only_what_changed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    linked: list[str | None] = []
    real = loader.link_comments

    def counting(providers, names, places, texts, progress=None, workers=1):
        linked.extend(names)
        return real(providers, names, places, texts, progress, workers)

    monkeypatch.setattr(load_link, "link_comments", counting)
    assert load_folder(engine, write(tmp_path / "b", WORLD)).ok
    assert linked == []  # same register, same comments: the stored links stand
    moved = COMMENTS.replace("Zzyzx Qwerty,Nowhere", "Elm Surgery,Elmbridge")
    assert load_folder(engine, write(tmp_path / "c", {**WORLD, "comments.csv": moved})).ok
    assert linked == ["Elm Surgery"]
    with engine.connect() as conn:
        c3 = conn.execute(select(Comment.provider_id).where(Comment.comment_id == "C3")).one()
    assert c3 == ("P2",)
    linked.clear()
    grown = PROVIDERS + "P3,Zzyzx Qwerty,care_home,Nowhere,,,\n"
    assert load_folder(engine, write(tmp_path / "d", {**WORLD, "providers.csv": grown})).ok
    assert linked == ["Oak House", "Zzyzx Qwerty"]  # a new register: every name again


def many_comments(n: int) -> str:
    """A comments.csv of n demo comments: even ones name P1, odd ones only a name and place
    (Oak House, Oakford; Elm Surgery, Elmbridge; or no provider at all) for linking."""
    import csv
    import io
    import random

    from sources.demo import words as demo_text

    r = random.Random(4)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["comment_id", "received_on", "text", "provider_id", "provider_name", "place"])
    named = [("Oak House", "Oakford"), ("Elm Surgery", "Elmbridge"), ("Zzyzx", "Nowhere")]
    for i, tone in enumerate(r.choices(["positive", "mixed", "negative"], k=n)):
        text = demo_text.compose_comment(r, "care_home", tone, ["staffing"], None)
        name, place = named[i % 3] if i % 2 else ("", "")
        writer.writerow([f"M{i:03d}", "2025-04-01", text, "" if i % 2 else "P1", name, place])
    return out.getvalue()


def read_and_linked(engine: Engine) -> list[dict]:
    """What the loader read and linked for the M comments, in id order."""
    table = Comment.__table__
    names = [*loader.READING_COLUMNS, "provider_id", "link_method", "link_confidence"]
    query = select(*(table.c[c] for c in names)).where(table.c.comment_id.like("M%"))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(table.c.comment_id)).all()
    return [{**row._asdict(), "serious": bool(row.serious)} for row in rows]  # SQLite: 0/1


def test_a_big_load_reads_and_links_in_worker_processes_as_one_process_would(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    files = {**WORLD, "comments.csv": many_comments(120)}
    monkeypatch.setattr(load_pool, "PARALLEL_ITEMS", 50)  # "big" for a test
    monkeypatch.setattr(load_pool, "TEXT_CHUNK", 10)
    alone = make_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    assert load_folder(alone, write(tmp_path / "in", files)).ok  # workers=1, the default

    started: list[int] = []

    class Recorded(load_pool.ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs) -> None:
            started.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(load_pool, "ProcessPoolExecutor", Recorded)
    assert load_folder(engine, write(tmp_path / "in", files), workers=2).ok
    assert started == [2, 2]  # one pool to read, one to link
    expected = read_and_linked(alone)
    assert read_and_linked(engine) == expected
    methods = {row["link_method"] for row in expected}
    assert methods == {"given", "fuzzy", "unlinked"}  # every path was taken


def test_a_small_load_or_one_worker_reads_texts_here(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no worker process for this")

    monkeypatch.setattr(load_pool, "ProcessPoolExecutor", refuse)
    chunks = [["Kind staff."], ["Cold food."]]
    # 2 texts: fewer than PARALLEL_ITEMS
    assert len(list(load_texts._read_in_order(chunks, 2))) == 2
    monkeypatch.setattr(load_pool, "PARALLEL_ITEMS", 1)
    assert len(list(load_texts._read_in_order(chunks, 1))) == 2


def test_when_a_worker_dies_the_rest_is_read_here(monkeypatch: pytest.MonkeyPatch):
    class Dying:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def map(self, read, chunks):
            yield read(chunks[0])
            raise load_pool.BrokenProcessPool("a worker was killed")

        def shutdown(self, **kwargs) -> None:
            pass

    monkeypatch.setattr(load_pool, "ProcessPoolExecutor", Dying)
    monkeypatch.setattr(load_pool, "PARALLEL_ITEMS", 1)
    chunks = [["Kind staff."], ["Cold food."], ["Nobody came."]]
    got = list(load_texts._read_in_order(chunks, 2))
    assert got == [loader.read_stored_texts(c) for c in chunks]
