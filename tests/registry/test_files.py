"""The file store and uploads: atomic writes, limits, type sniffing, cut-off streams."""

import hashlib
import io

import pytest
import sqlalchemy as sa

from market.errors import InvalidInput
from market.files import EmptyFile, FileTooLarge, LocalFileStore, content_key
from market.registry import assets
from market.registry.assets import Upload, UploadTooLarge, merkle_root
from market.registry.models import AssetFile, AssetVersion
from tests.registry import factories as rf


class CutOff(io.RawIOBase):
    """A client that sends some bytes and then disconnects."""

    def __init__(self, before: int) -> None:
        self.left = before

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        chunk = b"x" * min(size if size > 0 else 65536, self.left)
        self.left -= len(chunk)
        return chunk


def _files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def test_save_is_content_addressed(tmp_path):
    store = LocalFileStore(tmp_path)
    stored = store.save(io.BytesIO(b"hello"), 100)
    assert stored.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert stored.key == content_key(stored.sha256) and stored.size == 5
    with store.open(stored.key) as stored_file:
        assert stored_file.read() == b"hello"
    assert store.save(io.BytesIO(b"hello"), 100) == stored
    assert _files(tmp_path) == [tmp_path / stored.key]


@pytest.mark.parametrize(
    ("stream", "error"),
    [
        (io.BytesIO(b"x" * 101), FileTooLarge),
        (io.BytesIO(b""), EmptyFile),
        (CutOff(200_000), ConnectionResetError),
    ],
    ids=["too-large", "empty", "cut-off"],
)
def test_failed_saves_leave_nothing(tmp_path, stream, error):
    store = LocalFileStore(tmp_path)
    limit = 100 if error is FileTooLarge else 10**9
    with pytest.raises(error):
        store.save(stream, limit)
    assert _files(tmp_path) == []


def test_a_refusing_inspection_leaves_nothing(tmp_path):
    store = LocalFileStore(tmp_path)

    def refuse(head):
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.save(io.BytesIO(b"x" * 10_000), 10**6, refuse)
    assert _files(tmp_path) == []


def test_merkle_root():
    a, b, c = (hashlib.sha256(x).hexdigest() for x in (b"a", b"b", b"c"))

    def pair(x, y):
        return hashlib.sha256(bytes.fromhex(x) + bytes.fromhex(y)).hexdigest()

    assert merkle_root([a]) == a
    assert merkle_root([b, a]) == pair(*sorted([a, b]))
    s = sorted([a, b, c])
    assert merkle_root([c, a, b]) == pair(pair(s[0], s[1]), pair(s[2], s[2]))


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("data.csv", "id,名称\n1,深圳\n".encode(), True),
        ("data.csv", b"\x89PNG\r\n\x1a\n\x00\x00", False),
        # Exports from Chinese spreadsheets and databases are often GBK / GB18030.
        ("data.csv", "编号,名称\n1,深圳市福田区\n".encode("gbk"), True),
        ("data.tsv", "编号\t名称\n1\t𠀀字\n".encode("gb18030"), True),
        ("data.csv", "名称\n深圳\n".encode("gbk")[:-2], True),  # cut inside a character
        ("data.csv", b"id,name\n1,\xff\xff\xff\xff\n", False),
        ("data.json", b'  {"a": 1}', True),
        ("data.json", b"a,b\n", False),
        ("photo.png", b"\x89PNG\r\n\x1a\nrest", True),
        ("photo.png", b"GIF89a....", False),
        ("photo.jpg", b"\xff\xd8\xff\xe0rest", True),
        ("report.pdf", b"%PDF-1.4 rest", True),
        ("report.pdf", b"<html>", False),
        ("table.parquet", b"PAR1....", True),
        ("book.xlsx", b"PK\x03\x04....", True),
        ("song.mp3", b"ID3\x04....", True),
        ("sound.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", True),
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42", True),
        ("model.glb", b"glTF\x02\x00\x00\x00", True),
        ("model.glb", b"solid cube", False),
    ],
)
def test_content_must_match_the_extension(tmp_path, name, content, ok):
    store = LocalFileStore(tmp_path)
    if ok:
        assets.store_upload(store, Upload(name, io.BytesIO(content)), 10**6, "file")
    else:
        with pytest.raises(InvalidInput) as raised:
            assets.store_upload(store, Upload(name, io.BytesIO(content)), 10**6, "file")
        assert raised.value.field == "file"
        assert _files(tmp_path) == []


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as raised:
        assets.store_upload(
            LocalFileStore(tmp_path), Upload("run.exe", io.BytesIO(b"MZ")), 100, "file"
        )
    assert raised.value.field == "file"


def _no_version(db, asset):
    return (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(AssetVersion)
            .where(AssetVersion.asset_id == asset.id)
        )
        == 0
    )


@pytest.mark.parametrize(
    ("make_upload", "error"),
    [
        (lambda: Upload("big.csv", io.BytesIO(b"a" * (rf.MAX_BYTES + 1))), UploadTooLarge),
        (lambda: Upload("empty.csv", io.BytesIO(b"")), InvalidInput),
        (lambda: Upload("fake.png", io.BytesIO(b"not an image")), InvalidInput),
        (lambda: Upload("cut.csv", CutOff(300_000)), ConnectionResetError),
    ],
    ids=["oversized", "empty", "mismatch", "cut-off"],
)
def test_bad_uploads_store_nothing_on_both_engines(db, store, make_upload, error):
    organisation, user = rf.provider(db)
    asset = rf.asset(db, organisation, user)
    db.commit()
    with pytest.raises(error):
        assets.add_version(db, store, asset, user, [make_upload()], rf.MAX_BYTES, rf.MONDAY)
    db.rollback()
    assert _no_version(db, asset)
    assert db.scalar(sa.select(sa.func.count()).select_from(AssetFile)) == 0
    assert _files(store.root) == []


def test_new_files_make_a_new_version_and_old_ones_stay(db, store):
    organisation, user = rf.provider(db)
    asset = rf.asset(db, organisation, user)
    first = rf.version(db, store, asset, user, {"a.csv": b"a\n1\n", "b.csv": b"b\n1\n"})
    second = rf.version(db, store, asset, user, {"b.csv": b"b\n2\n", "c.csv": b"c\n1\n"})
    assert (first.number, second.number) == (1, 2)
    assert [f.name for f in first.files] == ["a.csv", "b.csv"]
    assert [f.name for f in second.files] == ["a.csv", "b.csv", "c.csv"]
    assert second.files[1].sha256 == hashlib.sha256(b"b\n2\n").hexdigest()
    assert first.fingerprint != second.fingerprint
    assert second.fingerprint == merkle_root(f.sha256 for f in second.files)
