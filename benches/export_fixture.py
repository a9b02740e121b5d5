"""A CRM export shaped like the IBM Sales Win-Loss file, with a planted
truth no straight line holds, for benches/quality.sh.

One `;`-delimited flat file of deals (one account per deal): region, route
to market, competitor type, a `;`-list of products, and the deal amount.
Won with probability sigmoid(eta):

    eta = -0.6 + region + route + competitor + 0.9 [batteries]
          + 0.3 ln(amount / 20,000)        the trend
          + 0.8 [amount is 25,000, 50,000 or 100,000]   round amounts (a spike)
          + 0.7 [Reseller and amount >= 50,000]         a pair

    python3 export_fixture.py OUT_DIR DEALS SEED [placeholders]

With `placeholders`, amounts are as a CRM full of typed-in defaults has
them: a third of the deals carry one of 28 round amounts (5,000 to 140,000
by 5,000), and those deals win far less often (-2.8 on eta, about 5%
against 24% overall); the spike of three round amounts is left out.
"""
import math
import random
import sys
from datetime import date, timedelta

out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
placeholders = len(sys.argv) > 4 and sys.argv[4] == "placeholders"
PLACEHOLDERS = [5_000 * k for k in range(1, 29)]
rng = random.Random(seed)
REGIONS = [("Pacific", 0.0), ("Midwest", -0.9), ("Northeast", 0.8), ("Southwest", 0.0), ("Mid-Atlantic", 0.3)]
ROUTES = [("Fields Sales", 0.0), ("Reseller", 1.1), ("Telesales", -0.9), ("Other", 0.2)]
COMPETITORS = [("Unknown", 0.0), ("None", 0.7), ("Known", -0.6)]
PRODUCTS = ["Tires", "Batteries", "Car Electronics", "Exterior Accessories"]
ROUND = [25_000, 50_000, 100_000]


def pick(levels):
    # the first level half the time, the others evenly
    return levels[0] if rng.random() < 0.5 else rng.choice(levels[1:])


start = date(2021, 1, 1)
with open(f"{out}/deals.csv", "w") as f:
    f.write("Opportunity Number;Created;Closed;Result;Region;Products;Route To Market;Competitor Type;Opportunity Amount\n")
    for i in range(n):
        region, r = pick(REGIONS)
        route, ro = pick(ROUTES)
        competitor, c = pick(COMPETITORS)
        products = [p for p in PRODUCTS if rng.random() < 0.4]
        typed_in = False
        if placeholders and rng.random() < 0.35:
            amount, typed_in = rng.choice(PLACEHOLDERS), True
        elif not placeholders and rng.random() < 0.2:
            amount = rng.choice(ROUND)
        else:
            amount = round(math.exp(rng.uniform(8.0, 12.5)), -2) + (7 if placeholders else 0)
        eta = ((-1.4 if placeholders else -0.6) + r + ro + c + (0.9 if "Batteries" in products else 0.0)
               + 0.3 * math.log(amount / 20_000)
               + (0.8 if amount in ROUND and not placeholders else 0.0)
               + (-2.8 if typed_in else 0.0)
               + (0.7 if route == "Reseller" and amount >= 50_000 else 0.0))
        won = rng.random() < 1 / (1 + math.exp(-eta))
        created = start + timedelta(days=i * 900 // n)
        closed = created + timedelta(days=40)
        f.write(f"OPP-{i:06};{created};{closed};{'Won' if won else 'Loss'};{region};\"{';'.join(products)}\";{route};{competitor};{amount:.0f}\n")

with open(f"{out}/scorebook.toml", "w") as f:
    f.write("""[input]
accounts = "deals.csv"
opportunities = "deals.csv"
[columns.opportunities]
opportunity_id = "Opportunity Number"
created_date = "Created"
close_date = "Closed"
stage = "Result"
[stages]
won = ["Won"]
lost = ["Loss"]
[features]
extra = ["Region", "Products", "Route To Market", "Competitor Type"]
deal = ["Opportunity Amount"]
[model]
""")
