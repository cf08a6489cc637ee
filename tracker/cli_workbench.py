"""CLI commands of the validation workbench: `tracker sample draw|list`,
`tracker labels list|remove` and `tracker gold export|import`, for scripting what the
dashboard's workbench pages do.

Registered on the `tracker` group by tracker/cli.py; library exceptions become one-line messages.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import OutputFile, _db, cli, db_option, shown, writing
from tracker.errors import TrackerError


def _call(action, *args, **kwargs):
    """``action(*args, **kwargs)``, a library error becoming a one-line message."""
    try:
        return action(*args, **kwargs)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc


@cli.group()
def sample():
    """Samples to code by hand (the validation workbench)."""


@sample.command("draw")
@db_option
@click.option("--size", type=click.IntRange(min=1), required=True, help="Items to draw.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Recorded with the sample.")
@click.option("--unit", type=click.Choice(["statement", "passage"]), default="statement",
              show_default=True)  # fmt: skip
@click.option("--stratify", "strata", multiple=True, type=click.Choice(["match", "year", "country"]),
              help="Stratify by theme match/no match, year or country; repeat to combine.")  # fmt: skip
@click.option("--match-theme", default="", help="Theme of the match stratum (default: any theme).")
@click.option("--allocation", type=click.Choice(["proportional", "equal"]), default="proportional",
              show_default=True)  # fmt: skip
@click.option("--theme", "themes", multiple=True, help="Themes to code (default: all); repeat.")
@click.option("--country", "countries", multiple=True,
              help="Only these countries (ISO3 code or name); repeat.")
@click.option("--forum", "forums", multiple=True, help="Only these forums; repeat.")
@click.option("--year-from", type=int, help="First year.")
@click.option("--year-to", type=int, help="Last year.")
@click.option("--name", default="", help="A name for the sample.")
def sample_draw(db, size, seed, unit, strata, match_theme, allocation, themes, countries, forums,
                year_from, year_to, name):  # fmt: skip
    """Draw a random or stratified sample and store it in the database."""
    from tracker.countries import lookup_country
    from tracker.query import Filters
    from tracker.workbench.sample import Design, draw_sample

    if year_from is not None and year_to is not None and year_from > year_to:
        raise click.BadParameter(f"{year_from} is after --year-to {year_to}",
                                 param_hint="--year-from")  # fmt: skip
    unknown = [c for c in countries if lookup_country(c) is None]
    if unknown:  # kept as written: ingest stores a country it cannot resolve so (e.g. Kosovo)
        click.echo(f"warning: --country {', '.join(map(repr, unknown))}: no country name or "
                   "code the tool knows; matched as written", err=True)  # fmt: skip
    if match_theme and "match" not in strata:
        click.echo("warning: --match-theme names the theme of the match stratum: add "
                   "--stratify match, or it is not used", err=True)  # fmt: skip
    strata = tuple(dict.fromkeys(strata))  # --stratify match --stratify match: once
    countries = tuple((found.iso3 if (found := lookup_country(c)) else c)
                      for c in countries)  # chn, China -> CHN  # fmt: skip
    try:
        design = Design(size=size, seed=seed, unit=unit, strata=strata, match_theme=match_theme,
                        allocation=allocation, themes=themes, name=name)  # fmt: skip
        filters = Filters(countries=countries, forums=forums, year_from=year_from, year_to=year_to)
        sample_id = draw_sample(_db(db), filters, design)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    click.echo(f"sample {sample_id}: {size} {unit}s, seed {seed}", err=True)
    click.echo(sample_id)


@sample.command("list")
@db_option
def sample_list(db):
    """The stored samples: id, unit, design, size, seed, name."""
    from tracker.workbench import store as wb

    def stored():
        with wb.open_store(_db(db), readonly=True) as store:
            return wb.samples(store)

    found = _call(stored)
    if not found:
        click.echo("no samples yet: draw one with `tracker sample draw` or the dashboard's "
                   "Sample page", err=True)  # fmt: skip
    for s in found:
        click.echo(f"{s.id}\t{s.unit}\t{s.design}\t{s.size}\t{s.seed}\t{shown(s.name)}")


@cli.group()
def labels():
    """Coders' labels of the workbench's samples: list them, remove one coder's."""


