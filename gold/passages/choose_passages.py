"""Candidate passages for passage-level training labels (issue 10): from UNGDC speeches outside
every gold file, passages that share a broad concept word with a theme but sit in a speech where
the default codebook's rules do not find that theme. Coders label them; the tool's output is used
only to choose them, never shown.

    python gold/passages/choose_passages.py 150 WHOLE_UNGDC.db OUT.tsv

(150 per theme, seed 20261208; the database is the whole UNGDC as `tracker ingest` stores it;
OUT.tsv has columns id, theme, file, passage: labelled.tsv is that list with the decided label.)
"""
import csv, random, re, sys
from pathlib import Path
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tracker import query
from tracker.codebook import load_codebook
from tracker.coding import file_name
from tracker.match import Matcher
from tracker.semantic import windows
from tracker.store import Store

CONCEPT = {
    "un_main_channel": (r"\b(United Nations|Organization|Assembly|Security Council|U\.N\.|UN)\b",
                        r"\b(only|best|main|central|centre|center|indispensable|irreplaceable|essential|unique|hope|forum|instrument|machinery|framework|mechanism|place|authority|role)\b"),
    "capacity_building": (r"\b(technolog\w*|technical|know-how|scientific|science|skills|expertise)\b",
                          r"\b(developing|transfer\w*|assist\w*|access|shar\w*|co-?operation|less developed|under-?developed|poor\w*)\b"),
    "non_interference": (r"\b(interfer\w*|interven\w*|internal affairs|sovereign\w*|domestic|impos\w*|dictat\w*|equal\w*|large and small|choose|choice)\b", r"."),
    "bloc_confrontation": (r"\b(blocs?|camps?|cold war|alliances?|spheres? of influence|polari[sz]\w*|East and West|East-West|superpowers?|sides|divided world|division of the world)\b", r"."),
}
PER_THEME = int(sys.argv[1]) if len(sys.argv) > 1 else 150
rng = random.Random(20261208)
corpus = REPO.parent / "shared" / "corpus"
gold_files = [corpus / "gold/dev.tsv", corpus / "gold/dev-decades.tsv", *sorted((REPO / "gold").glob("*.tsv"))]
taken = set()
for p in gold_files:
    with open(p, encoding="utf-8") as fh:
        taken |= {r["file"] for r in csv.DictReader(fh, delimiter="\t") if "file" in r}
book = load_codebook()
matcher = Matcher(book, semantic=False)
store = Store(sys.argv[2], readonly=True)
ids = [(sid, file_name(src)) for sid, src, lang in query.statement_sources(store.conn)
       if (lang or "en") == "en" and file_name(src) not in taken]
rng.shuffle(ids)
pools = {t: [] for t in CONCEPT}
seen = 0
for sid, name in ids:
    if all(len(v) >= PER_THEME * 4 for v in pools.values()):
        break
    lang, text = query.statement_text(store.conn, sid)
    passages = query.passages_of(store.conn, sid)
    if not passages:
        continue
    found = {m.theme for m in matcher.match(text, passages, language="en") if m.counted}
    ws = windows(text, passages)
    seen += 1
    for t, (a, b) in CONCEPT.items():
        if t in found or len(pools[t]) >= PER_THEME * 4:
            continue
        hits = [w for w in ws if re.search(a, w) and re.search(b, w) and 15 <= len(w.split()) <= 140]
        if hits:
            pools[t].append((name, rng.choice(hits)))  # one passage per speech and theme
out = []
for t, pool in pools.items():
    for name, w in rng.sample(pool, min(PER_THEME, len(pool))):
        out.append((t, name, " ".join(w.split())))
rng.shuffle(out)
with open(sys.argv[3], "w", encoding="utf-8", newline="") as fh:
    writer = csv.writer(fh, delimiter="\t", lineterminator="\n")  # quoted as the gold files are
    writer.writerow(["id", "theme", "file", "passage"])
    for i, (t, name, w) in enumerate(out, 1):
        writer.writerow([f"p{i:04d}", t, name, w])
print(seen, "speeches read;", {t: len(p) for t, p in pools.items()}, "->", len(out), "passages")
