"""Exceptions raised by the library. Only the CLI and the dashboard turn them into messages."""


class TrackerError(Exception):
    """Base class of every error the library raises on purpose."""


class SourceError(TrackerError):
    """A file could not be read as a statement (corrupt, empty, binary, too large...)."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class NotAStatement(SourceError):
    """A file that is not a statement (README, licence, spreadsheet...): skipped, not failed."""


class ManifestError(TrackerError):
    """The manifest CSV is malformed (missing columns, unreadable)."""


class CodebookError(TrackerError):
    """A codebook file is invalid; the message names the theme and field at fault."""


class StoreError(TrackerError):
    """The database cannot be opened or written (read-only, full disk, wrong schema)."""


class GoldError(TrackerError):
    """Gold labels are malformed or name statements that are not in the database."""


class NotStored(StoreError):
    """What was asked for (a sample, a coder of a sample) is not in the database; the message
    names what was asked and what the database holds instead."""


class CodebookChanged(StoreError):
    """The database's active codebook changed while an ingest ran (a re-match or another
    ingest switched it): the ingest's next batch, coded with the old one, is not stored."""
