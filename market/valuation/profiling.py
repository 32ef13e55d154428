"""Data-quality profiles measured from a tabular file, in the six dimensions of GB/T 36344-2018.

DuckDB reads the file (CSV, TSV, JSON lines, Parquet; XLSX through a streamed conversion to
CSV) under a memory limit, spilling to a temporary directory, so files larger than memory are
profiled in a bounded footprint. Text that is not UTF-8 (GBK / GB18030 exports are common in
China) is detected with charset-normalizer and transcoded to UTF-8 chunk by chunk first.

The dimensions and how each is scored (0 to 1, higher is better):

- 規範性 conformance: non-empty cells of declared fields that do not parse as the declared type
  or match the declared pattern, rows DuckDB could not parse, and declared fields absent from
  the file, over all cells of declared fields;
- 完整性 completeness: empty cells over all cells;
- 準確性 accuracy: conforming values outside the declared range or allowed values, over the
  values such rules check;
- 一致性 consistency: duplicate rows, repeated keys and rows breaking a cross-field rule, over
  rows times checks;
- 時效性 timeliness: 1 while the newest record is no older than the declared update frequency,
  falling linearly to 0 at three times it;
- 可訪問性 accessibility: the share of readable, documented and deliverable that hold.

A dimension that cannot be measured (timeliness without a timestamp field) is left out of the
overall score, which is the mean of the others and is the quality coefficient.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import charset_normalizer

from market.errors import InvalidInput
from market.text import N_
from market.valuation import sheets

log = logging.getLogger(__name__)

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
OPERATORS = ("<", "<=", "=", "!=", ">=", ">")
DIMENSIONS = (
    "conformance",
    "completeness",
    "accuracy",
    "consistency",
    "timeliness",
    "accessibility",
)
OUT_OF_MEMORY = N_(
    "Profiling this file needs more memory than the exchange allows; its operators can raise "
    "SHUJIAO_PROFILE_MEMORY_LIMIT."
)
SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
# Rows grouped in one pass when counting duplicate rows and keys: a file of more rows is
# grouped in hash-range slices, one pass each, so the hash table of a pass stays this size
# whatever the file's.
SLICE_ROWS = 2_000_000
# What the process holds beyond DuckDB's memory limit while profiling, measured on files of
# 251 and 667 MB: the operators' allocations outside it, the decoding thread's blocks.
HEADROOM = 96 * 2**20
SMALLEST_LIMIT = 64 * 2**20
SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20}
SIZE_UNITS["GIB"] = 2**30
# Short Chinese samples are ambiguous between the CJK multi-byte encodings; an exchange in
# mainland China sees GBK / GB18030 far more often than Big5, Shift-JIS or EUC-KR.
CJK_ENCODINGS = {"big5", "cp950", "big5hkscs", "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949"}
GB_ENCODINGS = {"gb2312", "gbk", "gb18030", "cp936", "hz"}
# A sample with at least this many Chinese characters per undecodable sequence is GB18030 with
# corrupt bytes rather than another encoding (Cyrillic read as GB18030 gives one in five).
GB_MOSTLY = 50


@dataclass(frozen=True)
class FieldRule:
    """A declared field: its type and, optionally, a format, a range and allowed values."""

    name: str
    type: str = "string"
    pattern: str | None = None  # a regular expression the whole value must match (format)
    format: str | None = None  # strptime format of a date or timestamp written otherwise
    minimum: str | None = None
    maximum: str | None = None
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule between two declared fields, e.g. ``start_date <= end_date``."""

    left: str
    op: str
    right: str


@dataclass(frozen=True)
class DeclaredSchema:
    """What the provider declares about a table: fields, key, rules and update frequency."""

    fields: tuple[FieldRule, ...] = ()
    key: tuple[str, ...] = ()
    rules: tuple[CrossFieldRule, ...] = ()
    timestamp_field: str | None = None
    update_frequency_days: int | None = None


@dataclass
class FieldProfile:
    """Counts for one column of the file (or a declared field absent from it)."""

    name: str
    present: bool = True
    missing: int = 0
    nonconforming: int = 0
    invalid: int = 0


