"""Profiles of generated files with planted defects, counted exactly, in every format."""

from __future__ import annotations

import csv
import json
import threading
from datetime import UTC, datetime, timedelta

import duckdb
import openpyxl
import pytest

from market.valuation import profiling, sheets
from market.valuation.profiling import (
    CrossFieldRule,
    DeclaredSchema,
    FieldRule,
    ProfileError,
    detect_encoding,
    profile_file,
)

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
COLUMNS = ["id", "code", "名称", "city", "amount", "start", "end", "updated"]
CITIES = ("深圳", "广州", "上海", "北京")
SCHEMA = DeclaredSchema(
    fields=(
        FieldRule("id", "integer"),
        FieldRule("code", "string", pattern="[A-Z]{2}[0-9]{4}"),
        FieldRule("名称", "string"),
        FieldRule("city", "string", values=CITIES),
        FieldRule("amount", "number", minimum="0", maximum="100000"),
        FieldRule("start", "date"),
        FieldRule("end", "date"),
        FieldRule("updated", "date"),
    ),
    key=("id",),
    rules=(CrossFieldRule("start", "<=", "end"),),
    timestamp_field="updated",
    update_frequency_days=7,
)
ROWS = 1000
PLANTED = {
    "missing_name": range(10, 17),  # 7 empty names
    "bad_amount": range(20, 25),  # 5 amounts that are not numbers
    "negative_amount": range(30, 34),  # 4 amounts below the minimum
    "bad_city": range(40, 43),  # 3 cities outside the allowed values
    "bad_code": range(50, 54),  # 4 codes not matching the pattern
    "reversed": range(60, 63),  # 3 rows whose start is after their end
    "repeated_id": range(70, 72),  # 2 rows reusing an earlier id, different content
}
DUPLICATES = range(100, 106)  # 6 exact copies of clean rows appended


def rows() -> list[list[str]]:
    """The generated table, defects planted at known rows; the newest update is 10 days old."""
    table = []
    for i in range(ROWS):
        start = datetime(2026, 1, 1) + timedelta(days=i % 90)
        row = {
            "id": str(i),
            "code": f"SZ{i:04d}",
            "名称": f"数据集{i}",
            "city": CITIES[i % 4],
            "amount": f"{(i * 37) % 50000}.5",
            "start": start.date().isoformat(),
            "end": (start + timedelta(days=30)).date().isoformat(),
            "updated": (NOW - timedelta(days=10 + i % 50)).date().isoformat(),
        }
        if i in PLANTED["missing_name"]:
            row["名称"] = ""
        if i in PLANTED["bad_amount"]:
            row["amount"] = "一千"
        if i in PLANTED["negative_amount"]:
            row["amount"] = "-5"
        if i in PLANTED["bad_city"]:
            row["city"] = "东京"
        if i in PLANTED["bad_code"]:
            row["code"] = f"sz-{i}"
        if i in PLANTED["reversed"]:
            row["start"], row["end"] = row["end"], row["start"]
        if i in PLANTED["repeated_id"]:
            row["id"] = str(i - 60)
        table.append([row[name] for name in COLUMNS])
    return table + [table[i] for i in DUPLICATES]


def write_delimited(path, delimiter=",", encoding="utf-8", malformed=0):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(COLUMNS)
        for index, row in enumerate(rows()):
            writer.writerow(row)
            if index < malformed:
                writer.writerow([*row, "an extra cell"])
    return path


def check_counts(profile, malformed=0):
    fields = {f.name: f for f in profile.fields}
    assert profile.rows == ROWS + len(DUPLICATES)
    assert profile.malformed_rows == malformed
    assert fields["名称"].missing == 7
    assert sum(f.missing for f in profile.fields) == 7
    assert fields["amount"].nonconforming == 5
    assert fields["amount"].invalid == 4
    assert fields["city"].invalid == 3
    assert fields["code"].nonconforming == 4
    assert sum(f.nonconforming for f in profile.fields) == 9
    assert sum(f.invalid for f in profile.fields) == 7
    assert profile.rule_violations == [3]
    assert profile.duplicate_rows == 6
    assert profile.duplicate_keys == 6 + 2
    assert profile.age_days == 10
    n = ROWS + len(DUPLICATES)
    assert profile.scores["completeness"] == pytest.approx(1 - 7 / (n * 8))
    assert profile.scores["conformance"] == pytest.approx(
        1 - (9 + malformed * 8) / ((n + malformed) * 8)
    )
    # checked: amounts that parse (n − 5) and every city (n)
    assert profile.scores["accuracy"] == pytest.approx(1 - 7 / ((n - 5) + n))
    assert profile.scores["consistency"] == pytest.approx(1 - (6 + 8 + 3) / (n * 3))
    assert profile.scores["timeliness"] == pytest.approx(1 - 3 / 14)
    assert profile.scores["accessibility"] == 1.0


