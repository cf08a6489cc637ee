"""What a dashboard page offers for download, without a browser: ``record_downloads`` records
every download button's file name with its data (or, for a file made when clicked, its maker)."""

from __future__ import annotations

from streamlit.runtime.media_file_manager import MediaFileManager


def record_downloads(monkeypatch) -> dict:
    """``{file name: data or maker}`` of every download button drawn from now on."""
    made: dict = {}
    add, deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record_add(self, data, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = data
        return add(self, data, mimetype, coordinates, file_name=file_name, **kw)

    def record_deferred(self, fn, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = fn
        return deferred(self, fn, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return made
