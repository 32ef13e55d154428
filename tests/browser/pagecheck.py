"""The checks every page must pass, in both languages and at both widths: nothing wider than
the window, no untranslated words or raw codes, no serious accessibility violations (axe-core);
each page checked leaves a screenshot under ``build/screenshots`` for a reviewer."""

from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python

from tests.browser.helpers import overflow, screenshot

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WIDTHS = (375, 1280)
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
# Codes and literals a reader must never see (outside <code>): snake_case identifiers, Python
# literals, bare ISO territory codes (a word inside a sentence, "None yet.", is not one).
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:True|False|None|realtime|CN)\b(?![¥ .])")
# On Chinese pages: two or more English words in a row are an untranslated phrase.
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,})+\b")
# On Chinese pages: a lone lowercase word is a raw code (``built``, ``paid``) left untranslated
# (e-mail addresses, paths and file names aside).
LOWER_WORD = re.compile(r"(?<![\w@./:#-])[a-z]{3,}(?![\w@./:-])")
# On English pages: Chinese characters are untranslated (language names aside).
CHINESE = re.compile(r"[\u4e00-\u9fff]+")
ALLOWED = frozenset({"數交", "简体中文", "English", "Shujiao"})


def visible_text(page) -> str:
    """The page's text as a reader sees it, without code and without text marked with its own
    language (people's own words) or as not to be translated."""
    return page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('code, pre, script, style, [lang]:not(html), [translate=no]').forEach(e => e.remove());
            document.body.appendChild(copy); copy.hidden = false;
            const text = copy.innerText; copy.remove(); return text;
        }"""
    )


def problems(page, language: str, allowed=ALLOWED) -> list[str]:
    """Raw codes, and words in the other language, in the page's visible text."""
    text = visible_text(page)
    found = [f"raw code {m!r}" for m in RAW.findall(text)]
    if language == "zh":
        found += [f"English {m!r}" for m in ENGLISH_PHRASE.findall(text) if m not in allowed]
        found += [f"English word {m!r}" for m in LOWER_WORD.findall(text) if m not in allowed]
    else:
        found += [f"Chinese {m!r}" for m in CHINESE.findall(text) if m not in allowed]
    return found


def axe(page) -> list[str]:
    """Serious and critical axe-core violations on the page."""
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check(page, path: str, shot: str, language: str, allowed=ALLOWED) -> list[str]:
    """Open ``path`` and list everything wrong with it; save its screenshot as ``shot``."""
    response = page.goto(path)
    page.wait_for_load_state("load")
    found = [] if response.ok else [f"HTTP {response.status}"]
    wider = overflow(page)
    if wider:
        found.append(f"{wider}px wider than the window")
    found += problems(page, language, allowed)
    found += axe(page)
    screenshot(page, shot)
    return [f"{path} [{shot}]: {problem}" for problem in found]