def profile(path, file_format, **options):
    return profile_file(path, file_format, SCHEMA, now=NOW, documented=True, **options)


def test_utf8_csv_with_malformed_lines(tmp_path):
    path = write_delimited(tmp_path / "data.csv", malformed=2)
    result = profile(path, "csv")
    assert result.encoding == "utf-8"
    check_counts(result, malformed=2)


def test_gbk_csv_is_detected_and_read(tmp_path):
    path = write_delimited(tmp_path / "data.csv", encoding="gbk")
    assert detect_encoding(path) == "gb18030"
    result = profile(path, "csv")
    assert result.encoding == "gb18030"
    assert "名称" in result.columns
    check_counts(result)


@pytest.mark.parametrize(("name", "delimiter"), [("data.csv", ","), ("data.tsv", "\t")])
def test_gbk_rows_with_the_wrong_number_of_cells_are_counted(tmp_path, name, delimiter):
    # DuckDB reads a GBK file from a pipe, not a file: its rejects must count the same.
    path = write_delimited(tmp_path / name, delimiter, encoding="gbk", malformed=2)
    result = profile(path, name.rsplit(".", 1)[1])
    assert result.encoding == "gb18030"
    check_counts(result, malformed=2)


def test_short_gbk_file_is_not_taken_for_big5(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes("id,city\n1,北京\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def _stations(encoding: str, names: list[str], rows: int = 300) -> bytes:
    lines = [",".join(names[:3])] + [
        f"S{i:04d},{names[3 + i % (len(names) - 3)]},{i * 37 % 9000}" for i in range(rows)
    ]
    return "\n".join(lines).encode(encoding) + b"\n"


CHINESE = ["站点编号", "站点名称", "客流人次", "南山站", "龙华站", "华强北", "车公庙", "福田口岸"]


def test_a_gbk_file_with_a_few_corrupt_bytes_is_not_taken_for_cyrillic(tmp_path):
    # Four stray bytes in a GBK export: the detector alone reads it as ISO 8859-5 and the
    # profile would score gibberish columns as fine. It is GB18030, refused at those bytes.
    good = _stations("gbk", CHINESE)
    middle = good.index(b"\n", len(good) // 2) + 1
    path = tmp_path / "stations.csv"
    path.write_bytes(good[:middle] + b"\xff\xfe\x80\x81" + good[middle:])
    assert detect_encoding(path) == "gb18030"
    with pytest.raises(ProfileError) as raised:
        profile_file(path, "csv", now=NOW, documented=True)
    assert raised.value.field == "file"
    assert raised.value.params == {"encoding": "gb18030", "offset": middle}


@pytest.mark.parametrize(
    ("encoding", "names"),
    [
        ("cp1251", ["Код", "Станция", "Пассажиры", "Москва", "Казань", "Новосибирск", "Омск"]),
        ("koi8_r", ["Код", "Станция", "Пассажиры", "Москва", "Казань", "Новосибирск", "Омск"]),
        ("latin_1", ["Code", "Gare", "Fréquentation", "Orléans", "Besançon", "Nîmes", "Sète"]),
        ("iso8859_7", ["Κωδικός", "Σταθμός", "Επιβάτες", "Αθήνα", "Πειραιάς", "Λάρισα", "Βόλος"]),
    ],
)
def test_single_byte_files_are_not_taken_for_gb18030(tmp_path, encoding, names):
    path = tmp_path / "stations.csv"
    path.write_bytes(_stations(encoding, names))
    # Not GB18030, which would read nearly any byte pair as a Chinese character (the detector
    # may name a sibling code page of the same letters).
    assert detect_encoding(path) not in profiling.GB_ENCODINGS


def test_tsv(tmp_path):
    check_counts(profile(write_delimited(tmp_path / "data.tsv", delimiter="\t"), "tsv"))


def test_json_lines(tmp_path):
    path = tmp_path / "data.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in rows():
            handle.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False))
            handle.write("\n")
    check_counts(profile(path, "jsonl"))


def test_parquet(tmp_path):
    source = write_delimited(tmp_path / "data.csv")
    path = tmp_path / "data.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT * FROM read_csv('{source}', all_varchar=true)) TO '{path}'"
        )
    check_counts(profile(path, "parquet"))


