"""The world map's ``n=..`` labels on countries resting on few statements. Every such country
was labelled at its centre in 8-px text, whatever its size: on a year of the general debate
(one statement per delegation) Europe, the Caribbean, West Africa and the Gulf were a heap of
overlapping "n=1" that no one could read. A label is now written only where it fits inside its
own country on the map; the others' n is in the hover, the caption and the data.

A real database: every delegation's 2024 general debate speech in the UNGDC (one statement each,
so every drawn country is below the minimum of 5)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import plotly.graph_objects as go
import pytest
from db_support import built_once
from test_dashboard import decode, figures, no_trouble

from tracker import charts, countrymap, export, query

needs_chromium = pytest.mark.skipif(not export.images_available(),
                                    reason="no Chromium: apt-get install -y chromium")  # fmt: skip
THEME = "militarization"


def _build(corpus: Path, folder: Path) -> None:
    from tracker.ingest import ingest_paths

    subset = folder / "UNGDC_2024.zip"
    with (zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as zin,
          zipfile.ZipFile(subset, "w", zipfile.ZIP_DEFLATED) as zout):  # fmt: skip
        for name in zin.namelist():
            if name.endswith("_2024.txt"):
                zout.writestr(name, zin.read(name))
    report = ingest_paths([subset], db=folder / "tracker.db", manifest=corpus / "manifest.csv")
    assert len(report.stored) > 100, report.summary()


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory) -> Path:
    """This module's database (the ``app`` fixture opens the dashboard on it)."""
    return built_once(tmp_path_factory, "ungdc-2024-db", lambda f: _build(corpus, f)) / "tracker.db"


@pytest.fixture(scope="module")
def matrix(db):
    return query.country_theme_matrix(db, query.Filters(themes=(THEME,)))


def _traces(fig: go.Figure) -> dict[str, go.BaseTraceType]:
    return {t.name or "values": t for t in fig.data}


def _label_boxes(svg: str) -> list[tuple[float, float, float, float, str]]:
    """The ``n=..`` texts the image draws, each as (left, top, right, bottom, text) in pixels:
    plotly centres a text on its point, on a baseline 2 px below it (8-px Arial: ~6 px up,
    ~2 px down; a character at most 0.6 em wide)."""
    found = re.findall(r'<g transform="translate\(0,2\)"><text [^>]*transform="translate\('
                       r'([\d.]+),([\d.]+)\)"[^>]*>(n=\d+)</text>', svg)  # fmt: skip
    return [(float(x) - 2.4 * len(t), float(y) - 4, float(x) + 2.4 * len(t), float(y) + 4, t)
            for x, y, t in found]  # fmt: skip


def _overlapping(boxes) -> list[tuple[str, str]]:
    return [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]  # fmt: skip


@needs_chromium
def test_map_page_draws_no_n_label_over_another(app, matrix):
    at = app(view="map", theme=THEME, minn="5").run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    spec = figures(at)[0]
    drawn = set(decode(spec["data"][0]["locations"])) - set(countrymap.not_drawn(matrix["country"]))
    assert len(drawn) > 100
    svg = export.figure_image(go.Figure(spec), "svg").decode()
    boxes = _label_boxes(svg)
    assert boxes  # the large countries keep theirs
    assert not _overlapping(boxes)
    # every grey country still says its n: in its hover
    cover = next(t for t in spec["data"] if t.get("name", "").startswith("fewer than"))
    assert set(decode(cover["locations"])) >= drawn
    assert all(re.search(r"\b1 of 1 statement\b|\b0 of 1 statement\b", t) for t in cover["text"])


