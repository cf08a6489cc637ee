"""Load and validate a codebook: named, versioned themes with the rules that find them.

A codebook is a YAML file (see ``tracker/codebooks/README.md``)::

    name: default
    cutoff: 80                 # fuzziness cutoff: 0-100 normalized OSA similarity
    aliases:                   # named variants, used in phrases as {ict}
      en:
        ict: [ICT, ICTs, information and communication(s|) technolog(y|ies)]
    themes:
      - id: digital_divide
        label: Digital divide
        definition: names the digital divide ...
        cutoff: 90             # optional, per theme
        exclude:               # contexts that veto any match of the theme
          - phrases: {en: [divide and rule]}
            within: 0          # words from the match (0: overlapping), or "sentence"
        rules:
          - phrases:           # exact or fuzzy phrases, per language
              en: [digital divide, (digital|technolog(y|ical)) gap]
              fr: [fracture numérique]
          - near:              # terms of every group close together
              en: [[access], [internet, connectivity], [unequal, inequitable]]
            within: sentence   # or a number of words
            cutoff: 92         # optional, per rule

Phrase syntax: words are matched after case, accent, spelling (British/American) and inflection
folding; ``(a|b|)`` lists alternatives (an empty one makes the part optional); ``{name}`` inserts
an alias group; ``*`` stands for any one word and ``~3`` for up to three words.

The version is the first 12 hex digits of the SHA-256 of the canonical (parsed, key-sorted JSON)
content, so comments and layout do not change it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import CodebookError

DEFAULT_CODEBOOK: Path = Path(__file__).resolve().parent / "codebooks" / "default.yaml"

DEFAULT_CUTOFF = 80.0
DEFAULT_MIN_FUZZY_LENGTH = 6
MAX_EXPANSIONS = 5000  # alternatives a single phrase may expand to

_TOP_KEYS = {
    "name", "description", "cutoff", "min_fuzzy_length", "aliases", "not_typos", "themes",
    "reported_speech", "semantic",
}  # fmt: skip
_THEME_KEYS = {
    "id", "label", "definition", "rules", "cutoff", "exclude", "notes", "stance", "examples",
}  # fmt: skip
_STANCE_KEYS = {"directional", "opposes", "reports", "actor_verbs"}
DIRECTIONS = ("supports", "opposes", "reports")
_RULE_KEYS = {"name", "phrases", "near", "within", "cutoff", "exclude", "notes"}
_EXCLUDE_KEYS = {"phrases", "within"}
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_LANG = re.compile(r"[a-z]{2,3}\Z")
_ALIAS_REF = re.compile(r"\{([^{}]*)\}")
_WORD = re.compile(r"[^\W_]")
_GAP = re.compile(r"(?<!\S)~([0-9]+)(?!\S)")
MAX_GAP = 6

SENTENCE = None  # ``within`` value meaning: the same sentence, or it and the sentence before


@dataclass(frozen=True)
class Exclusion:
    """Phrases whose presence near a match vetoes it.

    ``within`` is a number of words between the exclusion and the matched span (0: overlapping
    or touching), or ``None`` for the sentences the match spans.
    """

    phrases: dict[str, tuple[str, ...]]
    within: int | None = 0


@dataclass(frozen=True)
class Rule:
    """One way of expressing a theme: a list of phrases, or groups of terms near each other.

    ``kind`` is ``phrase`` or ``near``. Phrases are stored expanded (alternatives and aliases
    resolved), per language. For ``near`` rules every group needs one term present, all within
    ``within`` words of the first group's term, or (``within`` None) in one sentence read with
    the sentence before it.
    """

    name: str
    kind: str
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    within: int | None = None
    cutoff: float = DEFAULT_CUTOFF
    exclude: tuple[Exclusion, ...] = ()

    @property
    def languages(self) -> frozenset[str]:
        """Languages this rule has terms for."""
        return frozenset(self.phrases) | frozenset(self.groups)


@dataclass(frozen=True)
class Stance:
    """How a match's direction is read (see ``tracker/stance.py``).

    ``directional`` themes carry a position in their definition (condemns, calls for, rejects):
    only matches that ``support`` it make the theme present. ``opposes`` cues in the match's
    sentence mean the speaker takes the other side ("sanctions must be maintained"); ``reports``
    cues mean the speaker reports rather than holds the position (its own sanctions, a
    description of the past). Cues are phrases, matched like the rules' phrases.
    ``actor_verbs`` are verbs whose subject, when it is the speaker ("we imposed", "we will not
    lift", "We withdrew ... and imposed"), makes the match a report of the speaker's own act.
    """

    directional: bool = False
    opposes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    actor_verbs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "impose": we impose


@dataclass(frozen=True)
class Theme:
    """A position theme: what it is (``definition``) and the rules that find it.

    ``examples`` are general sentences expressing the theme, per language: exemplars of the
    semantic matcher (never copied from one statement).
    """

    id: str
    label: str
    definition: str
    rules: tuple[Rule, ...]
    cutoff: float = DEFAULT_CUTOFF
    exclude: tuple[Exclusion, ...] = ()
    stance: Stance = field(default_factory=Stance)
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def counts(self, direction: str) -> bool:
        """Whether a match of this direction makes the theme present in a statement."""
        if direction == "opposes":
            return False
        return direction == "supports" or not self.stance.directional

    @property
    def languages(self) -> frozenset[str]:
        """Languages in which at least one rule of the theme can fire."""
        return frozenset().union(*(rule.languages for rule in self.rules))


@dataclass(frozen=True)
class Codebook:
    """A named, versioned set of themes, with the text it was read from."""

    name: str
    version: str
    themes: tuple[Theme, ...]
    languages: frozenset[str]
    text: str
    path: str
    cutoff: float = DEFAULT_CUTOFF
    min_fuzzy_length: int = DEFAULT_MIN_FUZZY_LENGTH
    not_typos: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reported_speech: dict[str, tuple[str, ...]] = field(default_factory=dict)
    semantic_model: str = ""  # the semantic model file (absolute), "" when the matcher is off
    #: the version of the rules alone (the content less the semantic model): codebooks that
    #: differ only in their semantic model compile to the same lexicon
    rules_version: str = ""

    def theme(self, id: str) -> Theme:
        """The theme with this id; CodebookError naming the valid ids otherwise."""
        for item in self.themes:
            if item.id == id:
                return item
        ids = ", ".join(t.id for t in self.themes)
        raise CodebookError(f"codebook '{self.name}' has no theme '{id}'; its themes: {ids}")

    @property
    def theme_ids(self) -> list[str]:
        """Theme ids in codebook order."""
        return [t.id for t in self.themes]


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook file (the default codebook when ``path`` is None). Its
    ``path`` is absolute: a database records it, and a relative one (and so the semantic model
    beside it) would be looked for from wherever a later command runs."""
    file = Path(path).expanduser() if path is not None else DEFAULT_CODEBOOK
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodebookError(f"{file}: no such codebook file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{file}: cannot read the codebook ({exc})") from None
    return codebook_from_text(text, path=str(file.resolve()))


def stored_codebook(text: str, path: str, version: str, db: str | Path | None = None) -> Codebook:
    """A database's active codebook read again from its stored text, which must give the
    stored version: its semantic model (a file beside it) may since have changed, moved or been
    replaced, and statements coded by it would then carry a version the database does not
    record. CodebookError says how to re-code (the database ``db``, when given: a command
    without ``--db`` re-codes ./db/tracker.db instead)."""
    book = codebook_from_text(text, path=path)
    if book.version != version:
        model = book.semantic_model or "(none)"
        raise CodebookError(
            f"the database's codebook {version} no longer reads the same: its semantic model "
            f"({model}) has changed, moved or is another file now (it reads as {book.version}); "
            f"re-code with `tracker match --codebook {shlex.quote(path)}"
            f"{f' --db {shlex.quote(str(db))}' if db else ''}` "
            "(or the codebook you mean)"
        )
    return book


class CodebookLineError(CodebookError):
    """A codebook error at a known line of the text read.

    ``line`` is 1-based (None when the place has no line, e.g. a missing top-level field);
    ``place`` names the theme, rule and field ("theme 'x', rule 2, en"); ``problem`` is the
    message without the file, place and line, for an editor that shows its own line numbers.
    """

    def __init__(self, where: str, place: str, problem: str, line: int | None):
        at = f" (line {line})" if line is not None else ""
        super().__init__(f"{where}: {place + ': ' if place else ''}{problem}{at}")
        self.place = place
        self.problem = problem
        self.line = line


#: libyaml's parser where PyYAML was built with it (parsing the default codebook: 0.05 s
#: instead of 0.5 s, in every process that loads it), else the pure-Python one; both safe.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlacedLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that remembers the node each mapping and list was built from, so a
    validation error can name its line."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.nodes: dict[int, yaml.Node] = {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        value = super().construct_object(node, deep=deep)
        if isinstance(value, (dict, list)):
            self.nodes[id(value)] = node
        return value


def read_yaml(text: str, *, where: str = "<string>") -> tuple[Any, dict[int, yaml.Node]]:
    """Parsed YAML and the node of each mapping and list in it (by ``id``).

    A syntax error is a :class:`CodebookLineError` naming its line and column.
    """
    loader = _PlacedLoader(text)
    try:
        return loader.get_single_data(), loader.nodes
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        opened, context = getattr(exc, "context_mark", None), getattr(exc, "context", None)
        if opened is not None and context and mark is not None and opened.line != mark.line:
            # the fault is often where the bracket or quote opened ("[divide, gap" never
            # closed is found on the next line): name that line too
            problem += f" ({context.removeprefix('while ')} opened at line {opened.line + 1})"
        error = CodebookLineError(where, "", f"not valid YAML{at}: {problem}", None)
        error.line = mark.line + 1 if mark else None
        raise error from None
    finally:
        loader.dispose()


def codebook_from_text(text: str, *, path: str = "<string>") -> Codebook:
    """Parse and validate codebook text; ``path`` names it in error messages, which name the
    line at fault where there is one (:class:`CodebookLineError`)."""
    where = Path(path).name or path
    data, nodes = read_yaml(text, where=where)
    return _Parser(where, nodes).codebook(data, text=text, path=path)


def node_line(nodes: Mapping[int, yaml.Node], at: Any, key: Any = None) -> int | None:
    """The 1-based line of ``at[key]`` (a mapping key's line, a list item's line), else of the
    mapping or list ``at`` itself; None when ``at`` was not read from YAML (a scalar)."""
    node = nodes.get(id(at)) if isinstance(at, (dict, list)) else None
    if node is None:
        return None
    if key is not None and isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                return key_node.start_mark.line + 1
    if isinstance(key, int) and isinstance(node, yaml.SequenceNode) and 0 <= key < len(node.value):
        return node.value[key].start_mark.line + 1
    return node.start_mark.line + 1


def canonical_version(data: Any) -> str:
    """First 12 hex digits of the SHA-256 of the key-sorted JSON form of parsed content. YAML
    reads an unquoted date (``description: 2020-01-01``) as a date: it is hashed as its text.
    Any other value JSON cannot hold (a ``!!set``, ``!!binary``) is a TypeError: a set's text
    changes from one process to the next, and so would the version."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_date_text)  # fmt: skip
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def _date_text(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} value")


def expand_phrase(
    phrase: str, aliases: Mapping[str, tuple[str, ...]] | None = None, *, alias_key: str = ""
) -> list[str]:
    """All wordings of a phrase: ``{alias}`` groups inserted, ``(a|b|)`` alternatives expanded.
    ``alias_key`` is ``_alias_key(aliases)`` when the caller has it (a load expands thousands of
    phrases with one alias table).

    Raises ValueError with a readable reason on unbalanced brackets or unknown aliases.
    """
    key = (phrase, alias_key or _alias_key(aliases))
    wordings = _EXPANDED.get(key)
    if wordings is None:
        wordings = _expanded_phrase(phrase, aliases or {})
        with _EXPANDED_LOCK:
            global _EXPANDED_WORDINGS
            if _EXPANDED_WORDINGS + len(wordings) > _EXPANDED_MAX_WORDINGS:
                _EXPANDED.clear()
                _EXPANDED_WORDINGS = 0
            _EXPANDED[key] = wordings
            _EXPANDED_WORDINGS += len(wordings)
    return list(wordings)


#: Phrase expansions remembered in this process: every load of a codebook (each ingest,
#: re-match, preview, validation) expands the same few thousand phrases again. Bounded by the
#: wordings held, since a codebook edited on the page may hold phrases of up to MAX_EXPANSIONS
#: wordings each. The default's 2,357 phrases expand to about 250,000 wordings: the bound holds
#: one whole codebook and what an edit adds; loading a second, different one clears it (a load
#: then takes about 0.32 s instead of 0.07 s).
_EXPANDED: dict[tuple[str, str], tuple[str, ...]] = {}
_EXPANDED_WORDINGS = 0
_EXPANDED_MAX_WORDINGS = 300_000
_EXPANDED_LOCK = threading.Lock()
#: Phrases (with their aliases) whose every wording passed a load's checks (words, no star at
#: an end or glued to a word): checking the default's 250,000 wordings took most of a load
#: once the expansions were remembered (0.3 of 0.38 s). A wording's checks read only the
#: wording, so a phrase that passed once passes again.
_WORDINGS_CHECKED: set[tuple[str, str]] = set()
_WORDINGS_CHECKED_KEPT = 50_000


def _alias_key(aliases: Mapping[str, tuple[str, ...]] | None) -> str:
    """A short digest of an alias table: the memos key each phrase by it. A copy of the whole
    table per phrase grew them by the table's size (a review: about 300 MB each for 24 loads
    of a codebook of 2,000 phrases and 100 aliases, an alias edited between loads)."""
    table = sorted((name, list(words)) for name, words in (aliases or {}).items())
    blob = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _remember_checked(key: tuple[str, str]) -> None:
    if len(_WORDINGS_CHECKED) >= _WORDINGS_CHECKED_KEPT:
        _WORDINGS_CHECKED.clear()
    _WORDINGS_CHECKED.add(key)


def _expanded_phrase(phrase: str, aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    wordings = _expand_aliases(_GAP.sub(_gap_alternatives, phrase), aliases, 0)
    out: list[str] = []
    for wording in wordings:
        out.extend(_expand_alternatives(wording))
        if len(out) > MAX_EXPANSIONS:
            raise ValueError(f"expands to more than {MAX_EXPANSIONS} wordings")
    return tuple(" ".join(w.split()) for w in dict.fromkeys(out) if w.strip())


def _gap_alternatives(match: re.Match) -> str:
    """``~3`` (up to three words of any kind) -> ``(|* |* * |* * * )``."""
    n = int(match.group(1))
    if not 1 <= n <= MAX_GAP:
        raise ValueError(f"has a gap '~{n}'; gaps go from ~1 to ~{MAX_GAP} words")
    return "(" + "|".join("* " * i for i in range(n + 1)) + ")"


def _expand_aliases(phrase: str, aliases: Mapping[str, tuple[str, ...]], depth: int) -> list[str]:
    if depth > 20:
        raise ValueError("nests aliases more than 20 deep (does an alias use itself?)")
    match = _ALIAS_REF.search(phrase)
    if not match:
        if "{" in phrase or "}" in phrase:
            raise ValueError("has an unbalanced '{' or '}'")
        return [phrase]
    name = match.group(1).strip()
    if name not in aliases:
        known = ", ".join(sorted(aliases)) or "none defined"
        raise ValueError(f"uses unknown alias '{{{name}}}' (aliases: {known})")
    head, tail = phrase[: match.start()], phrase[match.end() :]
    return [
        item
        for variant in aliases[name]
        for item in _expand_aliases(f"{head}({variant}){tail}", aliases, depth + 1)
    ]


def _expand_alternatives(text: str) -> list[str]:
    """Expand ``(a|b)`` groups (nested allowed) into every combination."""
    results = [""]
    i = 0
    while i < len(text):
        char = text[i]
        if char == ")":
            raise ValueError("has a ')' without its '('")
        if char != "(":
            results = [r + char for r in results]
            i += 1
            continue
        end = _closing(text, i)
        options = [o for part in _split_top(text[i + 1 : end]) for o in _expand_alternatives(part)]
        results = [r + o for r in results for o in options]
        if len(results) > MAX_EXPANSIONS:
            raise ValueError(f"expands to more than {MAX_EXPANSIONS} wordings")
        i = end + 1
    return results


def _bracket_problem(text: str) -> str:
    """Why the round brackets of ``text`` do not pair up, or ""."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "has a ')' without its '('"
    return "has a '(' without its ')'" if depth else ""


