"""Outgoing mail behind one interface: a console sink, a file sink (``.eml`` files), or SMTP."""

from __future__ import annotations

import re
import smtplib
import sys
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from market.db import utcnow

# A subject is one line a mail client shows whole: RFC 5322's recommended 78 characters at most.
SUBJECT_MAX = 78
# Line breaks, tabs and other controls, and the format characters that reorder or hide text:
# in a header they fold it unpredictably or make it read otherwise than it is written.
_NOT_IN_SUBJECT = frozenset({"Cc", "Cf", "Zl", "Zp"})


# What a subject quotes from people (a listing's title, a dispute's reason), in “…” or 「…」.
_QUOTED = re.compile(r"(?<=[“「])[^“”「」]+(?=[”」])")
# A quoted text is shortened to no fewer characters than this before the sentence is.
_QUOTE_KEEPS = 10


def _clip(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters ending in "…", at a space when one is near."""
    if len(text) <= length:
        return text
    head = text[: length - 1]
    words = head.rsplit(" ", 1)[0]
    if " " in head and len(words) >= len(head) * 2 // 3:
        head = words
    return head.rstrip() + "…"


def subject_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """``text`` as a mail subject: one line (each run of blank space or control characters one
    space), format characters dropped, at most ``limit`` characters. Subjects quote what users
    typed (a dispute's reason, a listing's title); when one is too long, the longest quoted
    text is shortened first (with "…"), so the sentence's own words, which say what happened,
    stay whole; the sentence is clipped only past that. The body keeps everything whole."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category not in _NOT_IN_SUBJECT:
            kept.append(char)
    line = " ".join("".join(kept).split())
    while len(line) > limit:
        quoted = [m for m in _QUOTED.finditer(line) if len(m.group()) > _QUOTE_KEEPS]
        if not quoted:
            break
        longest = max(quoted, key=lambda m: len(m.group()))
        keep = max(_QUOTE_KEEPS, len(longest.group()) - (len(line) - limit))
        line = line[: longest.start()] + _clip(longest.group(), keep) + line[longest.end() :]
    return _clip(line, limit)


@dataclass(frozen=True)
class Mail:
    """A plain-text message to one recipient; its subject is made one short line
    (:func:`subject_line`) whoever builds it."""

    to: str
    subject: str
    body: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", subject_line(self.subject))


class Mailer:
    """Sends :class:`Mail`."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def build(self, mail: Mail) -> EmailMessage:
        """The RFC 5322 message for ``mail``."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        return message

    def send(self, mail: Mail) -> None:
        """Deliver ``mail``."""
        raise NotImplementedError


LINK = re.compile(r"https?://\S+")


class ConsoleMailer(Mailer):
    """Prints messages to standard error (the demo's default), readable as they are: the
    RFC 5322 form would encode a Chinese body in base64 and hide its links."""

    def send(self, mail: Mail) -> None:
        """Print the message, then each of its links on a line of its own."""
        rule = "-" * 72
        lines = [rule, f"MAIL to {mail.to}: {mail.subject}", "", mail.body.rstrip(), ""]
        lines += [f"MAIL LINK for {mail.to}: {link}" for link in LINK.findall(mail.body)]
        lines.append(rule)
        print("\n".join(lines), file=sys.stderr, flush=True)


class FileMailer(Mailer):
    """Writes each message as an ``.eml`` file into a directory."""

    def __init__(self, sender: str, directory: Path) -> None:
        super().__init__(sender)
        self.directory = directory

    def send(self, mail: Mail) -> None:
        """Write the message to a new file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{abs(hash(mail)) % 10**8:08d}.eml"
        path.write_bytes(bytes(self.build(mail)))


class SMTPMailer(Mailer):
    """Sends through an SMTP relay (``smtp://host:port``)."""

    def __init__(self, sender: str, host: str, port: int) -> None:
        super().__init__(sender)
        self.host, self.port = host, port

    def send(self, mail: Mail) -> None:
        """Hand the message to the relay."""
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.send_message(self.build(mail))


def make_mailer(sink: str, sender: str) -> Mailer:
    """The mailer named by ``SHUJIAO_MAIL_SINK``: ``console``, ``file:DIR`` or ``smtp://H:P``."""
    if sink == "console":
        return ConsoleMailer(sender)
    if sink.startswith("file:"):
        return FileMailer(sender, Path(sink.removeprefix("file:")))
    if sink.startswith("smtp://"):
        parts = urlsplit(sink)
        return SMTPMailer(sender, parts.hostname or "localhost", parts.port or 25)
    raise ValueError(
        f"SHUJIAO_MAIL_SINK must be console, file:DIR or smtp://HOST:PORT, not {sink!r}"
    )