@dataclass
class QualityProfile:
    """A data-quality profile: counts, per-dimension scores and the quality coefficient."""

    file_format: str
    encoding: str | None
    rows: int
    malformed_rows: int
    columns: list[str]
    fields: list[FieldProfile]
    duplicate_rows: int
    duplicate_keys: int
    rule_violations: list[int]
    newest: str | None
    age_days: int | None
    checks: dict[str, bool]
    scores: dict[str, float | None] = field(default_factory=dict)
    overall: float = 0.0

    @property
    def coefficient(self) -> Decimal:
        """The quality coefficient the valuation methods use (never zero)."""
        return max(Decimal(str(round(self.overall, 4))), Decimal("0.0001"))

    def to_dict(self) -> dict:
        """A JSON-ready form, stored with the report."""
        data = asdict(self)
        data["coefficient"] = str(self.coefficient)
        return data


class ProfileError(InvalidInput):
    """The file cannot be profiled (unreadable, mis-encoded, or a schema that does not fit).

    ``params`` fill the message's placeholders (``%(offset)s``) once it is translated.
    """

    def __init__(self, message: str, field: str | None = None, params=None, **details) -> None:
        super().__init__(message, field, **details)
        self.params = dict(params or {})


# --- encodings -----------------------------------------------------------------------------


def _strict_decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _guess(sample: bytes) -> str | None:
    best = charset_normalizer.from_bytes(sample).best()
    return codecs.lookup(best.encoding).name.replace("-", "_") if best else None


def _mostly_gb18030(sample: bytes) -> bool:
    """Whether ``sample`` is Chinese text in GB18030 but for a few bytes that do not decode.

    Nearly every byte pair decodes in GB18030, so decoding alone proves nothing (Latin-1 text
    does too): the undecodable sequences must be rare against the Chinese characters, and the
    detector, asked again about the sample without them, must find a GB or CJK encoding.
    """
    text = codecs.getincrementaldecoder("gb18030")("replace").decode(sample, final=False)
    bad = text.count("\ufffd")
    hanzi = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    if not bad or hanzi < GB_MOSTLY * bad:
        return False
    cleaned = text.replace("\ufffd", "").encode("gb18030")
    return _guess(cleaned) in GB_ENCODINGS | CJK_ENCODINGS


