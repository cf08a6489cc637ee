"""position-tracker: find recurring position themes in UN statements."""

__version__ = "0.2.0"
