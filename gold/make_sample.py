"""Draw the gold sample (seed fixed) and write plain texts for the coders."""
import csv, random, re, sqlite3, zipfile, json, collections
from pathlib import Path
SEED = 20261202
rng = random.Random(SEED)
out = Path('/work/gold_work/texts'); out.mkdir(exist_ok=True)
db = sqlite3.connect('/tmp/gold_src.db')
items = []  # (file, kind, words, text, header)
# Security Council delegation turns
sc = db.execute("""select s.source, s.country_name, s.speaker, s.meeting, s.date, s.words, t.clean_text
  from statements s join statement_texts t on t.statement_id=s.id
  where s.reader like 'pdf%' and s.role in ('delegation','president (national capacity)') order by s.source""").fetchall()
for r in rng.sample(sc, 42):
    items.append((r[0], 'sc', r[5], r[6], f"Security Council, meeting {r[3]}, {r[4]}; speaker: {r[2]} ({r[1]})"))
cap = db.execute("""select s.source, s.country_name, s.words, t.clean_text from statements s join statement_texts t on t.statement_id=s.id
  where s.reader='captions' and s.duplicate_of is null order by s.source""").fetchall()
capsel = rng.sample(cap, 17)
for r in capsel:
    items.append((r[0], 'captions', r[2], r[3], f"General Assembly general debate, 78th session (September 2023), automatic captions of the speech of {r[1]}"))
excluded = {l.split('\t')[0] for l in open('../shared/corpus/gold/dev-decades.tsv')}
z = zipfile.ZipFile('../shared/corpus/ungdc/UNGDC_1946-2024.zip')
bydec = collections.defaultdict(list)
for n in sorted(z.namelist()):
    m = re.search(r'([A-Z]{2,3}|EU)_(\d+)_(\d{4})\.txt$', n)
    if not m: continue
    name = n.rsplit('/',1)[-1]
    yr = int(m.group(3))
    if name in excluded or yr in (2023, 2024): continue
    bydec[yr//10*10].append(n)
for dec in sorted(bydec):
    for n in rng.sample(bydec[dec], 5):
        text = z.read(n).decode('utf-8-sig')
        name = n.rsplit('/',1)[-1]
        items.append((name, 'ungdc', len(text.split()), text, f"General Assembly general debate, {name[:-4]} (country_session_year)"))
# three batches balanced by words (greedy), each with a mix
items.sort(key=lambda x: -x[2])
batches = [[], []]; load = [0,0]
for it in items:
    b = load.index(min(load)); batches[b].append(it); load[b] += it[2]
with open('/work/gold_work/sample.tsv','w') as f:
    f.write('file\tkind\twords\tbatch\n')
    for b, items_b in enumerate(batches, 1):
        d = out / f'batch{b}'; d.mkdir(exist_ok=True)
        for fname, kind, words, text, header in sorted(items_b):
            safe = fname.replace('/', '_').replace('#', '__turn')
            (d / (safe + '.txt')).write_text(f"FILE: {fname}\nSOURCE: {header}\n\n{text}\n", encoding='utf-8')
            f.write(f'{fname}\t{kind}\t{words}\t{b}\n')
print(load, [len(b) for b in batches], len(items))