def detect_encoding(path: Path) -> str:
    """The text encoding of ``path``: utf-8, gb18030 (GBK's superset) or what the detector says."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if b"\x00" in sample:
        raise ProfileError(N_("The file is not text."), field="file")
    if _strict_decodes(sample, "utf-8"):
        return "utf-8"
    guess = _guess(sample)
    if guess in GB_ENCODINGS or (
        (guess is None or guess in CJK_ENCODINGS) and _strict_decodes(sample, "gb18030")
    ):
        return "gb18030"
    if _mostly_gb18030(sample):
        # A Chinese export with a few corrupt bytes: the detector, refused by GB18030 at the
        # bad bytes, would settle for a single-byte code page that "decodes" anything (Cyrillic
        # or Latin gibberish scored as fine). Read it as GB18030, so the bad bytes are refused.
        return "gb18030"
    if guess is None:
        raise ProfileError(N_("The file's text encoding cannot be recognised."), field="file")
    return guess


class Utf8Stream:
    """The file as UTF-8 through a pipe, decoded by a thread while DuckDB reads the other end.

    ``with Utf8Stream(path, encoding) as readable:`` gives a path DuckDB opens like a file.
    The decoding (C code, in blocks of CHUNK_BYTES) overlaps the parsing, and nothing is
    written to disk; the pipe's buffer bounds the memory. Leaving the block stops the thread
    and raises the decoding error, if any, in place of whatever the reader made of the text
    cut short.
    """

    def __init__(self, source: Path, encoding: str) -> None:
        self.source, self.encoding = source, encoding
        self.error: Exception | None = None
        self.offset: int | None = None  # of the first byte that does not decode
        self.stop = threading.Event()

    def __enter__(self) -> str:
        self.reader, writer = os.pipe()
        self.thread = threading.Thread(target=self._feed, args=(writer,), daemon=True)
        self.thread.start()
        return f"/dev/fd/{self.reader}"

    def _feed(self, writer: int) -> None:
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        try:
            # The pipe's end first: closed whatever fails, so the reader always sees an end.
            with open(writer, "wb", buffering=0) as sink, self.source.open("rb") as source:
                while not self.stop.is_set():
                    chunk = source.read(CHUNK_BYTES)
                    try:
                        text = decoder.decode(chunk, final=not chunk)
                    except UnicodeDecodeError as error:
                        # The error counts from the bytes the decoder held back, then the chunk.
                        self.offset = source.tell() - len(error.object) + error.start
                        raise
                    sink.write(text.encode("utf-8"))
                    if not chunk:
                        return
        except BrokenPipeError:
            pass  # the reader stopped early (a parse error); it reports that itself
        except Exception as error:  # noqa: BLE001 - raised again in the reading thread
            # Whatever stopped the decoding must not pass for the end of the file.
            self.error = error

    def __exit__(self, *_exc) -> None:
        # A reader that stopped early leaves the writer blocked on a full pipe: drain it.
        self.stop.set()
        os.set_blocking(self.reader, False)
        while self.thread.is_alive():
            try:
                if not os.read(self.reader, CHUNK_BYTES):
                    break
            except BlockingIOError:
                self.thread.join(0.01)
        self.thread.join()
        os.close(self.reader)
        if isinstance(self.error, UnicodeDecodeError):
            raise ProfileError(
                N_(
                    "The file is not valid text in its encoding (%(encoding)s): the bytes from "
                    "offset %(offset)s do not decode."
                ),
                field="file",
                encoding=[self.encoding],
                params={"encoding": self.encoding, "offset": self.offset},
            ) from self.error
        if self.error is not None:
            raise self.error


def xlsx_to_csv(source: Path, target: Path) -> None:
    """The first sheet of a workbook as a UTF-8 CSV (see :mod:`market.valuation.sheets`)."""
    try:
        sheets.xlsx_to_csv(source, target)
    except sheets.WorkbookError as error:
        raise ProfileError(N_("The workbook cannot be read."), field="file") from error


# --- memory --------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """Bytes in a size written as DuckDB writes them: ``512MB`` (10**6), ``384MiB`` (2**20)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    if found is None or found[2].upper() not in SIZE_UNITS:
        raise ValueError(f"not a size: {text!r}")
    return int(float(found[1]) * SIZE_UNITS[found[2].upper()])


def resident_bytes() -> int:
    """The process's resident memory now (Linux), else the most it has held."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


#: Budgets already found too small in this process (said once, at warning level).
_WARNED_BUDGETS: set[str] = set()


def duckdb_limit(budget: str, cap: str | None = None) -> int:
    """DuckDB's memory limit that keeps this process within ``budget`` (resident bytes): what
    it does not already hold, less ``HEADROOM`` for what DuckDB allocates outside its limit.

    A fixed limit held the process 150-190 MB above it, and a worker carrying the whole
    application holds 80 MB more than a bare interpreter. A process already holding nearly
    the whole budget still gives DuckDB ``SMALLEST_LIMIT``, and says so in the log.
    """
    resident = resident_bytes()
    limit = parse_size(budget) - resident - HEADROOM
    if limit < SMALLEST_LIMIT:
        # Once per budget and process: a demo profiles every upload in its one process.
        warn = log.debug if budget in _WARNED_BUDGETS else log.warning
        _WARNED_BUDGETS.add(budget)
        warn(
            "the profiling process holds %d MiB, too much for a budget of %s; DuckDB gets %d MiB",
            resident // 2**20,
            budget,
            SMALLEST_LIMIT // 2**20,
        )
        limit = SMALLEST_LIMIT
    return limit if cap is None else min(limit, parse_size(cap))


# --- SQL -----------------------------------------------------------------------------------


def quote(name: str) -> str:
    """A column name as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def _typed(rule: FieldRule) -> str:
    text = f"CAST({quote(rule.name)} AS VARCHAR)"
    sql_type = TYPES[rule.type]
    if rule.format and rule.type in ("date", "timestamp"):
        return f"CAST(TRY_STRPTIME({text}, ?) AS {sql_type})"
    return f"TRY_CAST({text} AS {sql_type})"


