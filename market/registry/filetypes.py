"""Accepted file types and content sniffing: a file's first bytes must match its extension.

The extension decides the declared type; the magic bytes (or, for text formats, valid UTF-8
or GB18030 without NUL bytes) must agree, otherwise the upload is refused naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from market.errors import InvalidInput
from market.text import N_


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        head.decode(encoding)
    except UnicodeDecodeError as error:
        # The head may end in the middle of a multi-byte character.
        truncated = error.reason in ("unexpected end of data", "incomplete multibyte sequence")
        return truncated and error.start >= len(head) - 3
    return True


def _text(head: bytes) -> bool:
    """UTF-8, or GB18030 (which contains GBK and GB2312, common in exports made in China)."""
    if b"\x00" in head:
        return False
    return _decodes(head, "utf-8") or _decodes(head, "gb18030")


def _json(head: bytes) -> bool:
    return _text(head) and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda head: head[:4] == b"RIFF" and head[8:12] == form


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _iso_media(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


ZIP = _starts(b"PK\x03\x04")

# extension -> (media type, check of the first bytes)
TYPES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "csv": ("text/csv", _text),
    "tsv": ("text/tab-separated-values", _text),
    "txt": ("text/plain", _text),
    "md": ("text/markdown", _text),
    "json": ("application/json", _json),
    "jsonl": ("application/jsonl", _text),
    "geojson": ("application/geo+json", _json),
    "xml": ("application/xml", _text),
    "obj": ("model/obj", _text),
    "gltf": ("model/gltf+json", _json),
    "parquet": ("application/vnd.apache.parquet", _starts(b"PAR1")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "zip": ("application/zip", ZIP),
    "pdf": ("application/pdf", _starts(b"%PDF-")),
    "png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "gif": ("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", _riff(b"WEBP")),
    "tif": ("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    "tiff": ("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    "mp3": ("audio/mpeg", _mp3),
    "wav": ("audio/wav", _riff(b"WAVE")),
    "flac": ("audio/flac", _starts(b"fLaC")),
    "mp4": ("video/mp4", _iso_media),
    "mov": ("video/quicktime", _iso_media),
    "glb": ("model/gltf-binary", _starts(b"glTF")),
}


def extension(name: str) -> str:
    """The lower-case extension of a file name, without the dot."""
    return PurePosixPath(name).suffix.lower().lstrip(".")


def media_type(name: str, field: str) -> str:
    """The media type declared by a file's name, or InvalidInput if the type is not accepted."""
    ext = extension(name)
    if ext not in TYPES:
        raise InvalidInput(
            N_("This file type is not accepted."), field=field, accepted=sorted(TYPES)
        )
    return TYPES[ext][0]


def inspector(name: str, field: str) -> Callable[[bytes], None]:
    """A check of a file's first bytes against its extension, raising InvalidInput."""
    _media, matches = TYPES[extension(name)]

    def inspect(head: bytes) -> None:
        if not matches(head):
            raise InvalidInput(N_("The file's content does not match its type."), field=field)

    return inspect
