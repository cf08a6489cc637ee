"""Draw a held-out gold sample (seed and name from the command line: `make_heldout.py 20261204 heldout2`;
`make_heldout.py 20261204 heldout2 12 4`; defaults: the first one, seed 20261203, `heldout`, 9 turns
and 3 speeches per decade; a fifth and sixth argument draw that many 2023 caption transcripts and
English unga79 speeches of 2024, after the rest: `make_heldout.py 20261310 heldout72 0 0 12 10`)
and write plain texts for the coders.

Held out: no statement of the development gold (../shared/corpus/gold/*.tsv, gold/sample.tsv) is
drawn, and the codebook is frozen (its version recorded in gold/README.md) before these labels are
compared with any output of the tool.
"""
import collections
import csv
import os
import random
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 20261203
rng = random.Random(SEED)
corpus = Path("../shared/corpus")
TAG = sys.argv[2] if len(sys.argv) > 2 else "heldout"
# Security Council turns, and UNGDC speeches per decade (heldout: 9 and 3; heldout2: 12 and 4);
# then, optionally, caption transcripts of 2023 and English unga79 speeches of 2024 (drawn after
# the rest, so a draw without them repeats exactly as before they could be asked for)
N_TURNS, PER_DECADE = (int(a) for a in sys.argv[3:5]) if len(sys.argv) > 4 else (9, 3)
N_CAPTIONS = int(sys.argv[5]) if len(sys.argv) > 5 else 0
N_UNGA79 = int(sys.argv[6]) if len(sys.argv) > 6 else 0
out = Path(f"/work/gold_work/{TAG}/texts")
taken = set()
# each held-out sample leaves out the development gold and the held-out samples drawn before it:
# the order is the tag's number (heldout = 1, heldout2, ...), so an old draw repeats exactly


def sample_number(tag: str) -> int:
    found = re.fullmatch(r"heldout(\d*)", tag)
    if found is None:
        sys.exit(f"{tag}: a held-out is named heldout, heldout2, heldout3, ...")
    return int(found.group(1) or 1)


NUMBER = sample_number(TAG)
drawn = {sample_number(p.name.removesuffix("-sample.tsv")): p
         for p in Path("gold").glob("heldout*-sample.tsv")}
if NUMBER > max(drawn, default=0) + 1:  # a gap would let a later draw miss this one's speeches
    sys.exit(f"{TAG}: the next held-out to draw is heldout{max(drawn, default=0) + 1}")
earlier = [drawn[n] for n in sorted(drawn) if n < NUMBER]
out.mkdir(parents=True, exist_ok=True)
for tsv in [*corpus.glob("gold/*.tsv"), Path("gold/sample.tsv"), *earlier]:
    taken |= {line.split("\t")[0] for line in tsv.read_text(encoding="utf-8").splitlines()[1:]}
if NUMBER > 7:
    # later samples also leave out the speeches that gave training passages (gold/passages/)
    with open("gold/passages/labelled.tsv", encoding="utf-8", newline="") as fh:
        taken |= {row["file"] for row in csv.DictReader(fh, delimiter="\t")}
items = []  # (file, kind, words, text, header)
# Security Council delegation turns, split by tracker from the records in unsc-records/
# The Security Council records split into turns (and the 2023 captions) by `tracker ingest`; made
# here when missing: `tracker ingest ../shared/corpus/unsc-records ../shared/corpus/unga78-captions`
SOURCE_DB = Path(os.environ.get("GOLD_SOURCE_DB", "/tmp/gold_src.db"))
if not SOURCE_DB.exists():
    subprocess.run([sys.executable, "-m", "tracker.cli", "ingest", str(corpus / "unsc-records"),
                    str(corpus / "unga78-captions"), "--db", str(SOURCE_DB), "--quiet"], check=True)
db = sqlite3.connect(SOURCE_DB)
sc = db.execute("""select s.source, s.country_name, s.speaker, s.meeting, s.date, s.words, t.clean_text
  from statements s join statement_texts t on t.statement_id=s.id
  where s.reader like 'pdf%' and s.role in ('delegation','president (national capacity)')
  order by s.source""").fetchall()
sc = [r for r in sc if r[0] not in taken]
if len(sc) < N_TURNS:  # the records hold 200 delegation turns; held-out 23 drew the last five
    sys.exit(f"only {len(sc)} Security Council turns are left undrawn; ask for at most that many")
for r in rng.sample(sc, N_TURNS):
    items.append((r[0], "sc", r[5], r[6],
                  f"Security Council, meeting {r[3]}, {r[4]}; speaker: {r[2]} ({r[1]})"))
z = zipfile.ZipFile(corpus / "ungdc/UNGDC_1946-2024.zip")
by_decade = collections.defaultdict(list)
for n in sorted(z.namelist()):
    m = re.search(r"([A-Z]{2,3}|EU)_(\d+)_(\d{4})\.txt$", n)
    if not m:
        continue
    name = n.rsplit("/", 1)[-1]
    if name in taken or int(m.group(3)) in (2023, 2024):
        continue
    by_decade[int(m.group(3)) // 10 * 10].append(n)
for decade in sorted(by_decade):
    for n in rng.sample(by_decade[decade], PER_DECADE):
        text = z.read(n).decode("utf-8-sig")
        name = n.rsplit("/", 1)[-1]
        items.append((name, "ungdc", len(text.split()), text,
                      f"General Assembly general debate, {name[:-4]} (country_session_year)"))
# the automatic captions of the 2023 General Debate, one per distinct text (ingest keeps one of
# each set of identical files), as `tracker ingest` cleaned them
captions = db.execute("""select s.source, s.country_name, s.words, t.clean_text
  from statements s join statement_texts t on t.statement_id=s.id
  where s.reader = 'captions' order by s.source""").fetchall()
captions = [r for r in captions if r[0] not in taken]
if len(captions) < N_CAPTIONS:
    sys.exit(f"only {len(captions)} caption transcripts are left undrawn; ask for at most that many")
for r in rng.sample(captions, N_CAPTIONS):
    items.append((r[0], "captions", r[2], r[3],
                  f"General Assembly general debate, 2023, automatic captions; speaker: {r[1]}"))
# the English texts that delegations' PDFs of the 2024 General Debate gave (dev.tsv's kind)
unga79 = sorted(p for p in (corpus / "unga79" / "text").glob("*_en.txt") if p.name not in taken)
if len(unga79) < N_UNGA79:
    sys.exit(f"only {len(unga79)} English unga79 speeches are left undrawn; ask for at most that many")
for path in rng.sample(unga79, N_UNGA79):
    text = path.read_text(encoding="utf-8")
    items.append((path.name, "unga79", len(text.split()), text,
                  f"General Assembly general debate, 2024, text of the delegation's PDF ({path.name})"))
with open(f"gold/{TAG}-sample.tsv", "w", encoding="utf-8") as f:
    f.write("file\tkind\twords\n")
    for fname, kind, words, text, header in sorted(items):
        safe = fname.replace("/", "_").replace("#", "__turn")
        (out / (safe + ".txt")).write_text(f"FILE: {fname}\nSOURCE: {header}\n\n{text}\n",
                                           encoding="utf-8")
        f.write(f"{fname}\t{kind}\t{words}\n")
print(len(items), "statements,", sum(i[2] for i in items), "words")