def _bound_type(rule: FieldRule) -> str:
    # An integer's bound may be beyond BIGINT and still an integer (HUGEINT: 38 digits).
    return "HUGEINT" if rule.type == "integer" else TYPES[rule.type]


def _typed_params(rule: FieldRule) -> list:
    return [rule.format] if rule.format and rule.type in ("date", "timestamp") else []


def _missing(name: str) -> str:
    """True for an empty cell: NULL, or text that ``trim`` leaves empty.

    ``trim`` strips the Unicode space separators (category Zs), each of which starts with the
    byte 0x20 or one of 0xC2 to 0xE3 in UTF-8. Testing that first byte first (a comparison
    DuckDB answers from the string's inline prefix) spares the trim, which copies the text, on
    nearly every cell; it was half the cost of the aggregate scan.
    """
    text = f"CAST({quote(name)} AS VARCHAR)"
    may_be_blank = f"({text} < '!' OR ({text} >= chr(128) AND {text} < chr(16384)))"
    return f"({text} IS NULL OR ({may_be_blank} AND trim({text}) = ''))"


def _duckdb():
    """DuckDB, imported on first use: it takes about 30 MiB, and a web process that never
    profiles (only the worker does) should not carry it."""
    import duckdb  # noqa: PLC0415

    return duckdb


def check_schema(schema: DeclaredSchema) -> None:
    """Refuse a declared schema that cannot fit any file (before a job is queued for it)."""
    connection = _duckdb().connect(":memory:")
    try:
        _check_schema(schema, connection)
    finally:
        connection.close()


def _check_schema(schema: DeclaredSchema, connection) -> None:
    names = [rule.name for rule in schema.fields]
    declared = {rule.name: rule for rule in schema.fields}
    for index, rule in enumerate(schema.fields):
        where = f"schema.fields.{index}"
        if rule.type not in TYPES:
            raise ProfileError(N_("Unknown field type."), field=f"{where}.type")
        if names.count(rule.name) > 1:
            raise ProfileError(N_("This field is declared twice."), field=f"{where}.name")
        if rule.format is not None and rule.type in ("date", "timestamp"):
            try:
                connection.execute("SELECT TRY_STRPTIME('', ?)", [rule.format])
            except _duckdb().Error as error:
                raise ProfileError(
                    N_("Not a valid date format."), field=f"{where}.format"
                ) from error
            if "%" not in rule.format:
                raise ProfileError(N_("Not a valid date format."), field=f"{where}.format")
        if rule.pattern is not None:
            try:
                connection.execute("SELECT regexp_full_match('', ?)", [rule.pattern])
            except _duckdb().Error as error:
                raise ProfileError(N_("Not a valid pattern."), field=f"{where}.pattern") from error
        for bound in ("minimum", "maximum"):
            value = getattr(rule, bound)
            if value is None:
                continue
            if rule.type in ("string", "boolean"):
                raise ProfileError(N_("This type has no range."), field=f"{where}.{bound}")
            parsed = connection.execute(
                f"SELECT TRY_CAST(? AS {_bound_type(rule)})", [value]
            ).fetchall()[0][0]
            if parsed is None:
                raise ProfileError(N_("Not a value of the field's type."), field=f"{where}.{bound}")
    for index, name in enumerate(schema.key):
        if name not in names:
            raise ProfileError(N_("Not a declared field."), field=f"schema.key.{index}")
    for index, rule in enumerate(schema.rules):
        for side in ("left", "right"):
            if getattr(rule, side) not in names:
                raise ProfileError(
                    N_("Not a declared field."), field=f"schema.rules.{index}.{side}"
                )
        if rule.op not in OPERATORS:
            raise ProfileError(N_("Unknown operator."), field=f"schema.rules.{index}.op")
        # Asked of DuckDB itself, or a rule between a text and a number would fail later as
        # a file that "cannot be parsed", naming the file instead of the rule.
        left, right = (TYPES[declared[getattr(rule, side)].type] for side in ("left", "right"))
        try:
            connection.execute(f"SELECT CAST(NULL AS {left}) {rule.op} CAST(NULL AS {right})")
        except _duckdb().Error as error:
            raise ProfileError(
                N_("The two fields' types cannot be compared."), field=f"schema.rules.{index}.right"
            ) from error
    if schema.timestamp_field is not None:
        if schema.timestamp_field not in names:
            raise ProfileError(N_("Not a declared field."), field="schema.timestamp_field")
        rule = next(r for r in schema.fields if r.name == schema.timestamp_field)
        if rule.type not in ("date", "timestamp"):
            raise ProfileError(
                N_("The timestamp field must be a date or timestamp."),
                field="schema.timestamp_field",
            )
        if not schema.update_frequency_days or schema.update_frequency_days <= 0:
            raise ProfileError(
                N_("Must be greater than zero."), field="schema.update_frequency_days"
            )


