"""What every page uses, gathered from ``app_pages.ui`` (one module per concern: ``text``,
``data``, ``url``, ``sidebar``, ``exports``, ``evidence``). UI only: queries come from
``tracker.query``, figures from ``tracker.charts``."""

from __future__ import annotations

import html  # noqa: F401  (pages escape with common.html)

from app_pages.ui.data import (
    active_codebook_text, caption_for, codebook, codebook_info, compare, country_theme_matrix,
    current_filters, db_path, describe, evidence, evidence_count, evidence_counts,
    fingerprint, ingest_history, kept,
    kind_counts, left_out, marker, options, or_warn, ranking, require_db, search_passages,
    shipped_codebook_version, statement_detail, statements_list, suggestions, trends,
    SUGGEST_SAMPLE, unfinished_recoding, unseen_accuracy, validation_report, workbench_gold,
)  # fmt: skip
from app_pages.ui.evidence import (
    MAX_EVIDENCE, evidence_panel, evidence_table, highlight_html, kwic, open_statement,
    counted, latest_points, pooled_years, selected_points, shown_note,
)  # fmt: skip
from app_pages.ui.exports import (
    XLSX_MAX_ROWS, all_evidence, citation, evidence_downloads, evidence_stem, export_buttons,
    export_day, export_stem, show_chart,
)  # fmt: skip
from app_pages.ui.sidebar import (
    FILTER_KEYS, GROUP_STATEMENT, KIND_LABELS, date_error_note, left_out_note, min_statements,
    no_data, no_group_statement, sidebar_filters, smoothing, theme_note, theme_picker,
)  # fmt: skip
from app_pages.ui.text import display_text, md
from app_pages.ui.url import (
    PARAM_KEYS, follow_back, link_note, one_of, page_choice, page_int, page_param,
    set_page_param, stop, view_url,
)  # fmt: skip
from tracker import query  # noqa: F401  (pages reach query's types as common.query)
from tracker.query import Filters  # noqa: F401

__all__ = [
    "FILTER_KEYS", "Filters", "GROUP_STATEMENT", "KIND_LABELS", "MAX_EVIDENCE", "PARAM_KEYS",
    "XLSX_MAX_ROWS",
    "active_codebook_text", "all_evidence", "caption_for", "citation", "codebook", "codebook_info",
    "compare", "country_theme_matrix", "current_filters", "date_error_note", "db_path", "describe",
    "display_text", "evidence", "evidence_count", "evidence_counts", "evidence_downloads",
    "evidence_panel",
    "evidence_stem", "evidence_table", "export_buttons", "export_day", "export_stem", "fingerprint",
    "follow_back",
    "highlight_html", "html", "ingest_history", "kept", "kind_counts", "kwic", "latest_points",
    "left_out",
    "left_out_note", "link_note", "marker", "md", "min_statements", "no_data",
    "no_group_statement", "one_of", "open_statement", "options", "or_warn", "page_choice",
    "page_int", "page_param",
    "pooled_years", "query", "ranking", "require_db", "search_passages",
    "shipped_codebook_version",
    "counted", "selected_points", "set_page_param", "show_chart", "shown_note", "sidebar_filters",
    "smoothing", "stop", "unfinished_recoding", "unseen_accuracy",
    "statement_detail", "statements_list", "suggestions", "SUGGEST_SAMPLE", "theme_note", "theme_picker", "trends",
    "validation_report", "view_url", "workbench_gold",
]  # fmt: skip
