"""Reference optimum for `scorebook books` (tests/test_books.rs): writes
small random instances to tests/reference/books/NAME/ (scores.csv,
reps.csv, owners.csv, activity.csv, scorebook.toml) and prints, for each,
the most expected value the books can hold, solved as a mixed-integer
program by scipy.optimize.milp (HiGHS).

The program is PRODUCT.md §12's assignment as of 2025-07-01:
- an owned account worked in the last 30 days stays with its owner (it
  uses the owner's capacity); one not worked for 60 days or more goes back
  to the pool (the instances have no account in between and no open deal);
- x[a, r] = 1 puts pool account a (not disqualified) in rep r's book; each
  account in at most one book; each available rep's book (kept accounts
  included) within capacity; an unavailable rep receives nothing;
- a specialist (a rep with a segment) takes their segment's accounts and
  general ones (in no available specialist's segment); a generalist takes
  general accounts, and segment accounts too unless `specialists_only`;
- at least ceil(specialist_share * capacity) of a specialist's book from
  their segment (less the segment accounts they keep, within their free
  room), cut in rep order where the segment's pool has fewer accounts;
- maximize the expected value in books.

    python3 tests/reference/books_milp.py
"""
import math
from pathlib import Path

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import lil_matrix

AS_OF = np.datetime64("2025-07-01")
INDUSTRIES = ["Software", "Healthcare", "BFSI", "Retail", "Media"]


def instance(name, seed, n_accounts, n_reps, specialists, exclusive, share):
    rng = np.random.default_rng(seed)
    industry = rng.choice(INDUSTRIES, n_accounts, p=[0.35, 0.2, 0.15, 0.2, 0.1])
    prob = rng.beta(2, 6, n_accounts)
    amount = np.exp(rng.normal(11, 1.0, n_accounts))
    value = prob * amount
    disq = rng.random(n_accounts) < 0.03
    tier = np.where(disq, "Disqualified", np.where(prob > 0.4, "Tier 1", np.where(prob > 0.2, "Tier 2", "Tier 3")))
    reps = []
    for k in range(n_reps):
        seg = specialists.get(k)
        reps.append(
            dict(
                id=f"R{k + 1:03d}",
                capacity=int(rng.integers(20, 90)),
                segment=seg,
                available=not (k == n_reps - 1),
            )
        )
    # owners: a few accounts per rep, worked recently (kept) or long ago (retrieved)
    owner = {}
    worked = {}
    for k, r in enumerate(reps):
        for a in rng.choice(n_accounts, int(rng.integers(3, 12)), replace=False):
            if a in owner:
                continue
            owner[a] = k
            worked[a] = int(rng.integers(0, 31)) if rng.random() < 0.6 else int(rng.integers(60, 200))
    d = Path(__file__).with_name("books") / name
    d.mkdir(parents=True, exist_ok=True)
    with (d / "scores.csv").open("w") as f:
        f.write("account_id,probability,expected_value,tier,quadrant,industry\n")
        for a in range(n_accounts):
            f.write(f"C{a + 1:05d},{float(prob[a])!r},{float(value[a])!r},{tier[a]},Good Place,{industry[a]}\n")
    with (d / "reps.csv").open("w") as f:
        f.write("rep_id,name,capacity,segment,available\n")
        for r in reps:
            seg = f"\"industry = '{r['segment']}'\"" if r["segment"] else ""
            f.write(f"{r['id']},{r['id']},{r['capacity']},{seg},{str(r['available']).lower()}\n")
    with (d / "owners.csv").open("w") as f:
        f.write("account_id,rep_id,since\n")
        for a, k in sorted(owner.items()):
            f.write(f"C{a + 1:05d},{reps[k]['id']},2024-01-01\n")
    with (d / "activity.csv").open("w") as f:
        f.write("account_id,date\n")
        for a, days in sorted(worked.items()):
            f.write(f"C{a + 1:05d},{AS_OF - np.timedelta64(days, 'D')}\n")
    with (d / "scorebook.toml").open("w") as f:
        f.write(f"[books]\nspecialist_share = {share}\nspecialists_only = {str(exclusive).lower()}\n")

    # the program
    kept = {a: k for a, k in owner.items() if worked[a] <= 30 and reps[k]["available"]}
    # a gone rep's accounts go back to the pool too (none are open deals)
    active = {r["segment"] for r in reps if r["segment"] and r["available"]}
    seg_of = lambda a: industry[a] if industry[a] in active else None
    pool = [a for a in range(n_accounts) if not disq[a] and a not in kept]
    supply = {s: sum(1 for a in pool if seg_of(a) == s) for s in active}
    need = {}
    for k, r in enumerate(reps):
        if r["segment"] and r["available"]:
            kept_k = [a for a, j in kept.items() if j == k]
            free = r["capacity"] - len(kept_k)
            quota = math.ceil(share * r["capacity"])
            want = min(max(0, quota - sum(1 for a in kept_k if industry[a] == r["segment"])), free)
            got = min(want, supply[r["segment"]])
            supply[r["segment"]] -= got
            need[k] = got
    pairs = []
    for a in pool:
        s = seg_of(a)
        for k, r in enumerate(reps):
            if not r["available"]:
                continue
            if r["segment"]:
                ok = s is None or s == r["segment"]
            else:
                ok = s is None or not exclusive
            if ok:
                pairs.append((a, k))
    nv = len(pairs)
    c = -np.array([value[a] for a, _ in pairs])
    rows = []
    lo, hi = [], []
    acc_index = {a: i for i, a in enumerate(pool)}
    A = lil_matrix((len(pool) + 2 * n_reps, nv))
    for j, (a, k) in enumerate(pairs):
        A[acc_index[a], j] = 1
        A[len(pool) + k, j] = 1
        if k in need and industry[a] == reps[k]["segment"]:
            A[len(pool) + n_reps + k, j] = 1
    lo = [0] * len(pool)
    hi = [1] * len(pool)
    for k, r in enumerate(reps):
        free = r["capacity"] - sum(1 for j in kept.values() if j == k)
        lo.append(0)
        hi.append(free if r["available"] else 0)
    for k in range(n_reps):
        lo.append(need.get(k, 0))
        hi.append(np.inf)
    res = milp(
        c,
        constraints=LinearConstraint(A.tocsr(), lo, hi),
        integrality=np.ones(nv),
        bounds=(0, 1),
        options={"mip_rel_gap": 1e-9},
    )
    assert res.success, res.message
    kept_value = sum(value[a] for a in kept)
    print(f"{name}: optimum {float(kept_value - res.fun)!r} (kept {float(kept_value)!r}, {len(pool)} pool accounts, {nv} pairs)")


instance("wide", 20261205, 3000, 30, {0: "Healthcare", 1: "Healthcare", 2: "BFSI", 3: "Retail"}, False, 0.7)
instance("exclusive", 7, 2000, 20, {0: "Healthcare", 1: "BFSI"}, True, 0.7)
instance("scarce", 11, 600, 12, {0: "Media", 1: "Media", 2: "BFSI"}, False, 0.9)
