"""The active codebook as the pages show it: its version, name and text, its themes (id, label,
definition, a summary of each rule) and the languages it covers.

What every page needs (theme ids, labels, languages) is read straight from the stored YAML
(libyaml when installed: milliseconds); the rule summaries, which only the method page shows,
parse the codebook with :mod:`tracker.codebook` (which expands every phrase) when first asked for.
"""

from __future__ import annotations

import shlex
import sqlite3
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from tracker.query.connection import connect

#: Labels of the default themes, used when the database holds no readable codebook.
DEFAULT_THEME_LABELS = {
    "militarization": "Militarization of cyberspace and technology",
    "digital_divide": "Digital divide",
    "un_main_channel": "The UN as the main channel",
    "ai_governance": "Governance of AI",
    "cyber_threats": "Cyber attacks and cybercrime",
    "disinformation": "Disinformation and hate speech",
    "capacity_building": "Capacity building and technology transfer",
    "non_interference": "Non-interference and sovereignty",
    "unilateral_sanctions": "Unilateral coercive measures",
    "bloc_confrontation": "Cold War mentality and bloc politics",
    "security_council_reform": "Reform of the Security Council",
    "global_digital_compact": "Pact for the Future and Global Digital Compact",
}

#: The C loader when PyYAML was built with libyaml (about five times faster on the codebook).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ThemeInfo:
    id: str
    label: str
    definition: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outline:
    """The themes (without rule summaries) and languages of a codebook's text."""

    themes: tuple[ThemeInfo, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodebookInfo:
    version: str
    name: str
    text: str
    path: str

    @property
    def outline(self) -> Outline:
        return outline(self.text)

    @property
    def theme_ids(self) -> tuple[str, ...]:
        """The themes' ids in codebook order (without parsing the rules)."""
        return tuple(t.id for t in self.outline.themes)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages at least one rule has phrases for."""
        return self.outline.languages

    @cached_property
    def themes(self) -> tuple[ThemeInfo, ...]:
        """Every theme with its rules summarised (parses the codebook once per text)."""
        return detailed_themes(self.text, self.path) or self.outline.themes

    def label(self, theme: str) -> str:
        return self.labels().get(theme, theme)

    def labels(self) -> dict[str, str]:
        """Theme id -> label: the codebook's, and the default themes' for ids it lacks."""
        out = dict(DEFAULT_THEME_LABELS)
        out.update({t.id: t.label for t in self.outline.themes})
        return out


def codebook_info(db: str | Path) -> CodebookInfo | None:
    """The active codebook of ``db``; None when it has none."""
    with connect(db) as conn:
        try:
            row = conn.execute(
                "SELECT c.version, c.name, c.text, c.path FROM settings s "
                "JOIN codebooks c ON c.version = s.value WHERE s.key = 'active_codebook'"
            ).fetchone()
        except sqlite3.OperationalError:
            return None
    return CodebookInfo(*row) if row else None


def unfinished_recoding(db: str | Path) -> str | None:
    """What is wrong when the stored statements are not all coded with the active codebook
    (a `tracker match` interrupted before its end, which switches the active codebook), or
    None. Counts from such a database mix two codebooks, so no figure should be read from it."""
    with connect(db) as conn:
        try:
            active = conn.execute(
                "SELECT value FROM settings WHERE key = 'active_codebook'"
            ).fetchone()
            counts = conn.execute(
                "SELECT codebook_version, COUNT(*) FROM statements GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:
            return None
    if active is None or all(version == active[0] for version, _ in counts):
        return None
    total = sum(n for _, n in counts)
    other = [f"{n:,} with {version[:12] or 'none'}" for version, n in counts if version != active[0]]
    return (f"{total - sum(n for v, n in counts if v != active[0]):,} of {total:,} statements "
            f"are coded with the active codebook {active[0][:12]}, {'; '.join(other)}: a "
            "re-match (`tracker match`) was interrupted before its end, and counts would mix "
            f"codebooks. Run the same `tracker match --codebook ... --db {shlex.quote(str(db))}` "
            f"again to complete it, or `tracker match --db {shlex.quote(str(db))}` to re-code all "
            "with the active one.")  # fmt: skip


def theme_labels(db: str | Path) -> dict[str, str]:
    """Theme id -> label of the active codebook (the default themes' without one)."""
    info = codebook_info(db)
    return info.labels() if info else dict(DEFAULT_THEME_LABELS)


@lru_cache(maxsize=8)
def outline(text: str) -> Outline:
    """Theme ids, labels, definitions and the rules' languages, read from the YAML without
    validating it (the stored text was validated when it was stored); empty when it is not
    YAML."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506  (a safe loader)
    except yaml.YAMLError:
        return Outline()
    items = data.get("themes") if isinstance(data, dict) else None
    themes, languages = [], set()
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        themes.append(ThemeInfo(item["id"], _text(item.get("label")) or item["id"],
                                _text(item.get("definition"))))  # fmt: skip
        languages.update(_rule_languages(item.get("rules")))
    return Outline(tuple(themes), tuple(sorted(languages)))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rule_languages(rules: Any) -> set[str]:
    """The languages of a theme's rules: the keys of their ``phrases`` and ``near`` maps."""
    out: set[str] = set()
    for rule in rules if isinstance(rules, list) else []:
        for key in ("phrases", "near"):
            terms = rule.get(key) if isinstance(rule, dict) else None
            if isinstance(terms, dict):
                out.update(str(lang) for lang in terms)
    return out


@lru_cache(maxsize=8)
def detailed_themes(text: str, path: str) -> tuple[ThemeInfo, ...]:
    """Every theme with one summary line per rule, through :mod:`tracker.codebook` (empty when
    the parser rejects the stored text, say a codebook of an older format)."""
    from tracker.codebook import codebook_from_text
    from tracker.errors import CodebookError

    try:
        book = codebook_from_text(text, path=path)
    except (CodebookError, OSError):
        return ()
    return tuple(ThemeInfo(t.id, t.label, t.definition, tuple(_rule_texts(t)))
                 for t in book.themes)  # fmt: skip


def _rule_texts(theme: Any) -> list[str]:
    """One readable line per rule: its name, kind and (English first) phrases or term groups."""
    out = []
    for rule in theme.rules:
        body = ""
        if rule.phrases:
            lang = "en" if "en" in rule.phrases else min(rule.phrases)
            items = list(rule.phrases[lang])
            more = f"; … ({len(items)} in all)" if len(items) > 12 else ""
            body = f"[{lang}] " + "; ".join(items[:12]) + more
        elif rule.groups:
            lang = "en" if "en" in rule.groups else min(rule.groups)
            near = (f" within {rule.within} words" if rule.within
                    else " in one sentence (or with the one before)")  # fmt: skip
            body = f"[{lang}] " + " NEAR ".join(
                "(" + " | ".join(list(g)[:6]) + (" | …" if len(g) > 6 else "") + ")"
                for g in rule.groups[lang]
            ) + near
        out.append(f"{rule.name} ({rule.kind}): {body}" if body else f"{rule.name} ({rule.kind})")
    return out
