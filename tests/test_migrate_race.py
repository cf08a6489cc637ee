"""Two commands opening one new (or older) database at once both apply its migrations: the
second read which migrations were applied before the first committed them, then ran them again
("Error: cannot write to x.db: table "statements" already exists", its batch stopped; QA saw it in
2 of 5 concurrent first ingests). Played here deterministically: the second opener's first read
is the one it made before the other's commit."""

from __future__ import annotations

from tracker.store import MIGRATIONS, Store


def test_a_migration_another_process_applied_meanwhile_is_not_applied_again(tmp_path, monkeypatch):
    db = tmp_path / "t.db"
    with Store(db) as first:
        assert first.applied_migrations() == sorted(name for name, _ in MIGRATIONS)
    real = Store.applied_migrations
    reads: list[int] = []

    def read_before_the_other_committed(self) -> list[str]:
        reads.append(1)
        return [] if len(reads) == 1 else real(self)

    monkeypatch.setattr(Store, "applied_migrations", read_before_the_other_committed)
    with Store(db) as second:  # raised StoreError: table "statements" already exists
        monkeypatch.setattr(Store, "applied_migrations", real)
        assert second.applied_migrations() == sorted(name for name, _ in MIGRATIONS)
        assert second.integrity_check() == "ok"
        rows = second.conn.execute("SELECT COUNT(*), COUNT(DISTINCT name) FROM migrations")
        assert rows.fetchone() == (len(MIGRATIONS), len(MIGRATIONS))