def test_only_countries_large_enough_for_their_label_carry_one(matrix):
    fig = countrymap.map_figure(matrix, theme=THEME, caption="c", min_n=5)
    traces = _traces(fig)
    cover, labels = traces["fewer than 5 statements"], traces["n of grey countries"]
    low = matrix[(matrix["theme"] == THEME) & (matrix["n"] < 5)]
    assert list(cover.locations) == list(low["country"])  # grey, hover with k of n: all of them
    assert all("below the minimum of 5 statements" in t for t in cover.text)
    labelled = dict(zip(labels.locations, labels.text))
    n_of = dict(zip(low["country"], low["n"]))
    assert labelled and all(text == f"n={n_of[c]}" for c, text in labelled.items())
    assert {"RUS", "BRA", "CAN", "AUS", "KAZ", "DZA"} <= set(labelled)  # room to spare
    # small, thin or crowded: their label covered their neighbours
    assert not {"AUT", "BEL", "LUX", "CHE", "SVN", "JAM", "LBN", "QAT", "CHL", "GMB"} & set(labelled)
    assert len(labelled) < len(low) / 2
    assert labels.hoverinfo == "skip" and labels.mode == "text"


def test_the_caption_gives_the_n_no_label_shows(matrix):
    fig = countrymap.map_figure(matrix, theme=THEME, caption="c", min_n=5)
    caption = fig.layout.meta["caption"]
    assert "fewer than 5 statements" in caption
    labels = _traces(fig)["n of grey countries"]
    low = matrix[(matrix["theme"] == THEME) & (matrix["n"] < 5)]
    unlabelled = [c for c in low["country"] if c not in set(labels.locations)
                  and c not in countrymap.not_drawn(low["country"])]  # fmt: skip
    assert len(unlabelled) > 25
    assert "n=1: " + ", ".join(unlabelled[:25]) in caption
    assert f"and {len(unlabelled) - 25} more" in caption
    assert "hover" in caption


def test_a_few_grey_countries_are_all_named_in_the_caption(matrix):
    few = matrix[(matrix["theme"] == THEME) & matrix["country"].isin(["AUT", "JAM", "RUS"])]
    fig = countrymap.map_figure(few, theme=THEME, min_n=5)
    labels = _traces(fig)["n of grey countries"]
    assert list(labels.locations) == ["RUS"]
    assert "n=1: AUT, JAM" in fig.layout.meta["caption"]
    assert "more" not in fig.layout.meta["caption"]


def test_no_grey_countries_no_cover_labels_or_note(matrix):
    fig = countrymap.map_figure(matrix, theme=THEME, caption="c", min_n=1)
    assert [t.type for t in fig.data] == ["choropleth"]
    assert fig.layout.meta["caption"].startswith("c") and "fewer than" not in fig.layout.meta["caption"]


def test_a_label_is_written_along_its_own_country_or_not_at_all():
    assert countrymap.label_fits("RUS", "n=1") and countrymap.label_fits("BRA", "n=4")
    assert not countrymap.label_fits("AUT", "n=1") and not countrymap.label_fits("JAM", "n=1")
    assert not countrymap.label_fits("CHL", "n=1")  # long, but narrower than its label
    assert not countrymap.label_fits("ZAF", "n=1")  # the label's end lies on Lesotho
    assert not countrymap.label_fits("SGP", "n=1")  # not on the map at all
    assert not countrymap.label_fits("XXX", "n=1")
    assert countrymap.label_fits("DEU", "n=1") and not countrymap.label_fits("DEU", "n=123")


def test_a_label_that_fits_leaves_way_to_a_larger_neighbours_it_would_touch():
    assert countrymap.placed_labels({"ROU": "n=1"}) == ["ROU"]
    assert countrymap.placed_labels({"ROU": "n=1", "UKR": "n=2"}) == ["UKR"]
    assert countrymap.placed_labels({"AUT": "n=1", "POL": "n=2", "ROU": "n=1", "UKR": "n=2"}) == [
        "POL", "UKR"]  # fmt: skip


def test_grey_countries_take_the_grey_of_the_other_charts(matrix):
    fig = countrymap.map_figure(matrix, theme=THEME, min_n=5)
    cover = _traces(fig)["fewer than 5 statements"]
    assert {c for _, c in cover.colorscale} == {charts.LOW_COLOR}
