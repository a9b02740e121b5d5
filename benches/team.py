"""A sales team for the books benchmark (benches/books.sh): REPS reps of
capacity 100 in 10 teams and, with `--specialists`, one rep in ten a
specialist of one of five industries, one in fifty unavailable, the
current owners (half the team's slots, given up to 240 days ago) and
worked activities (three in five owned accounts, in the last 120 days).
Account ids are the synth's (A00000001 ...).

    team.py OUT_DIR ACCOUNTS REPS [--specialists]
"""
import random
import sys
from datetime import date, timedelta
from pathlib import Path

out, accounts, reps = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
specialists = "--specialists" in sys.argv
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(20261205)
as_of = date(2025, 7, 1)
industries = ["Software", "BFSI", "Healthcare", "Manufacturing", "Retail"]
with (out / "reps.csv").open("w") as f:
    f.write("rep_id,name,team,capacity,segment,segment_name,available\n")
    for k in range(reps):
        seg = industries[k // 10 % 5] if specialists and k % 10 == 0 else ""
        pred = f"\"industry = '{seg}'\"" if seg else ""
        avail = "false" if specialists and k % 50 == 49 else "true"
        f.write(f"R{k:05d},Rep {k},Team {k % 10},100,{pred},{seg},{avail}\n")
if specialists:
    owned = rng.sample(range(accounts), min(accounts, reps * 50))
    with (out / "owners.csv").open("w") as f, (out / "activity.csv").open("w") as g:
        f.write("account_id,rep_id,since\n")
        g.write("account_id,date\n")
        for i, a in enumerate(owned):
            since = as_of - timedelta(days=rng.randrange(240))
            f.write(f"A{a + 1:08d},R{i % reps:05d},{since}\n")
            if rng.random() < 0.6:
                for _ in range(rng.randrange(1, 4)):
                    g.write(f"A{a + 1:08d},{max(since, as_of - timedelta(days=rng.randrange(120)))}\n")