def _closing(text: str, start: int) -> int:
    depth = 0
    for j in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return j
    raise ValueError("has a '(' without its ')'")


def _split_top(inner: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in inner:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


class _Parser:
    """Validates parsed YAML into a Codebook; every error names its place."""

    def __init__(self, where: str, nodes: Mapping[int, yaml.Node] | None = None):
        self.where = where
        self.nodes = nodes or {}
        self.aliases: dict[str, dict[str, tuple[str, ...]]] = {}
        self.alias_keys: dict[str, str] = {}  # each language's _alias_key, once per load

    def fail(self, place: str, message: str, at: Any = None, key: Any = None) -> CodebookError:
        """The error at ``place``; ``at`` (the mapping or list being read) and ``key`` (the
        field or item in it) give its line."""
        return CodebookLineError(self.where, place, message, node_line(self.nodes, at, key))

    def codebook(self, data: Any, *, text: str, path: str) -> Codebook:
        if not isinstance(data, dict):
            raise self.fail("", "a codebook must be a mapping with 'name' and 'themes'")
        self.unknown_keys(data, _TOP_KEYS, "")
        name = self.text_field(data, "name", "")
        cutoff = self.cutoff(data, "", DEFAULT_CUTOFF)
        min_len = data.get("min_fuzzy_length", DEFAULT_MIN_FUZZY_LENGTH)
        if isinstance(min_len, bool) or not isinstance(min_len, int) or min_len < 1:
            raise self.fail("", f"'min_fuzzy_length' must be a positive integer, got {min_len!r}",
                            data, "min_fuzzy_length")  # fmt: skip
        self.aliases = self.alias_groups(data.get("aliases", {}), data)
        self.alias_keys = {}
        not_typos = self.word_lists(data.get("not_typos", {}), "not_typos", data)
        themes = self.themes(data.get("themes"), cutoff, data)
        reported = data.get("reported_speech", {})
        reported_speech = (
            self.phrase_map(reported, "reported_speech", "reported_speech", data)
            if reported
            else {}
        )
        semantic_model, model_hash = self.semantic_model(data, path)
        languages = frozenset().union(*(t.languages for t in themes))
        # the semantic model's content is part of the version: a new model is a new coding
        content = {"codebook": data, "semantic_model": model_hash} if model_hash else data
        try:
            version = canonical_version(content)
        except TypeError as exc:
            raise self.fail("", f"holds {exc} (a YAML tag such as !!set or !!binary): write it as "
                            "text, a number, a list or a mapping") from None  # fmt: skip
        return Codebook(
            name=name,
            version=version,
            themes=themes,
            languages=languages,
            text=text,
            path=path,
            cutoff=cutoff,
            min_fuzzy_length=min_len,
            not_typos=not_typos,
            reported_speech=reported_speech,
            semantic_model=semantic_model,
            rules_version=canonical_version({k: v for k, v in data.items() if k != "semantic"}),
        )

    def semantic_model(self, data: dict, path: str) -> tuple[str, str]:
        """The model file named by ``semantic`` (relative to the codebook, else to the shipped
        codebooks) and its hash."""
        value = data.get("semantic", False)
        if value is False or value is None:
            return "", ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail("", f"'semantic' must name a model file or be false, got {value!r}",
                            data, "semantic")  # fmt: skip
        file = Path(value)
        if not file.is_absolute():
            # beside the codebook first, then among the shipped models (so a copy of the
            # default codebook edited elsewhere keeps the default model)
            beside = Path(path).resolve().parent / file
            shipped = DEFAULT_CODEBOOK.parent / file
            file = beside if beside.exists() or not shipped.exists() else shipped
        try:
            blob = file.read_bytes()
        except OSError:
            raise self.fail(
                "semantic", f"model file {file} not found (train one with `tracker semantic "
                "train`, or write `semantic: false` to match with the rules only)", data, "semantic"
            ) from None
        return str(file), hashlib.sha256(blob).hexdigest()[:12]

    def unknown_keys(self, data: dict, allowed: set[str], place: str) -> None:
        extra = sorted(str(k) for k in data if k not in allowed)
        if extra:
            valid = ", ".join(sorted(allowed))
            raise self.fail(place, f"unknown field '{extra[0]}' (valid fields: {valid})", data,
                            extra[0])  # fmt: skip

    def text_field(self, data: dict, key: str, place: str) -> str:
        value = data.get(key)
        if value is None:
            raise self.fail(place, f"'{key}' is required", data, key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(place, f"'{key}' must be non-empty text, got {value!r}", data, key)
        return value.strip()

    def cutoff(self, data: dict, place: str, default: float) -> float:
        value = data.get("cutoff", default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
            raise self.fail(
                place, f"'cutoff' must be a number above 0 and at most 100, got {value!r}", data,
                "cutoff",
            )
        return float(value)

    def alias_groups(self, data: Any, parent: dict) -> dict[str, dict[str, tuple[str, ...]]]:
        if not isinstance(data, dict):
            raise self.fail("aliases", "must map languages to {name: [variants]}", parent,
                            "aliases")  # fmt: skip
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        for lang, groups in data.items():
            lang = self.language(lang, "aliases", data)
            if not isinstance(groups, dict):
                raise self.fail(f"aliases, {lang}", "must map alias names to lists of variants",
                                data, lang)  # fmt: skip
            out[lang] = {}
            for name, variants in groups.items():
                place = f"aliases, {lang}, '{name}'"
                if not isinstance(name, str) or not _ID.match(name):
                    raise self.fail(place, "alias names are lower-case words like 'ict'", groups,
                                    name)  # fmt: skip
                out[lang][name] = tuple(self.strings(variants, place, "variant", groups, name))
                for number, variant in enumerate(out[lang][name], 1):
                    # else the fault is reported at the first phrase that uses the alias, with
                    # that phrase's line and wording, where no bracket is missing
                    problem = _bracket_problem(variant)
                    if problem:
                        at, item = (variants, number - 1) if isinstance(variants, list) else (
                            groups, name)  # fmt: skip
                        raise self.fail(place, f"variant {number} '{variant}' {problem}", at, item)
        return out

    def word_lists(self, data: Any, key: str, parent: dict) -> dict[str, tuple[str, ...]]:
        if not isinstance(data, dict):
            raise self.fail(key, "must map languages to lists of words, e.g. {en: [...]}",
                            parent, key.rsplit(", ", 1)[-1])  # fmt: skip
        return {
            self.language(lang, key, data): tuple(
                self.strings(words, f"{key}, {lang}", "word", data, lang)
            )
            for lang, words in data.items()
        }

    def themes(self, data: Any, cutoff: float, parent: dict) -> tuple[Theme, ...]:
        if data is None:
            raise self.fail("", "'themes' is required")
        if not isinstance(data, list) or not data:
            raise self.fail("", "'themes' must be a non-empty list of themes", parent, "themes")
        themes: list[Theme] = []
        seen: set[str] = set()
        for number, item in enumerate(data, 1):
            theme = self.theme(item, number, cutoff, data)
            if theme.id in seen:
                raise self.fail(f"theme '{theme.id}'", "duplicate theme id", item, "id")
            seen.add(theme.id)
            themes.append(theme)
        return tuple(themes)

    def theme(self, data: Any, number: int, cutoff: float, themes: list) -> Theme:
        if not isinstance(data, dict):
            raise self.fail(
                f"theme {number}", "must be a mapping with id, label, definition, rules", themes,
                number - 1,
            )
        tid = data.get("id")
        if tid is None:
            raise self.fail(f"theme {number}", "'id' is required", data)
        if not isinstance(tid, str) or not _ID.match(tid):
            raise self.fail(
                f"theme {number}", f"'id' must be lower-case letters, digits and _, got {tid!r}",
                data, "id",
            )
        place = f"theme '{tid}'"
        self.unknown_keys(data, _THEME_KEYS, place)
        label = self.text_field(data, "label", place)
        definition = self.text_field(data, "definition", place)
        theme_cutoff = self.cutoff(data, place, cutoff)
        exclude = self.exclusions(data.get("exclude", []), place, data)
        rules = data.get("rules")
        if not isinstance(rules, list) or not rules:
            raise self.fail(place, "'rules' must be a non-empty list", data, "rules")
        parsed = tuple(
            self.rule(r, n, place, theme_cutoff, rules) for n, r in enumerate(rules, 1)
        )
        stance = self.stance(data.get("stance", {}), f"{place}, stance", data)
        examples = data.get("examples", {})
        if not isinstance(examples, dict):
            raise self.fail(place, "'examples' must map languages to lists of sentences", data,
                            "examples")  # fmt: skip
        sentences = {
            self.language(lang, place, examples): tuple(
                self.strings(items, f"{place}, examples", "example", examples, lang)
            )
            for lang, items in examples.items()
        }
        return Theme(tid, label, definition, parsed, theme_cutoff, exclude, stance, sentences)

    def stance(self, data: Any, place: str, theme: dict) -> Stance:
        if not isinstance(data, dict):
            raise self.fail(place, "must be a mapping with 'directional', 'opposes', 'reports'",
                            theme, "stance")  # fmt: skip
        self.unknown_keys(data, _STANCE_KEYS, place)
        directional = data.get("directional", False)
        if not isinstance(directional, bool):
            raise self.fail(place, f"'directional' must be true or false, got {directional!r}",
                            data, "directional")  # fmt: skip
        cues = {
            key: self.phrase_map(data[key], f"{place}, {key}", key, data) if key in data else {}
            for key in ("opposes", "reports")
        }
        verbs = self.word_lists(data.get("actor_verbs", {}), f"{place}, actor_verbs", data)
        return Stance(directional, cues["opposes"], cues["reports"], verbs)

    def rule(self, data: Any, number: int, theme_place: str, cutoff: float, rules: list) -> Rule:
        place = f"{theme_place}, rule {number}"
        if not isinstance(data, dict):
            raise self.fail(place, "must be a mapping with 'phrases' or 'near'", rules, number - 1)
        self.unknown_keys(data, _RULE_KEYS, place)
        kinds = [k for k in ("phrases", "near") if k in data]
        if len(kinds) != 1:
            raise self.fail(place, "needs exactly one of 'phrases' or 'near'", data)
        name = data.get("name", f"{kinds[0].rstrip('s')}{number}")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(place, f"'name' must be non-empty text, got {name!r}", data, "name")
        rule_cutoff = self.cutoff(data, place, cutoff)
        exclude = self.exclusions(data.get("exclude", []), place, data)
        if kinds[0] == "phrases":
            if "within" in data:
                raise self.fail(place, "'within' applies to 'near' rules only", data, "within")
            phrases = self.phrase_map(data["phrases"], place, "phrases", data)
            return Rule(name, "phrase", phrases=phrases, cutoff=rule_cutoff, exclude=exclude)
        groups = self.group_map(data["near"], place, data)
        within = self.within(data, place, minimum=1, default="sentence")
        return Rule(name, "near", groups=groups, within=within, cutoff=rule_cutoff, exclude=exclude)

    def within(self, data: dict, place: str, *, minimum: int, default: Any) -> int | None:
        value = data.get("within", default)
        if value == "sentence":
            return SENTENCE
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            kind = "a positive integer" if minimum else "a non-negative integer"
            raise self.fail(place, f"'within' must be {kind} or 'sentence', got {value!r}", data,
                            "within")  # fmt: skip
        return value

    def exclusions(self, data: Any, place: str, parent: dict) -> tuple[Exclusion, ...]:
        if not isinstance(data, list):
            raise self.fail(place, "'exclude' must be a list of {phrases, within} entries",
                            parent, "exclude")  # fmt: skip
        out = []
        for number, item in enumerate(data, 1):
            here = f"{place}, exclude {number}"
            if not isinstance(item, dict) or "phrases" not in item:
                raise self.fail(here, "needs 'phrases' (and optionally 'within')", data, number - 1)
            self.unknown_keys(item, _EXCLUDE_KEYS, here)
            phrases = self.phrase_map(item["phrases"], here, "phrases", item)
            out.append(Exclusion(phrases, self.within(item, here, minimum=0, default=0)))
        return tuple(out)

    def language(self, lang: Any, place: str, data: Any = None) -> str:
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise self.fail(
                place, f"language {lang!r} must be a 2-3 letter code like 'en' (quote 'no')",
                data, lang,
            )
        return lang

    def phrase_map(
        self, data: Any, place: str, key: str, parent: dict
    ) -> dict[str, tuple[str, ...]]:
        if not isinstance(data, dict) or not data:
            raise self.fail(place, f"'{key}' must map languages to lists, e.g. {{en: [...]}}",
                            parent, key)  # fmt: skip
        out = {}
        for lang, phrases in data.items():
            lang = self.language(lang, place, data)
            out[lang] = self.expanded(phrases, f"{place}, {lang}", lang, data, lang)
        return out

    def group_map(
        self, data: Any, place: str, rule: dict
    ) -> dict[str, tuple[tuple[str, ...], ...]]:
        if not isinstance(data, dict) or not data:
            raise self.fail(place, "'near' must map languages to lists of term groups", rule,
                            "near")  # fmt: skip
        out = {}
        for lang, groups in data.items():
            lang = self.language(lang, place, data)
            here = f"{place}, {lang}"
            if not isinstance(groups, list) or len(groups) < 2:
                raise self.fail(here, "'near' needs at least two groups of terms, e.g. [[a], [b]]",
                                data, lang)  # fmt: skip
            out[lang] = tuple(
                self.expanded(g, f"{here}, group {n}", lang, groups, n - 1)
                for n, g in enumerate(groups, 1)
            )
        return out

    def expanded(self, data: Any, place: str, lang: str, parent: Any, key: Any) -> tuple[str, ...]:
        """The wordings of a list of phrases (``parent[key]``, for error lines)."""
        out: list[str] = []
        for number, phrase in enumerate(self.strings(data, place, "phrase", parent, key), 1):
            at, item = (data, number - 1) if isinstance(data, list) else (parent, key)
            aliases = self.aliases.get(lang, {})
            if lang not in self.alias_keys:  # once per language and load, not per phrase
                self.alias_keys[lang] = _alias_key(aliases)
            try:
                wordings = expand_phrase(phrase, aliases, alias_key=self.alias_keys[lang])
            except ValueError as exc:
                raise self.fail(place, f"phrase {number} '{phrase}' {exc}", at, item) from None
            if not wordings:  # "(|)": alternatives that are all empty would match nothing
                raise self.fail(place, f"phrase {number} '{phrase}' has no words", at, item)
            checked = (phrase, self.alias_keys[lang])
            if checked in _WORDINGS_CHECKED:  # its wordings passed below in an earlier load
                out.extend(wordings)
                continue
            for wording in wordings:
                words = wording.split()
                if not any(_WORD.search(w) for w in words):
                    raise self.fail(place, f"phrase {number} '{phrase}' has no words", at, item)
                if words[0] == "*" or words[-1] == "*":
                    raise self.fail(place, f"phrase {number} '{phrase}' cannot begin or end with *",
                                    at, item)  # fmt: skip
                glued = next((w for w in words if "*" in w and w != "*"), None)
                if glued:  # the matcher dropped the star: '*compact' matched any 'compact'
                    raise self.fail(place, f"phrase {number} '{phrase}': * stands for one whole "
                                    f"word and is written apart ('{glued}' is not a word and a "
                                    "star; there is no prefix or suffix wildcard)", at, item)  # fmt: skip
            _remember_checked(checked)
            out.extend(wordings)
        return tuple(dict.fromkeys(out))

    def strings(self, data: Any, place: str, what: str, parent: Any, key: Any) -> list[str]:
        """A list of texts (a single text counts as a list of one) at ``parent[key]``."""
        items = [data] if isinstance(data, str) else data
        if not isinstance(items, list) or not items:
            raise self.fail(place, f"must be a non-empty list of {what}s", parent, key)
        for number, item in enumerate(items, 1):
            if not isinstance(item, str) or not item.strip():
                at = (items, number - 1) if items is data else (parent, key)
                raise self.fail(
                    place, f"{what} {number} must be non-empty text (quote it), got {item!r}", *at
                )
        return [item.strip() for item in items]
