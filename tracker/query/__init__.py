"""The only reader: filters -> DataFrames and aggregates for the dashboard, exports, the CLI's
tables and the benchmarks. ``from tracker import query; query.trends(db, filters)``.

Every function is a plain function of ``(db, filters, ...)`` that opens the database read-only
(:func:`connect`, through :mod:`tracker.connect`), so results can be cached on
``(db path, change_marker(db), filters)``. Nothing here writes or imports streamlit.

Counting rules (the same in every chart):

- a statement is counted once, in the year of its date; duplicates (``duplicate_of`` set) are left
  out unless ``include_duplicates``;
- with ``count_for_members``, a group statement counts in a per-country row once for each
  selected country that was a member of its group on the statement's date, and for its speaker
  only when the speaker is selected (:func:`~tracker.query.filters.credited_countries`); totals
  per year or theme count it once (when a selected country was a member on its date);
- *share* is the share of the selected statements with at least one match of the theme (of the
  selected match kinds), with a Wilson 95% interval; *rate* is matches per 1,000 words;
- statements in languages the codebook does not cover are left out by default (the codebook would
  find nothing in them) and reported by :func:`left_out`.

The modules, by concern: :mod:`~tracker.query.connection` (opening, snapshots, the schema),
:mod:`~tracker.query.filters` (the selection: each filter's SQL and words from one clause),
:mod:`~tracker.query.codebooks` (the active codebook), :mod:`~tracker.query.stats` (intervals),
:mod:`~tracker.query.aggregates` (counts behind the charts), :mod:`~tracker.query.search`
(evidence and full-text search), :mod:`~tracker.query.statements` (one statement, lists, the
CLI's tables), :mod:`~tracker.query.overview` (filter options, what is left out),
:mod:`~tracker.query.timing` (every chart's query, for the benchmarks),
:mod:`~tracker.query.corpus` (texts, passages and matches of given statements, for accuracy,
training and suggestions; the content fingerprint), :mod:`~tracker.query.termindex` (the words of
each passage, for the Any term page).
"""

from __future__ import annotations

import sqlite3  # noqa: F401  (tests interpose on query.sqlite3.connect to force a race)

from tracker.query.aggregates import (
    RANK_ORDERS, TREND_COLUMNS, Side, compare, country_theme_matrix, kind_counts, ranking,
    shared_countries, smooth_years, theme_totals, trends, yearly_difference,
)  # fmt: skip
from tracker.query.codebooks import (
    DEFAULT_THEME_LABELS, CodebookInfo, ThemeInfo, codebook_info, theme_labels,
    unfinished_recoding,
)  # fmt: skip
from tracker.query.connection import QueryError, change_marker, connect, database_ready
from tracker.query.corpus import (
    canonical_ids_in, content_digest, counted_rule_passages, english_originals, last_passage,
    passage_texts, passages_of, statement_forum_year, statement_place, statement_sources,
    statement_text, statements_with_passages, stored_matches, theme_spans, themes_present,
)  # fmt: skip
from tracker.query.filters import (
    DIRECTIONS, GROUP_STATEMENT_MODES, KINDS, MEASURES, NON_STATE_ROLES, RULE_KINDS, Clause,
    Filters, Scope, all_groups, clauses, group_members, resolve_languages, selection,
    statement_where,
)  # fmt: skip
from tracker.query.overview import Options, country_names, ingest_history, left_out, options
from tracker.query.search import (
    EVIDENCE_COLUMNS, RANK_LIMIT, SEARCH_COLUMNS, SEARCH_TIME_LIMIT, QueryTimeout, evidence,
    evidence_count, evidence_counts, fts_query, search_passages,
)  # fmt: skip
from tracker.query.stats import Z95, newcombe, wilson
from tracker.query.statements import (
    SAMPLE_COLUMNS, STATEMENT_LIST_COLUMNS, STORED_STATEMENT_COLUMNS, StatementDetail,
    coding_statements, duplicate_groups, highlight_spans, statement_detail, statement_sample,
    statement_theme_counts, statements_list, stored_statements, texts_and_passages,
)  # fmt: skip
from tracker.query.termindex import (
    index_words, indexed_among, indexed_texts, passages_with, term_index_version, unindexed_count,
)  # fmt: skip
from tracker.query.timing import chart_queries, timings

__all__ = [
    "Clause", "CodebookInfo", "DEFAULT_THEME_LABELS", "DIRECTIONS", "EVIDENCE_COLUMNS", "Filters",
    "GROUP_STATEMENT_MODES", "KINDS", "MEASURES", "NON_STATE_ROLES", "Options", "QueryError",
    "QueryTimeout", "RANK_LIMIT", "RANK_ORDERS", "RULE_KINDS", "SAMPLE_COLUMNS", "SEARCH_COLUMNS",
    "SEARCH_TIME_LIMIT", "STATEMENT_LIST_COLUMNS", "STORED_STATEMENT_COLUMNS", "Scope", "Side",
    "shared_countries",
    "StatementDetail", "TREND_COLUMNS", "ThemeInfo", "Z95", "all_groups", "change_marker",
    "chart_queries", "clauses", "codebook_info", "coding_statements", "compare", "connect",
    "canonical_ids_in", "content_digest", "counted_rule_passages", "statements_with_passages", "country_names", "country_theme_matrix",
    "database_ready", "duplicate_groups", "english_originals", "evidence", "evidence_count",
    "evidence_counts",
    "fts_query", "group_members", "highlight_spans", "ingest_history", "kind_counts",
    "last_passage", "left_out", "newcombe", "options", "passage_texts", "passages_of", "ranking",
    "resolve_languages", "search_passages", "selection", "smooth_years", "statement_detail",
    "statement_forum_year", "statement_place", "statement_sample", "statement_sources",
    "statement_text",
    "statement_theme_counts", "statement_where", "statements_list", "stored_matches",
    "stored_statements", "texts_and_passages", "theme_labels", "theme_spans", "theme_totals",
    "themes_present", "unfinished_recoding", "timings", "trends", "wilson", "yearly_difference",
    "index_words", "indexed_among", "indexed_texts", "passages_with", "term_index_version",
    "unindexed_count",
]  # fmt: skip
