"""The browser's Back after a change of a page's own setting (Compare's sides, its tab, the
Evidence page's theme and sort, the Countries view): the URL went back, but the widgets kept the
new values and wrote them back, so Back seemed to do nothing there (only the sidebar's filters
followed it). Back is simulated as the browser does it: a run whose URL is the earlier one."""

from __future__ import annotations


def _other_country(at, key: str) -> str:
    """A country code the side ``key`` offers besides CHN and USA (options are "Name (CODE)")."""
    labels = at.selectbox(key=key).options
    return next(o.rsplit("(", 1)[1].rstrip(")") for o in labels
                if o.endswith(")") and "(CHN)" not in o and "(USA)" not in o)  # fmt: skip


def _url(at) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def _back(at, url: dict[str, str]):
    """The browser's Back: the previous URL, and a run of the page with it."""
    for k in list(at.query_params):
        del at.query_params[k]
    for k, v in url.items():
        at.query_params[k] = v
    return at.run()


def test_back_brings_back_compares_side(app):
    at = app(a="CHN", b="USA").run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    before = _url(at)
    assert before["a"] == "CHN"
    other = _other_country(at, "cmp_a")
    at.selectbox(key="cmp_a").set_value(other).run()
    assert at.query_params["a"] == other
    at = _back(at, before)
    assert not at.exception
    assert at.selectbox(key="cmp_a").value == "CHN"
    assert at.query_params["a"] == "CHN"  # and it is not written back over the URL
    # Forward, to the URL that names the other side, shows it again
    at = _back(at, {**before, "a": other})
    assert at.selectbox(key="cmp_a").value == other


def test_back_brings_back_the_evidence_pages_sort_and_theme(app):
    at = app(theme="digital_divide").run()
    at.switch_page("app_pages/evidence.py").run()
    assert not at.exception
    before = _url(at)
    at.selectbox(key="ev_sort").set_value("score").run()
    at.selectbox(key="ev_theme").set_value("(all themes)").run()
    assert at.query_params["sort"] == "score" and "theme" not in at.query_params
    at = _back(at, before)
    assert not at.exception
    assert at.selectbox(key="ev_sort").value == "date"
    assert at.selectbox(key="ev_theme").value == "digital_divide"


def test_back_brings_back_the_countries_view(app):
    at = app().run()
    at.switch_page("app_pages/countries.py").run()
    before = _url(at)
    at.radio(key="country_view").set_value("Ranking").run()
    assert at.query_params["view"] == "ranking"
    at = _back(at, before)
    assert not at.exception
    assert at.radio(key="country_view").value == "Heatmap"


def test_a_rerun_with_the_url_as_sent_keeps_a_changed_setting(app):
    """The guard's other side: a widget's own change (the URL it wrote is the one the next run
    gets) stays through later runs and other widgets' changes."""
    at = app(a="CHN", b="USA").run()
    at.switch_page("app_pages/compare.py").run()
    other = _other_country(at, "cmp_b")
    at.selectbox(key="cmp_b").set_value(other).run()
    at.run()
    at.selectbox(key="cmp_a").set_value("USA").run()
    assert not at.exception
    assert at.selectbox(key="cmp_b").value == other
    assert at.query_params["a"] == "USA" and at.query_params["b"] == other


def test_back_onto_the_bare_entry_of_a_menu_switch_keeps_the_carried_minimum(app):
    """The fewest statements behind a value is kept across pages like the filters. A menu switch
    leaves a bare entry (the page, no parameters) before the URL its run writes; Back onto it
    reset the minimum to its default (a review's find): a URL without parameters says nothing
    of a carried setting, while the page's own settings take their defaults there."""
    at = app().run()
    at.switch_page("app_pages/trends.py").run()
    at.sidebar.number_input(key="min_n").set_value(10).run()
    at.switch_page("app_pages/countries.py").run()
    assert at.query_params["minn"] == "10"
    at.radio(key="country_view").set_value("Ranking").run()
    at = _back(at, {})
    assert not at.exception
    assert at.sidebar.number_input(key="min_n").value == 10
    assert at.radio(key="country_view").value == "Heatmap"