def _source(connection, path: Path | str, file_format: str) -> None:
    """Load the file once into the table ``source`` (CSV rows that do not parse go to rejects),
    with a last column holding a 64-bit hash of each row (for the duplicate rows).

    Beyond the memory limit DuckDB spills the table to the scratch directory (an on-disk
    database was three times slower: it writes and checkpoints everything; a compressed
    in-memory one compresses only at a checkpoint, which cost more than it saved); the later
    scans read DuckDB's columns instead of parsing the text again. Hashing while loading costs
    less than hashing in a later scan. Parquet is read in place.
    """
    literal = "'" + str(path).replace("'", "''") + "'"
    if file_format in ("csv", "tsv"):
        delimiter = "\\t" if file_format == "tsv" else ","
        reader = (
            f"read_csv({literal}, header=true, all_varchar=true, delim=E'{delimiter}', "
            "quote='\"', escape='\"', store_rejects=true)"
        )
    elif file_format == "jsonl":
        reader = f"read_json({literal}, format='newline_delimited')"
    else:
        reader = f"read_parquet({literal})"
    kind = "VIEW" if file_format == "parquet" else "TABLE"
    # Last, so that a column of the file with the same name keeps its own (DuckDB renames
    # the later of two equal names).
    connection.execute(
        f"CREATE {kind} source AS SELECT *, hash(*COLUMNS(*)) AS row_hash FROM {reader}"
    )


def _scalar(connection, sql: str, params: Sequence = ()):
    """The one value a query returns (``fetchall``: a half-read result drops CSV rejects)."""
    return connection.execute(sql, list(params)).fetchall()[0][0]


def _score(bad: int, total: int) -> float:
    return 1.0 if total <= 0 else max(0.0, 1.0 - bad / total)


