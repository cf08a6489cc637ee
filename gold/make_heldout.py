"""Draw the held-out gold sample (seed fixed) and write plain texts for the coders.

Held out: no statement of the development gold (../shared/corpus/gold/*.tsv, gold/sample.tsv) is
drawn, and the codebook is frozen (its version recorded in gold/README.md) before these labels are
compared with any output of the tool.
"""
import collections
import random
import re
import sqlite3
import zipfile
from pathlib import Path

SEED = 20261203
rng = random.Random(SEED)
corpus = Path("../shared/corpus")
out = Path("/work/gold_work/heldout/texts")
out.mkdir(parents=True, exist_ok=True)
taken = set()
for tsv in [*corpus.glob("gold/*.tsv"), Path("gold/sample.tsv")]:
    taken |= {line.split("\t")[0] for line in tsv.read_text(encoding="utf-8").splitlines()[1:]}
items = []  # (file, kind, words, text, header)
# Security Council delegation turns, split by tracker from the records in unsc-records/
db = sqlite3.connect("/tmp/gold_src.db")
sc = db.execute("""select s.source, s.country_name, s.speaker, s.meeting, s.date, s.words, t.clean_text
  from statements s join statement_texts t on t.statement_id=s.id
  where s.reader like 'pdf%' and s.role in ('delegation','president (national capacity)')
  order by s.source""").fetchall()
sc = [r for r in sc if r[0] not in taken]
for r in rng.sample(sc, 9):
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
    for n in rng.sample(by_decade[decade], 3):
        text = z.read(n).decode("utf-8-sig")
        name = n.rsplit("/", 1)[-1]
        items.append((name, "ungdc", len(text.split()), text,
                      f"General Assembly general debate, {name[:-4]} (country_session_year)"))
with open("gold/heldout-sample.tsv", "w", encoding="utf-8") as f:
    f.write("file\tkind\twords\n")
    for fname, kind, words, text, header in sorted(items):
        safe = fname.replace("/", "_").replace("#", "__turn")
        (out / (safe + ".txt")).write_text(f"FILE: {fname}\nSOURCE: {header}\n\n{text}\n",
                                           encoding="utf-8")
        f.write(f"{fname}\t{kind}\t{words}\n")
print(len(items), "statements,", sum(i[2] for i in items), "words")