@pytest.mark.parametrize(
    "cells_in_memory", [sheets.CELLS_IN_MEMORY, 0], ids=["calamine", "openpyxl"]
)
def test_xlsx(tmp_path, monkeypatch, cells_in_memory):
    monkeypatch.setattr(sheets, "CELLS_IN_MEMORY", cells_in_memory)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(COLUMNS)
    for row in rows():
        sheet.append(row)
    path = tmp_path / "data.xlsx"
    workbook.save(path)
    check_counts(profile(path, "xlsx"))


@pytest.mark.parametrize(
    "cells_in_memory", [sheets.CELLS_IN_MEMORY, 0], ids=["calamine", "openpyxl"]
)
def test_xlsx_values_read_alike_by_either_reader(tmp_path, monkeypatch, cells_in_memory):
    monkeypatch.setattr(sheets, "CELLS_IN_MEMORY", cells_in_memory)
    workbook = openpyxl.Workbook()
    workbook.active.append(["n", "x", "day", "at", "flag", "text"])
    workbook.active.append(
        [7, 7.25, datetime(2026, 5, 1), datetime(2026, 5, 1, 8, 30), True, "深圳"]
    )
    workbook.active.append([None, -3, None, None, False, ""])
    workbook.save(tmp_path / "values.xlsx")
    sheets.xlsx_to_csv(tmp_path / "values.xlsx", tmp_path / "values.csv")
    lines = (tmp_path / "values.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "n,x,day,at,flag,text"
    assert lines[1] in (
        "7,7.25,2026-05-01T00:00:00,2026-05-01T08:30:00,True,深圳",
        "7,7.25,2026-05-01,2026-05-01T08:30:00,True,深圳",  # calamine: a date at midnight
    )
    assert lines[2] == ",-3,,,False,"


def test_the_box_calamine_would_hold_spans_every_placed_cell(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["B2"] = 1
    workbook.active["D5"] = 2
    workbook.save(tmp_path / "sparse.xlsx")
    assert sheets.sheet_cells(tmp_path / "sparse.xlsx") == 3 * 4
    # Cells a million rows apart: a dense box of 15 million cells, left to openpyxl.
    workbook.active["P1000000"] = 3
    workbook.save(tmp_path / "far.xlsx")
    assert sheets.sheet_cells(tmp_path / "far.xlsx") == 15 * 999_999 > sheets.CELLS_IN_MEMORY
    assert sheets.sheet_cells(tmp_path / "missing.xlsx") is None


def test_a_small_memory_limit_still_profiles(tmp_path):
    path = write_delimited(tmp_path / "data.csv")
    check_counts(profile(path, "csv", memory_limit="64MB", threads=1, work_dir=tmp_path))


def test_without_a_schema_only_structure_is_measured(tmp_path):
    path = write_delimited(tmp_path / "data.csv")
    result = profile_file(path, "csv", now=NOW, documented=False)
    assert result.scores["timeliness"] is None
    assert result.scores["accessibility"] == pytest.approx(2 / 3)
    assert result.duplicate_rows == 6
    assert result.overall == pytest.approx(
        sum(s for s in result.scores.values() if s is not None) / 5
    )
    assert 0 < result.coefficient <= 1


@pytest.mark.parametrize(
    ("content", "file_format", "field"),
    [
        ("编号,名称\n1,深圳\n".encode("gbk") + b"\x81\x20\n", "csv", "file"),
        (b"\x00\x01\x02binary", "csv", "file"),
        (b"not parquet at all", "parquet", "file"),
        (b"PK\x03\x04broken", "xlsx", "file"),
        (b'{"a": 1}\n{"a": \n', "jsonl", "file"),
        (b"a,b\n1,2\n", "docx", "file_format"),
    ],
)
def test_unreadable_files_are_refused_naming_the_field(tmp_path, content, file_format, field):
    path = tmp_path / f"bad.{file_format}"
    path.write_bytes(content)
    with pytest.raises(ProfileError) as raised:
        profile_file(path, file_format, now=NOW, documented=True)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        (DeclaredSchema(fields=(FieldRule("a", "money"),)), "schema.fields.0.type"),
        (DeclaredSchema(fields=(FieldRule("a", pattern="(unclosed"),)), "schema.fields.0.pattern"),
        (
            DeclaredSchema(fields=(FieldRule("a", "integer", minimum="x"),)),
            "schema.fields.0.minimum",
        ),
        (DeclaredSchema(fields=(FieldRule("a"),), key=("b",)), "schema.key.0"),
        (
            DeclaredSchema(fields=(FieldRule("a"),), rules=(CrossFieldRule("a", "<", "z"),)),
            "schema.rules.0.right",
        ),
        (
            DeclaredSchema(fields=(FieldRule("a"),), rules=(CrossFieldRule("a", ";", "a"),)),
            "schema.rules.0.op",
        ),
        (
            DeclaredSchema(fields=(FieldRule("a", "date"),), timestamp_field="a"),
            "schema.update_frequency_days",
        ),
        (
            DeclaredSchema(
                fields=(FieldRule("a", "integer"), FieldRule("b")),
                rules=(CrossFieldRule("a", "<", "b"),),
            ),
            "schema.rules.0.right",
        ),
        (
            DeclaredSchema(
                fields=(FieldRule("a", "date"), FieldRule("b", "number")),
                rules=(CrossFieldRule("a", "<=", "b"),),
            ),
            "schema.rules.0.right",
        ),
    ],
)
def test_a_bad_schema_names_the_field(tmp_path, schema, field):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ProfileError) as raised:
        profile_file(path, "csv", schema, now=NOW, documented=True)
    assert raised.value.field == field


