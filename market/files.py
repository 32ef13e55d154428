"""The file store: content-addressed blobs behind one interface (a local directory by default).

``save`` streams into a temporary file in the store's own directory while hashing, fsyncs it,
then renames it into place with ``os.replace`` (atomic on one file system). If anything goes
wrong midway — the upload is too big, the client disconnects, an inspection refuses the first
bytes — the temporary file is removed, so no half-written file is ever visible under a key.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import io
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
HEAD_BYTES = 4096


class FileStoreError(Exception):
    """A file could not be stored; nothing was kept."""


class FileTooLarge(FileStoreError):
    """The stream is longer than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class EmptyFile(FileStoreError):
    """The stream has no bytes."""


@dataclass(frozen=True)
class StoredFile:
    """Where a saved file lives, its SHA-256 (hex) and its size in bytes."""

    key: str
    sha256: str
    size: int


Inspector = Callable[[bytes], None]


@dataclass(frozen=True)
class Part:
    """One stored part of a resumable upload."""

    number: int
    size: int
    etag: str


class PartRefused(FileStoreError):
    """A part's bytes do not match its declared size; nothing of it was kept."""


class FileStore(abc.ABC):
    """Stores immutable blobs under keys derived from their content."""

    @abc.abstractmethod
    def save(
        self, stream: BinaryIO, max_bytes: int, inspect: Inspector | None = None
    ) -> StoredFile:
        """Store the stream; ``inspect`` sees its first bytes and may raise to refuse it."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Read a stored blob."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""

    @abc.abstractmethod
    def stored_before(self, moment: datetime) -> Iterator[str]:
        """Keys of blobs (and abandoned partial uploads) last written before ``moment``."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove a blob (gone already is fine)."""

    # Resumable uploads (see ``market.uploads``): parts, then one object, then its fingerprint.
    # ``upload`` is the store's handle of an upload (its multipart upload id, or a directory).

    #: Whether clients send parts straight to the store through presigned URLs.
    presigns_parts = False
    # Where browsers send parts and fetch downloads, when not this app (the CSP names it).
    browser_origin: str | None = None

    def begin_upload(self, token: str) -> str:
        """Start a multipart upload named by ``token``; the store's handle of it."""
        raise NotImplementedError

    def part_url(self, token: str, upload: str, number: int, size: int, expires_in: int) -> str:
        """A presigned URL to PUT part ``number`` of exactly ``size`` bytes."""
        raise NotImplementedError

    def put_part(self, token: str, upload: str, number: int, stream: BinaryIO, size: int) -> Part:
        """Store one part from a stream that must hold exactly ``size`` bytes."""
        raise NotImplementedError

    def list_parts(self, token: str, upload: str) -> list[Part]:
        """The parts stored so far, by number (an unknown or ended upload has none)."""
        raise NotImplementedError

    def finish_upload(self, token: str, upload: str, parts: list[Part]) -> None:
        """Join the parts into one object (still under the upload's own name)."""
        raise NotImplementedError

    def adopt_upload(self, token: str, max_bytes: int, inspect: Inspector | None) -> StoredFile:
        """Stream the joined object once to hash it and keep it: the stored file's key is its
        content key, or (where moving it would copy every byte) the upload's own key."""
        raise NotImplementedError

    def read_head(self, token: str, upload: str) -> bytes:
        """The first bytes of an upload's first part (to check its type before joining)."""
        raise NotImplementedError

    def abort_upload(self, token: str, upload: str) -> None:
        """Drop an upload's parts and joined object (gone already is fine)."""
        raise NotImplementedError

    def stale_uploads(self, moment: datetime) -> Iterator[tuple[str, str]]:
        """``(token, upload)`` of uploads started before ``moment`` and never finished."""
        return iter(())

    def download_url(self, key: str, name: str, media_type: str, expires_in: int) -> str | None:
        """A short-lived URL to fetch a blob directly (None: stream it through the app)."""
        return None

    def local_path(self, key: str) -> Path | None:
        """The blob's path on this host, if it has one (served with range support)."""
        return None