def profile_file(
    path: Path,
    file_format: str,
    schema: DeclaredSchema | None = None,
    *,
    now: datetime,
    documented: bool,
    deliverable: bool = True,
    memory_limit: str | None = None,
    memory_budget: str | None = None,
    threads: int = 2,
    work_dir: Path | None = None,
    timings: dict[str, float] | None = None,
) -> QualityProfile:
    """Profile one tabular file against its declared schema; raises ProfileError on bad input.

    ``memory_budget`` bounds the whole process's resident memory (DuckDB's limit is what is
    left of it, see :func:`duckdb_limit`); ``memory_limit`` bounds DuckDB's alone (384MB
    without a budget). ``timings``, when given, receives the wall seconds each phase took,
    under ``"<phase> cpu"`` the process's CPU seconds in it, and under ``"memory limit MiB"``
    DuckDB's limit (for ``bench/``)."""
    clock = _Clock(timings)
    if file_format not in FORMATS:
        raise ProfileError(N_("This file format cannot be profiled."), field="file_format")
    schema = schema or DeclaredSchema()
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="profile-") as scratch:
        scratch_dir = Path(scratch)
        encoding = None
        readable = contextlib.nullcontext(path)
        if file_format in ("csv", "tsv", "jsonl"):
            with clock("encoding"):
                encoding = detect_encoding(path)
            if encoding != "utf-8":
                readable = Utf8Stream(path, encoding)
        elif file_format == "xlsx":
            converted = scratch_dir / "sheet.csv"
            with clock("xlsx"):
                xlsx_to_csv(path, converted)
            readable = contextlib.nullcontext(converted)
            file_format = "csv"
        duckdb = _duckdb()
        connection = duckdb.connect(":memory:")
        try:
            if memory_budget is not None:
                limit = duckdb_limit(memory_budget, memory_limit)
            else:
                limit = parse_size(memory_limit or "384MB")
            if timings is not None:
                timings["memory limit MiB"] = limit / 2**20
            connection.execute(f"SET memory_limit = '{int(limit)}B'")
            connection.execute(f"SET threads = {int(threads)}")
            connection.execute(f"SET temp_directory = '{scratch_dir / 'spill'}'")
            connection.execute("SET preserve_insertion_order = false")
            connection.execute("SET enable_progress_bar = false")  # it writes to stdout
            # DuckDB's allocator keeps up to 128 MiB freed by a task before returning it to the
            # system, outside the memory limit; flushing sooner keeps the process near it.
            connection.execute("SET allocator_flush_threshold = '16MB'")
            connection.execute("SET allocator_background_threads = true")
            _check_schema(schema, connection)
            try:
                with clock("load"), readable as source:
                    _source(connection, source, file_format)
                names = [row[0] for row in connection.execute("DESCRIBE source").fetchall()]
                columns, row_hash = names[:-1], names[-1]
                result = _measure(connection, schema, columns, row_hash, file_format, clock)
            except duckdb.OutOfMemoryException as error:
                # Not the file's fault: say so, or the appraiser would think it broken.
                raise ProfileError(OUT_OF_MEMORY, field="file") from error
            except duckdb.Error as error:
                raise ProfileError(
                    N_("The file cannot be parsed as its format."), field="file"
                ) from error
        finally:
            connection.close()
    return _scored(result, schema, columns, encoding, file_format, now, documented, deliverable)