def test_hostile_column_names_are_quoted(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('"a""; DROP TABLE x; --",b\n1,2\n1,2\n')
    schema = DeclaredSchema(fields=(FieldRule('a"; DROP TABLE x; --', "integer"),))
    result = profile_file(path, "csv", schema, now=NOW, documented=True)
    assert result.duplicate_rows == 1
    assert result.fields[0].nonconforming == 0


def test_running_out_of_memory_is_not_blamed_on_the_file(tmp_path):
    path = tmp_path / "big.csv"
    line = "{0},站点{0},福田,{0}.5,2026-06-{1:02d}\n"
    text = "id,station,district,amount,day\n" + "".join(
        line.format(i, i % 28 + 1) for i in range(200_000)
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        profile(path, "csv", memory_limit="1MB", work_dir=tmp_path)
    assert raised.value.field == "file"
    assert raised.value.message == profiling.OUT_OF_MEMORY


def test_duplicate_rows_and_keys_are_counted_exactly_with_empty_cells(tmp_path):
    # Rows are compared by their 64-bit hash first: rows that differ only by an empty cell, or
    # by which column holds a value, must not count as duplicates; true repeats must.
    path = tmp_path / "data.csv"
    rows = ["a,b,c", "1,,x", "1,,x", "1,x,", ",1,x", "1,,x", "2,,", "2,,", "3,y,z"]
    path.write_text("\n".join(rows) + "\n")
    schema = DeclaredSchema(fields=(FieldRule("a", "integer"),), key=("a",))
    result = profile_file(path, "csv", schema, now=NOW, documented=True)
    assert result.rows == 8
    assert result.duplicate_rows == 3  # "1,,x" twice more, "2,," once more
    assert result.duplicate_keys == 3 + 1  # a=1 four times, a=2 twice; the empty key is left out


@pytest.mark.parametrize("slice_rows", [1, 2, 7, 1000])
def test_duplicates_counted_in_hash_slices_are_the_same(tmp_path, monkeypatch, slice_rows):
    # A large file groups its hashes a slice at a time; every split must count the same.
    monkeypatch.setattr(profiling, "SLICE_ROWS", slice_rows)
    check_counts(profile(write_delimited(tmp_path / "data.csv"), "csv"))
    path = tmp_path / "empty.csv"
    rows = ["a,b,c", "1,,x", "1,,x", "1,x,", ",1,x", "1,,x", "2,,", "2,,", "3,y,z"]
    path.write_text("\n".join(rows) + "\n")
    schema = DeclaredSchema(fields=(FieldRule("a", "integer"),), key=("a",))
    result = profile_file(path, "csv", schema, now=NOW, documented=True)
    assert (result.duplicate_rows, result.duplicate_keys) == (3, 4)


def test_a_file_without_repeated_rows_has_no_duplicates(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(5000)))
    result = profile_file(path, "csv", DeclaredSchema(key=()), now=NOW, documented=True)
    assert (result.rows, result.duplicate_rows, result.duplicate_keys) == (5000, 0, 0)


def _profile_within(seconds, *args, **options):
    """profile_file's result or error, failing the test if it has not returned in time (a
    transcoding thread left blocked on a pipe nobody reads would hang the worker for good)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = profile_file(*args, now=NOW, documented=True, **options)
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "profiling did not return"
    return outcome


def test_a_bad_byte_deep_in_a_large_gbk_file_is_refused(tmp_path):
    # The text is decoded while DuckDB reads it: the bad byte arrives after many rows are in.
    path = tmp_path / "data.csv"
    head = "编号,名称\n" + "".join(f"{i},深圳站点{i}\n" for i in range(400_000))
    path.write_bytes(head.encode("gbk") + b"1,\x81\x20\n" + "2,广州\n".encode("gbk") * 1000)
    assert path.stat().st_size > 2 * profiling.CHUNK_BYTES
    outcome = _profile_within(120, path, "csv")
    assert isinstance(outcome.get("error"), ProfileError)
    assert outcome["error"].field == "file"
    assert outcome["error"].params == {"encoding": "gb18030", "offset": len(head.encode("gbk")) + 2}


def test_a_large_gbk_file_that_stops_loading_early_is_refused_without_hanging(tmp_path):
    # DuckDB gives up at once (no memory) while the decoding thread still has megabytes to
    # write into the pipe: the thread must be drained and stopped, not left blocked.
    path = tmp_path / "data.csv"
    path.write_bytes(("a,b\n" + "".join(f"{i},深圳\n" for i in range(1_000_000))).encode("gbk"))
    assert path.stat().st_size > 2 * profiling.CHUNK_BYTES
    outcome = _profile_within(120, path, "csv", memory_limit="1MB", work_dir=tmp_path)
    assert isinstance(outcome.get("error"), ProfileError)
    assert outcome["error"].message == profiling.OUT_OF_MEMORY


def test_a_decoding_thread_that_cannot_read_does_not_pass_for_the_end_of_the_file(tmp_path):
    # The reader sees the end of the pipe at once, and the reason is raised, not swallowed.
    stream = profiling.Utf8Stream(tmp_path, "gb18030")
    with pytest.raises(IsADirectoryError), stream as readable, open(readable, "rb") as pipe:
        assert pipe.read() == b""


def test_a_column_named_like_the_row_hash_keeps_its_name(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("row_hash,b\n1,2\n1,2\n3,\n")
    result = profile_file(path, "csv", now=NOW, documented=True)
    assert result.columns == ["row_hash", "b"]
    assert (result.rows, result.duplicate_rows) == (3, 1)
    assert [f.missing for f in result.fields] == [0, 1]


@pytest.mark.parametrize("blank", [" ", "\u00a0", "\u1680", "\u2003", "\u202f", "\u3000"])
def test_cells_of_unicode_spaces_only_are_missing(tmp_path, blank):
    # DuckDB's trim strips the space separators (Zs); tabs and other characters are content.
    path = tmp_path / "data.csv"
    path.write_text(f"a,b\n{blank}{blank},x\n\t,{blank}深\né,{blank}1\n", encoding="utf-8")
    result = profile_file(path, "csv", now=NOW, documented=True)
    assert [f.missing for f in result.fields] == [1, 0]


@pytest.mark.parametrize(
    ("text", "size"),
    [("512MB", 512 * 10**6), ("384MiB", 384 * 2**20), ("1GB", 10**9), ("2 GiB", 2 * 2**30)],
)
def test_sizes_read_as_duckdb_writes_them(text, size):
    assert profiling.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "12XB", "-5MB"])
def test_a_size_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="not a size"):
        profiling.parse_size(text)


def test_duckdb_gets_what_the_process_does_not_hold_of_its_budget(caplog):
    held = profiling.resident_bytes()
    assert held > 10 * 2**20  # an interpreter with DuckDB loaded, read from /proc
    limit = profiling.duckdb_limit("100GB")
    assert limit == pytest.approx(100 * 10**9 - held - profiling.HEADROOM, abs=64 * 2**20)
    assert profiling.duckdb_limit("100GB", cap="200MB") == 200 * 10**6
    # A process already over its budget still profiles, with the smallest limit, and says so.
    assert profiling.duckdb_limit("1MB") == profiling.SMALLEST_LIMIT
    assert "too much for a budget of 1MB" in caplog.text
    # Said once per budget and process, not for every file profiled.
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert profiling.duckdb_limit("1MB") == profiling.SMALLEST_LIMIT
    assert "too much for a budget" not in caplog.text


def test_a_budget_sets_duckdbs_limit_and_the_profile_counts_alike(tmp_path):
    timings = {}
    path = write_delimited(tmp_path / "data.csv", encoding="gbk")
    check_counts(profile(path, "csv", memory_budget="100GB", work_dir=tmp_path, timings=timings))
    assert 90_000 < timings["memory limit MiB"] < 100 * 10**9 / 2**20