def content_key(sha256: str) -> str:
    """The key of content with this hash: ``sha256/ab/cd/abcd...``."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def copy_hashing(
    stream: BinaryIO,
    write: Callable[[bytes], object] | None,
    max_bytes: int,
    inspect: Inspector | None = None,
    chunk_size: int = CHUNK,
) -> tuple[str, int]:
    """Read ``stream`` to its end in chunks, hashing (and writing) each: ``(sha256, size)``.

    Raises FileTooLarge past ``max_bytes``, EmptyFile for no bytes; ``inspect`` sees the first
    ``HEAD_BYTES`` (or all of a shorter stream) and may raise to refuse it.
    """
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := stream.read(chunk_size):
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(max_bytes)
        if inspect is not None and len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
            if len(head) >= HEAD_BYTES:
                inspect(head)
        digest.update(chunk)
        if write is not None:
            write(chunk)
    if size == 0:
        raise EmptyFile("the file is empty")
    if inspect is not None and len(head) < HEAD_BYTES:
        inspect(head)
    return digest.hexdigest(), size


class LocalFileStore(FileStore):
    """Blobs in a directory tree on the local file system."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise KeyError(key)
        return path

    def save(
        self, stream: BinaryIO, max_bytes: int, inspect: Inspector | None = None
    ) -> StoredFile:
        """Hash while copying into a temporary file, then move it into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                sha256, size = copy_hashing(stream, out.write, max_bytes, inspect)
                out.flush()
                os.fsync(out.fileno())
            key = content_key(sha256)
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Same content, same key: a second copy is simply not kept.
            os.replace(temporary, target)
            return StoredFile(key=key, sha256=sha256, size=size)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def open(self, key: str) -> BinaryIO:
        """Open a stored blob for reading."""
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        """Whether the blob is there."""
        return self._path(key).is_file()

    def stored_before(self, moment: datetime) -> Iterator[str]:
        """Blobs and partial uploads (left by a killed process) older than ``moment``."""
        if not self.root.exists():
            return
        cutoff = moment.timestamp()
        candidates = itertools.chain(self.root.glob(".partial-*"), self.root.glob("sha256/*/*/*"))
        for path in candidates:
            if path.is_file() and path.stat().st_mtime < cutoff:
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        """Remove a blob."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    # --- resumable uploads: parts are files under ``.uploads/<token>/`` until adopted ---------

    def _upload_dir(self, token: str) -> Path:
        if not token.isalnum():
            raise KeyError(token)
        return self.root / ".uploads" / token

    def begin_upload(self, token: str) -> str:
        """A directory for the parts; its name is the handle."""
        self._upload_dir(token).mkdir(parents=True, exist_ok=True)
        return token

    def put_part(self, token: str, upload: str, number: int, stream: BinaryIO, size: int) -> Part:
        """Copy exactly ``size`` bytes into a temporary file, then rename it into place."""
        directory = self._upload_dir(token)
        if not directory.is_dir():
            raise FileStoreError("no such upload")
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".part-")
        try:
            digest, written = hashlib.md5(usedforsecurity=False), 0
            with os.fdopen(descriptor, "wb") as out:
                while chunk := stream.read(min(CHUNK, size + 1 - written)):
                    written += len(chunk)
                    if written > size:
                        raise PartRefused(f"part {number} is longer than {size} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                if written != size:
                    raise PartRefused(f"part {number} has {written} of {size} bytes")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, directory / f"part-{number:05d}")
            # Kept beside the part, so the upload's listing gives the ETag this answer gives.
            (directory / f"etag-{number:05d}").write_text(digest.hexdigest())
            return Part(number=number, size=size, etag=digest.hexdigest())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def list_parts(self, token: str, upload: str) -> list[Part]:
        """Parts renamed into place (a part cut off midway never is)."""
        directory = self._upload_dir(token)
        if not directory.is_dir():
            return []
        return [
            Part(number=int(path.name[5:]), size=path.stat().st_size, etag=self._etag(path))
            for path in sorted(directory.glob("part-*"))
        ]

    @staticmethod
    def _etag(part: Path) -> str:
        """The part's MD5 as :meth:`put_part` answered it (empty if it was never written)."""
        try:
            return (part.parent / f"etag-{part.name[5:]}").read_text()
        except FileNotFoundError:
            return ""

    def finish_upload(self, token: str, upload: str, parts: list[Part]) -> None:
        """Nothing to join on disk: ``adopt_upload`` reads the parts in order."""

    def read_head(self, token: str, upload: str) -> bytes:
        """The first bytes of part 1."""
        with (self._upload_dir(token) / "part-00001").open("rb") as first:
            return first.read(HEAD_BYTES)

    def adopt_upload(self, token: str, max_bytes: int, inspect: Inspector | None) -> StoredFile:
        """Hash the parts in order into a blob under its content key, then drop the parts."""
        parts = sorted(self._upload_dir(token).glob("part-*"))
        stored = self.save(_Joined(parts), max_bytes, inspect)
        self.abort_upload(token, token)
        return stored

    def abort_upload(self, token: str, upload: str) -> None:
        """Remove the upload's directory."""
        shutil.rmtree(self._upload_dir(token), ignore_errors=True)

    def stale_uploads(self, moment: datetime) -> Iterator[tuple[str, str]]:
        """Upload directories untouched since before ``moment``."""
        base = self.root / ".uploads"
        if not base.is_dir():
            return
        for directory in base.iterdir():
            if directory.is_dir() and directory.stat().st_mtime < moment.timestamp():
                yield directory.name, directory.name

    def local_path(self, key: str) -> Path | None:
        """The blob's file."""
        return self._path(key)


class _Joined(io.RawIOBase):
    """The concatenation of files, read one after another (never all in memory)."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while True:
            if self._current is None:
                if not self._paths:
                    return b""
                self._current = self._paths.pop(0).open("rb")
            chunk = self._current.read(size if size and size > 0 else CHUNK)
            if chunk:
                return chunk
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()
