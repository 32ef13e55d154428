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
import itertools
import os
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


def content_key(sha256: str) -> str:
    """The key of content with this hash: ``sha256/ab/cd/abcd...``."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


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
            digest, size = hashlib.sha256(), 0
            head = b""
            with os.fdopen(descriptor, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    if inspect is not None and len(head) < HEAD_BYTES:
                        head += chunk[: HEAD_BYTES - len(head)]
                        if len(head) >= HEAD_BYTES:
                            inspect(head)
                    digest.update(chunk)
                    out.write(chunk)
                if size == 0:
                    raise EmptyFile("the file is empty")
                if inspect is not None and len(head) < HEAD_BYTES:
                    inspect(head)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
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
