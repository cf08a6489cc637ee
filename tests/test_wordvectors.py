"""Word vectors learnt from real UN speeches (../shared/corpus): deterministic, placing words of
one meaning near each other, saved beside a model and loaded with it (without the corpus)."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from tracker.errors import CodebookError
from tracker.semantic import load_model, words
from tracker.wordvectors import WordVectors, load_vectors, train_vectors

SPEECHES = 1200  # every ninth UNGDC speech, 1946-2024


@pytest.fixture(scope="module")
def speeches(corpus) -> list[list[str]]:
    """The stemmed content words of a spread of real General Debate speeches."""
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        names = sorted(n for n in z.namelist() if n.endswith(".txt") and "README" not in n)
        return [words(z.read(n).decode("utf-8", "replace")) for n in names[::9][:SPEECHES]]


@pytest.fixture(scope="module")
def vectors(speeches):
    return train_vectors(speeches, vocabulary=6000, dims=50)


def test_training_twice_gives_identical_vectors(speeches, vectors, tmp_path):
    again = train_vectors(speeches, vocabulary=6000, dims=50)
    assert again.words == vectors.words
    assert again.vectors.tobytes() == vectors.vectors.tobytes()
    first, second = vectors.save(tmp_path / "a.npz"), again.save(tmp_path / "b.npz")
    assert load_vectors(first).version == load_vectors(second).version == vectors.version


def _related(v, pairs) -> None:
    """Each pair is closer than 0.4 in cosine, and each word is among the other's 25 nearest of
    thousands: random 50-dimensional vectors give cosines near 0 (sd 0.14) and rank at random."""
    for a, b in pairs:
        assert v.similarity(a, b) > 0.4, (a, b, v.similarity(a, b))
        assert b in [w for w, _ in v.neighbours(a, 25)], (a, v.neighbours(a, 25))


PAIRS = [("nuclear", "weapon"), ("sanction", "embargo"), ("poverty", "hunger"),
         ("sovereignty", "territorial"), ("terrorism", "extremism")]  # fmt: skip


def test_vectors_place_related_words_of_the_speeches_near_each_other(vectors):
    _related(vectors, PAIRS)
    # and unrelated words far apart
    assert vectors.similarity("nuclear", "hunger") < vectors.similarity("nuclear", "weapon") - 0.3


def test_random_vectors_would_fail_the_neighbour_check(vectors):
    """The same vectors dealt to other words: the check above must not pass by chance."""
    order = np.random.default_rng(0).permutation(len(vectors.words))
    shuffled = WordVectors(vectors.words, vectors.counts, vectors.vectors[order])
    with pytest.raises(AssertionError):
        _related(shuffled, PAIRS)


def test_a_model_refuses_vectors_it_was_not_trained_on(tmp_path, vectors):
    model = load_model()
    model.vectors = vectors
    for theme in model.themes.values():
        theme.dense = [0.0] * vectors.dims
    model.__post_init__()
    saved = model.save(tmp_path / "mine.semantic.json")
    assert (tmp_path / "mine.vectors.npz").exists()
    assert load_model(saved).vectors.version == vectors.version
    other = train_vectors([["nuclear", "weapon", "test"]] * 10, vocabulary=3, dims=2, min_count=1)
    other.save(tmp_path / "mine.vectors.npz")
    with pytest.raises(CodebookError, match="retrain the model"):
        load_model(saved)
    (tmp_path / "mine.vectors.npz").write_bytes(b"not a zip")
    with pytest.raises(CodebookError, match="not a word-vector file"):
        load_model(saved)
