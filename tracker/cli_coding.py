"""CLI commands that improve the coding: `tracker semantic vectors`, `tracker semantic train` and
`tracker suggest`.

Registered on the `tracker` group by tracker/cli.py; like every command they turn library
exceptions into messages and print nothing else on failure.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import SEED, OutputFile, _db, _open, cli, db_option, shown, writing
from tracker.errors import TrackerError
from tracker.wordvectors import DIMS, VOCABULARY, WINDOW


@cli.group()
def semantic():
    """The semantic matcher beside the codebook's rules."""


@semantic.command("train")
@click.option("--gold", "golds", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold labels (TSV); repeat for several files.")
@click.option("--gold-db", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A database holding the gold statements.")
@click.option("--weak-db", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A coded database (your corpus) whose matches give weak labels.")
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Codebook (default: the default codebook).")
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="Model file to write (name it in the codebook's `semantic:`).")
@click.option("--vectors", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Word vectors (`tracker semantic vectors`); copied beside the model.")
@click.option("--seed", type=SEED, default=0, show_default=True)
def semantic_train(golds, gold_db, weak_db, codebook, output, vectors, seed):
    """Train a semantic model; thresholds are calibrated on held-out folds of the gold."""
    from tracker.codebook import load_codebook
    from tracker.semantic import train_from_databases
    from tracker.store import Store
    from tracker.wordvectors import load_vectors

    from tracker.validate import load_gold

    try:
        book = load_codebook(codebook)
        for gold in golds:  # as `tracker validate` warns: such labels train nothing
            unknown = sorted({t for per in load_gold(gold).values() for t in per} - set(book.theme_ids))
            if unknown:
                click.echo(f"warning: {shown(gold)} names theme(s) the codebook does not have, "
                           f"left out of training: {', '.join(shown(t) for t in unknown)}",
                           err=True)  # fmt: skip
        word_vectors = load_vectors(vectors) if vectors else None
        with Store(gold_db, readonly=True) as gold_store:
            weak = Store(weak_db, readonly=True) if weak_db else None
            try:
                model = train_from_databases(book, golds, gold_db=gold_store, weak_db=weak,
                                             vectors=word_vectors, seed=seed)  # fmt: skip
            finally:
                if weak is not None:
                    weak.close()
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    with writing(output):
        model.save(output)
    active = {t: v for t, v in model.trained_on["thresholds"].items() if v is not None}
    click.echo(f"model {model.version} to {shown(output)}; thresholds: "
               + (", ".join(f"{t} {v:.2f}" for t, v in active.items()) or "none (off for every theme)"),
               err=True)  # fmt: skip


@semantic.command("vectors")
@db_option
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="Word-vector file to write (.npz).")
@click.option("--dims", type=click.IntRange(2, 1000), default=DIMS, show_default=True)
@click.option("--vocabulary", type=click.IntRange(10), default=VOCABULARY, show_default=True,
              help="Words kept (the most frequent).")
@click.option("--window", type=click.IntRange(1, 50), default=WINDOW, show_default=True,
              help="Words either side that count as context.")
@click.option("--seed", type=SEED, default=0, show_default=True)
def semantic_vectors(db, output, dims, vocabulary, window, seed):
    """Learn word vectors from the database's English statements (PPMI + SVD), for `train`."""
    from tracker.wordvectors import vectors_from_database

    try:
        with _open(db, readonly=True) as store:
            vectors = vectors_from_database(store, dims=dims, vocabulary=vocabulary,
                                            window=window, seed=seed)  # fmt: skip
    except (TrackerError, ValueError) as exc:
        raise click.ClickException(shown(exc)) from exc
    with writing(output):
        vectors.save(output)
    click.echo(f"vectors {vectors.version} to {shown(output)}: {len(vectors.words)} words x "
               f"{vectors.dims} dims from {vectors.meta['documents']} statements",
               err=True)  # fmt: skip


@cli.command()
@db_option
@click.option("--theme", required=True, help="Theme id.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Passages to list.")
@click.option("--sample", type=click.IntRange(min=1), default=3000, show_default=True,
              help="Statements read (drawn at random with --seed).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def suggest(db, theme, limit, sample, seed):
    """Passages likely to express a theme that no rule matches, and candidate phrases."""
    from tracker.codebook import stored_codebook
    from tracker.suggest import suggest as run

    try:
        with _open(db, readonly=True) as store:
            active = store.active_codebook()
            if active is None:
                raise click.ClickException(f"{_db(db)} has no coding yet: run `tracker ingest`")
            book = stored_codebook(active.text, active.path, active.version, _db(db))
            passages, phrases = run(store, book, theme, limit=limit, sample=sample, seed=seed)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    click.echo(f"theme {theme}: {len(passages)} passage{'' if len(passages) == 1 else 's'} no "
               "rule matches, most likely first")  # fmt: skip
    for s in passages:
        where = f"{s.country or '?'} {s.year or ''} {s.source}#{s.passage_seq}"
        click.echo(f"\n{s.probability:.2f} (log-odds {s.log_odds:.1f})  {shown(where)}\n"
                   f"  {shown(' '.join(s.text.split()))}"
                   f"\n  why: {shown(s.reason)}")  # fmt: skip
    click.echo("\ncandidate phrases (in how many of the top passages; how much more often than "
               "in all passages read)")  # fmt: skip
    for p in phrases:
        click.echo(f"  {p.passages:>4}  x{p.lift:<6} {shown(p.phrase)}")