@labels.command("list")
@db_option
@click.option("--sample", "sample_id", type=int, help="One sample's coders (default: all).")
def labels_list(db, sample_id):
    """Each coder's labels per sample: sample, coder, items coded, labels, items coded with the
    tool's matches shown."""
    from tracker.workbench import store as wb

    def counts():
        with wb.open_store(_db(db), readonly=True) as store:
            return wb.label_counts(store, sample_id=sample_id)

    found = _call(counts)
    if found.empty:
        where = f"sample {sample_id}" if sample_id is not None else "any sample"
        click.echo(f"no labels in {where} yet: coders label on the dashboard's Code page",
                   err=True)  # fmt: skip
    else:  # a header, so the columns read without --help (tab-separated, as the rows)
        click.echo("sample\tcoder\titems\tlabels\titems_tool_seen")
    for row in found.itertuples():
        click.echo(f"{row.sample_id}\t{shown(row.coder)}\t{row.items}\t{row.labels}\t"
                   f"{row.seen_tool}")  # fmt: skip


@labels.command("remove")
@db_option
@click.option("--sample", "sample_id", type=int, required=True, help="The sample's id.")
@click.option("--coder", required=True, help="The coder's name, as `tracker labels list` shows it.")
@click.option("--yes", is_flag=True, help="Remove without asking.")
def labels_remove(db, sample_id, coder, yes):
    """Remove one coder's labels of one sample (a mistyped name, a coder who saw the tool's
    output, a trial coder). Gold taken from the coders' agreement that the remaining labels no
    longer bear out is withdrawn; adjudicated and imported gold stays."""
    from tracker.workbench import store as wb

    def counts():
        with wb.open_store(_db(db), readonly=True) as store:
            return wb.label_counts(store, sample_id=sample_id, coder=coder)

    def remove():
        with wb.open_store(_db(db)) as store:
            return wb.remove_labels(store, sample_id, coder)

    found = _call(counts)  # an unknown sample or coder is said before anything is asked
    if not yes:
        row = found.iloc[0]
        click.confirm(f"Remove the {row['labels']} labels of {shown(row['coder'])!r} "
                      f"({row['items']} items) from sample {sample_id}?", abort=True,
                      err=True)  # fmt: skip
    done = _call(remove)
    click.echo(shown(done.summary()), err=True)

@cli.group()
def gold():
    """Gold labels of the validation workbench, as the TSV `tracker validate` reads."""


@gold.command("export")
@db_option
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="TSV to write (file, theme, present, evidence).")
@click.option("--sample", "sample_id", type=int, help="One sample's gold (default: all).")
def gold_export(db, output, sample_id):
    """Write the adjudicated gold as a TSV for `tracker validate --gold`."""
    from tracker.workbench.gold import export_gold

    from tracker.workbench.gold import open_disagreement_count

    with writing(output):
        rows = _call(export_gold, _db(db), output, sample_id=sample_id)
    click.echo(f"{rows} gold labels to {shown(output)}", err=True)
    still_open = _call(open_disagreement_count, _db(db), sample_id=sample_id)
    if still_open:
        click.echo(f"warning: {still_open} disagreement(s) between coders not yet adjudicated "
                   "are not in this gold (adjudicate them on the dashboard's Agreement page)",
                   err=True)  # fmt: skip


@gold.command("import")
@db_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default="", help="A name for the sample it becomes.")
def gold_import(db, path, name):
    """Store a gold TSV as a sample with its decisions (the report then scores it)."""
    from tracker.coding import themes_not_in_codebook
    from tracker.workbench.gold import import_gold

    try:  # checked before the import: nothing may fail once the sample is stored
        unknown = themes_not_in_codebook(_db(db), path)
    except TrackerError:  # an unreadable gold file or codebook: the import says so below
        unknown = []
    sample_id = _call(import_gold, _db(db), path, name=name)
    named = f" ({shown(name)!r})" if name else ""  # the name given is the sample's
    click.echo(f"sample {sample_id}{named}: gold of {shown(path)}", err=True)
    if unknown:
        click.echo("warning: the gold names theme(s) the codebook does not have, each positive "
                   f"of them counted as a miss: {', '.join(unknown)}", err=True)  # fmt: skip
    click.echo(sample_id)