class _Clock:
    """Adds the wall and CPU seconds a ``with clock(phase):`` block takes to ``timings``."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.phase = ""
        self.started = self.cpu = 0.0

    def __call__(self, phase: str) -> _Clock:
        self.phase = phase
        return self

    def __enter__(self) -> None:
        self.started, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *_exc) -> None:
        if self.timings is not None:
            for key, spent in (
                (self.phase, time.perf_counter() - self.started),
                (f"{self.phase} cpu", time.process_time() - self.cpu),
            ):
                self.timings[key] = self.timings.get(key, 0.0) + spent


def _measure(
    connection,
    schema: DeclaredSchema,
    columns: Sequence[str],
    row_hash: str,
    file_format: str,
    clock: _Clock,
) -> dict:
    # Each cell's emptiness and each declared field's typed value are computed once, in a
    # projection the counts then read, rather than once in every count that needs them.
    projected = [f"{_missing(name)} AS m{index}" for index, name in enumerate(columns)]
    projected_params: list = []
    typed: dict[str, str] = {}
    for index, rule in enumerate(r for r in schema.fields if r.name in columns):
        typed[rule.name] = f"t{index}"
        projected.append(f"{_typed(rule)} AS t{index}")
        projected.append(f"CAST({quote(rule.name)} AS VARCHAR) AS s{index}")
        projected_params += _typed_params(rule)
    selects, params = ["count(*)"], []
    selects += [f"count_if(m{index})" for index in range(len(columns))]
    for rule in schema.fields:
        if rule.name not in columns:
            continue
        value, missing = typed[rule.name], f"m{columns.index(rule.name)}"
        text = "s" + value[1:]
        if rule.pattern is None:
            selects.append(f"count_if(NOT {missing} AND {value} IS NULL)")
        else:
            selects.append(
                f"count_if(NOT {missing} AND ({value} IS NULL OR NOT regexp_full_match({text}, ?)))"
            )
            params.append(rule.pattern)
        checks = []
        sql_type = _bound_type(rule)
        if rule.minimum is not None:
            checks.append(f"{value} < CAST(? AS {sql_type})")
            params.append(rule.minimum)
        if rule.maximum is not None:
            checks.append(f"{value} > CAST(? AS {sql_type})")
            params.append(rule.maximum)
        if rule.values is not None:
            checks.append(f"NOT list_contains(?, {text})")
            params.append(list(rule.values))
        checked = f"NOT {missing} AND {value} IS NOT NULL"
        if checks:
            selects.append(f"count_if({checked} AND ({' OR '.join(checks)}))")
            selects.append(f"count_if({checked})")
        else:
            selects += ["0", "0"]
    for rule in schema.rules:
        if rule.left in columns and rule.right in columns:
            left, right = typed[rule.left], typed[rule.right]
            selects.append(f"count_if(({left} {rule.op} {right}) IS FALSE)")
        else:
            selects.append("0")
    stamp = schema.timestamp_field
    selects.append(f"CAST(max({typed[stamp]}) AS VARCHAR)" if stamp in typed else "NULL")
    with clock("aggregates"):
        sql = f"SELECT {', '.join(selects)} FROM (SELECT {', '.join(projected)} FROM source)"
        row = connection.execute(sql, params + projected_params).fetchall()[0]
    with clock("duplicate rows"):
        listed = ", ".join(quote(name) for name in columns)
        hashed = quote(row_hash)
        distinct = _distinct(
            connection, f"SELECT {hashed} AS h FROM source", row[0], listed, hashed
        )
    duplicate_keys = 0
    if schema.key and all(name in columns for name in schema.key):
        keys = ", ".join(quote(name) for name in schema.key)
        not_missing = " AND ".join(f"NOT {_missing(name)}" for name in schema.key)
        with clock("duplicate keys"):
            # The keys' hashes once, 8 bytes a row, then counted as the rows' are.
            connection.execute(
                f"CREATE TEMP TABLE key_hashes AS SELECT hash({keys}) AS h "
                f"FROM source WHERE {not_missing}"
            )
            try:
                keyed = _scalar(connection, "SELECT count(*) FROM temp.key_hashes")
                distinct_keys = _distinct(
                    connection,
                    "SELECT h FROM temp.key_hashes",
                    keyed,
                    keys,
                    f"hash({keys})",
                    where=not_missing,
                )
            finally:
                connection.execute("DROP TABLE temp.key_hashes")
            duplicate_keys = keyed - distinct_keys
    malformed = 0
    if file_format in ("csv", "tsv"):
        with clock("rejects"):
            malformed = _scalar(connection, "SELECT count(DISTINCT line) FROM reject_errors")
    return {
        "row": row,
        "distinct": distinct,
        "duplicate_keys": duplicate_keys,
        "malformed": malformed,
    }


def _slices(rows: int) -> int:
    """In how many hash-range slices ``rows`` rows are grouped (one pass each)."""
    return max(1, -(-rows // SLICE_ROWS))


def _in_slice(hashed: str, slices: int, part: int) -> str:
    """A condition true for the rows whose hash falls in slice ``part`` of ``slices``."""
    return "true" if slices == 1 else f"{hashed} % {slices} = {part}"


def _distinct(
    connection, hashes: str, total: int, listed: str, hashed: str, where: str = "true"
) -> int:
    """How many distinct values of ``listed`` (rows, or keys) the ``total`` rows of ``source``
    matching ``where`` hold, exactly, without a ``DISTINCT`` over every value's text (which
    held the whole table in its hash table and ran out of memory first).

    ``hashes`` selects each value's 64-bit hash as ``h`` (stored, or computed once); ``hashed``
    computes it in ``source``. The hashes are grouped (8 bytes a row); a value whose hash no
    other has is distinct for certain, and only the values of repeated hashes — the duplicates
    and the rare collisions — are compared in full. Both steps run a hash-range slice at a time
    (``SLICE_ROWS``): grouping every hash at once took the process past its memory budget on a
    large file, though DuckDB spills.
    """
    slices = _slices(total)
    connection.execute("CREATE TEMP TABLE repeated_hashes (h UBIGINT, n BIGINT)")
    try:
        for part in range(slices):
            connection.execute(
                f"INSERT INTO temp.repeated_hashes SELECT h, count(*) FROM ({hashes}) "
                f"WHERE {_in_slice('h', slices, part)} GROUP BY h HAVING count(*) > 1"
            )
        repeated = _scalar(connection, "SELECT coalesce(sum(n), 0) FROM temp.repeated_hashes")
        slices = _slices(repeated)
        distinct_repeated = sum(
            _scalar(
                connection,
                f"SELECT count(*) FROM (SELECT DISTINCT {listed} FROM source WHERE {where} "
                f"AND {hashed} IN (SELECT h FROM temp.repeated_hashes "
                f"WHERE {_in_slice('h', slices, part)}))",
            )
            for part in range(slices if repeated else 0)
        )
    finally:
        connection.execute("DROP TABLE temp.repeated_hashes")
    return total - int(repeated) + int(distinct_repeated)


def _scored(result, schema, columns, encoding, file_format, now, documented, deliverable):
    row = list(result["row"])
    rows = row.pop(0)
    missing = dict(zip(columns, (row.pop(0) for _ in columns), strict=True))
    profiles = {name: FieldProfile(name, missing=missing[name]) for name in columns}
    checked_total = invalid_total = nonconforming_total = 0
    for rule in schema.fields:
        if rule.name not in columns:
            profiles[rule.name] = FieldProfile(rule.name, present=False, missing=rows)
            continue
        profile = profiles[rule.name]
        profile.nonconforming = row.pop(0)
        profile.invalid, checked = row.pop(0), row.pop(0)
        checked_total += checked
        invalid_total += profile.invalid
        nonconforming_total += profile.nonconforming
    violations = [row.pop(0) for _ in schema.rules]
    newest = row.pop(0)
    malformed = result["malformed"]
    duplicate_rows = rows - result["distinct"]
    duplicate_keys = result["duplicate_keys"]
    declared_count = len(schema.fields) or len(columns)
    absent = sum(1 for rule in schema.fields if rule.name not in columns)
    scores: dict[str, float | None] = {
        "conformance": _score(
            nonconforming_total + malformed * declared_count + absent * rows,
            (rows + malformed) * declared_count,
        ),
        "completeness": _score(
            sum(missing.values()) + absent * rows, rows * (len(columns) + absent)
        ),
        "accuracy": _score(invalid_total, checked_total),
        "consistency": _score(
            duplicate_rows + duplicate_keys + sum(violations),
            rows * (1 + (1 if schema.key else 0) + len(schema.rules)),
        ),
    }
    age_days = None
    if schema.timestamp_field is None:
        scores["timeliness"] = None
    elif newest is None:
        scores["timeliness"] = 0.0
    else:
        newest_time = datetime.fromisoformat(newest)
        if newest_time.tzinfo is None:
            newest_time = newest_time.replace(tzinfo=UTC)
        age_days = max(0, (now - newest_time).days)
        frequency = schema.update_frequency_days
        scores["timeliness"] = max(0.0, min(1.0, 1 - (age_days - frequency) / (2 * frequency)))
    checks = {"readable": True, "documented": documented, "deliverable": deliverable}
    scores["accessibility"] = sum(checks.values()) / len(checks)
    measured = [score for score in scores.values() if score is not None]
    return QualityProfile(
        file_format=file_format,
        encoding=encoding,
        rows=rows,
        malformed_rows=malformed,
        columns=list(columns),
        fields=list(profiles.values()),
        duplicate_rows=duplicate_rows,
        duplicate_keys=duplicate_keys,
        rule_violations=violations,
        newest=newest,
        age_days=age_days,
        checks=checks,
        scores={name: scores[name] for name in DIMENSIONS},
        overall=sum(measured) / len(measured),
    )


def schema_from_dict(data: dict) -> DeclaredSchema:
    """A declared schema from its JSON form (already validated by the schema's marshmallow)."""
    return DeclaredSchema(
        fields=tuple(
            FieldRule(
                name=item["name"],
                type=item.get("type", "string"),
                pattern=item.get("pattern"),
                format=item.get("format"),
                minimum=None if item.get("minimum") is None else str(item["minimum"]),
                maximum=None if item.get("maximum") is None else str(item["maximum"]),
                values=None if item.get("values") is None else tuple(map(str, item["values"])),
            )
            for item in data.get("fields", ())
        ),
        key=tuple(data.get("key", ())),
        rules=tuple(CrossFieldRule(**rule) for rule in data.get("rules", ())),
        timestamp_field=data.get("timestamp_field"),
        update_frequency_days=data.get("update_frequency_days"),
    )
