//! The checks of the training tables `validate` and `train` report: the
//! accounts (ids, duplicates, missing values) and the opportunities (ids,
//! dates, stages, outcomes, repeated deals).

use super::*;

fn missing_warning<T>(file: &str, col: &str, v: &[Option<T>], what: &str, q: &mut Quality) {
    let n = v.iter().filter(|x| x.is_none()).count();
    if n == v.len() && n > 0 {
        q.warnings.push(format!(
            "{file}: column `{col}` is absent or empty in all {n} rows; {what} (it is not a feature)"
        ));
    } else if n > 0 {
        q.warnings.push(format!(
            "{file}: column `{col}` is missing in {n} of {} rows ({:.1}%); {what}",
            v.len(),
            100.0 * n as f64 / v.len() as f64
        ));
    }
}

/// Standardizes a company name for duplicate detection: "Acme, Inc." and "ACME Inc" both give "acme".
pub fn standard_name(s: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "plc",
        "sa",
        "ag",
        "bv",
        "nv",
        "srl",
        "pty",
        "the",
    ];
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !SUFFIXES.contains(w))
        .collect();
    words.join(" ")
}

pub(super) fn check_accounts(a: &Accounts, file: &str, q: &mut Quality) {
    q.facts.push(format!("{file}: {} accounts", a.len()));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut dups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut null_ids = vec![];
    for (i, id) in a.account_id.iter().enumerate() {
        match id {
            None => null_ids.push(i + 1),
            Some(id) => {
                if let Some(first) = seen.insert(id.as_str(), i + 1) {
                    dups.entry(id.as_str())
                        .or_insert_with(|| vec![first])
                        .push(i + 1);
                }
            }
        }
    }
    if !null_ids.is_empty() {
        q.errors.push(format!(
            "{file}: column `account_id` is empty in rows {}; every account needs an id",
            rows(&null_ids)
        ));
    }
    for (id, r) in dups.iter().take(10) {
        q.errors.push(format!(
            "{file}: duplicate account_id {id:?} in rows {}; account ids must be unique",
            rows(r)
        ));
    }
    if dups.len() > 10 {
        q.errors.push(format!(
            "{file}: {} more duplicate account ids",
            dups.len() - 10
        ));
    }
    missing_warning(
        file,
        "industry",
        &a.industry,
        "treated as industry `Unknown`",
        q,
    );
    missing_warning(
        file,
        "employees",
        &a.employees,
        "imputed with the median and flagged",
        q,
    );
    missing_warning(
        file,
        "annual_revenue",
        &a.annual_revenue,
        "imputed with the median and flagged",
        q,
    );
    // a count with fractions is a misread separator or a unit (1.327 employees)
    for (name, col) in [
        ("employees", &a.employees),
        ("jobs_posted_30d", &a.jobs_posted_30d),
        ("hires_12m", &a.hires_12m),
    ] {
        let fractional: Vec<usize> = col
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some_and(|x| x.fract() != 0.0))
            .map(|(i, _)| i + 1)
            .collect();
        if let Some(&first) = fractional.first() {
            q.warnings.push(format!(
                "{file}: column `{name}` counts, but holds fractions in {} rows (first: row {first}, {}); if `.` groups thousands in this export set [input] decimal = \",\"",
                fractional.len(),
                col[first - 1].unwrap_or_default()
            ));
        }
    }
    for (name, col) in [
        ("employees", &a.employees),
        ("annual_revenue", &a.annual_revenue),
    ] {
        let negative: Vec<usize> = col
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some_and(|v| v < 0.0))
            .map(|(i, _)| i + 1)
            .collect();
        if !negative.is_empty() {
            q.errors.push(format!(
                "{file}: column `{name}` is negative in rows {}; fix or leave empty",
                rows(&negative)
            ));
        }
    }
    if let Some(w) = revenue_unit_warning(a, 1.0) {
        q.warnings.push(format!("{file}: {w}"));
    }
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, id) in a.name.iter().zip(&a.account_id) {
        if let (Some(n), Some(id)) = (n, id) {
            let s = standard_name(n);
            if !s.is_empty() {
                by_name.entry(s).or_default().push(format!("{id} ({n})"));
            }
        }
    }
    let collisions: Vec<String> = by_name
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| format!("{k:?}: {}", v.join(", ")))
        .collect();
    if !collisions.is_empty() {
        q.warnings.push(format!(
            "{file}: {} standardized company names are shared by several accounts (possible duplicates): {}",
            collisions.len(),
            collisions.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
        ));
    }
}

/// Under this many won (or lost) deals, training warns that they are few.
const FEW_OUTCOMES: usize = 50;
/// Under this many, it refuses: the periods would hold one or two.
const MIN_OUTCOMES: usize = 10;

/// Closed deals that repeat another's account, dates, stage and amount
/// under another id (an export that holds each deal twice): warned about
/// when they are more than a few, since copies count twice in the fit.
pub(super) fn repeated_deals(o: &Opportunities, file: &str, q: &mut Quality) {
    let mut first: HashMap<String, usize> = HashMap::new();
    let (mut repeats, mut example, mut closed) = (0usize, None, 0usize);
    for k in 0..o.label.len() {
        if o.label[k].is_none() {
            continue;
        }
        closed += 1;
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}",
            o.account_id[k], o.created_date[k], o.close_date[k], o.stage[k], o.amount[k]
        );
        match first.get(&key) {
            Some(&j) => {
                repeats += 1;
                example.get_or_insert((j, k));
            }
            None => {
                first.insert(key, k);
            }
        }
    }
    if let Some((j, k)) = example.filter(|_| repeats >= 5.max(closed / 50)) {
        let id = |r: usize| o.opportunity_id[r].clone().unwrap_or_default();
        q.warnings.push(format!(
            "{file}: {repeats} of {closed} closed opportunities repeat another's account, dates, stage and amount under another id (first: {} on row {} repeats {} on row {}): if the export holds deals twice, each copy counts in the fit and the figures; remove the copies",
            id(k),
            k + 1,
            id(j),
            j + 1
        ));
    }
}

pub(super) fn check_opportunities(
    o: &Opportunities,
    a: &Accounts,
    file: &str,
    cfg: &Config,
    q: &mut Quality,
) {
    let ids: HashSet<&str> = a.account_id.iter().flatten().map(String::as_str).collect();
    let n = o.opportunity_id.len();
    let won = o.label.iter().filter(|l| **l == Some(1)).count();
    let lost = o.label.iter().filter(|l| **l == Some(0)).count();
    q.facts.push(format!(
        "{file}: {n} opportunities: {won} won, {lost} lost, {} open",
        n - won - lost
    ));
    let mut open_stages: BTreeMap<String, usize> = BTreeMap::new();
    for (s, l) in o.stage.iter().zip(&o.label) {
        if l.is_none() {
            *open_stages
                .entry(s.clone().unwrap_or_else(|| "(empty)".into()))
                .or_default() += 1;
        }
    }
    if !open_stages.is_empty() {
        let list: Vec<String> = open_stages
            .iter()
            .map(|(s, c)| format!("{s:?} ({c})"))
            .collect();
        q.warnings.push(format!(
            "{file}: stages not mapped to won or lost are treated as open and not trained on: {}",
            list.join(", ")
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let (mut dups, mut null_id, mut unknown, mut no_acc_closed, mut no_acc_open) =
        (vec![], vec![], vec![], vec![], 0);
    let (mut no_created, mut no_close, mut close_before) = (vec![], vec![], vec![]);
    // a closed deal's dates lie between 1990 and a year from today: outside
    // that, one typo (2205 for 2023) moves the training universe's as-of day
    let (earliest, latest) = (
        read::parse_date("1990-01-01").unwrap_or_default(),
        read::days_from_date(chrono::Utc::now().date_naive()) + 365,
    );
    let mut implausible = vec![];
    let mut unknown_names: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..n {
        let row = i + 1;
        match &o.opportunity_id[i] {
            None => null_id.push(row),
            Some(id) => {
                if seen.insert(id, row).is_some() {
                    dups.push(row);
                }
            }
        }
        let closed = o.label[i].is_some();
        match &o.account_id[i] {
            None if closed => no_acc_closed.push(row),
            None => no_acc_open += 1,
            Some(acc) if !ids.contains(acc.as_str()) => {
                unknown.push(row);
                *unknown_names.entry(acc).or_default() += 1;
            }
            _ => {}
        }
        if closed {
            match (o.created_date[i], o.close_date[i]) {
                (None, _) => no_created.push(row),
                (_, None) => no_close.push(row),
                (Some(c), Some(e)) if e < c => close_before.push(row),
                _ => {}
            }
            let dates = [o.created_date[i], o.close_date[i]];
            if dates.iter().flatten().any(|d| *d < earliest || *d > latest) {
                implausible.push(row);
            }
        }
    }
    let e = &mut q.errors;
    if !null_id.is_empty() {
        e.push(format!(
            "{file}: column `opportunity_id` is empty in rows {}",
            rows(&null_id)
        ));
    }
    if !dups.is_empty() {
        e.push(format!(
            "{file}: duplicate opportunity_id in rows {}; opportunity ids must be unique",
            rows(&dups)
        ));
    }
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown_names.keys().take(5).copied().collect();
        e.push(format!(
            "{file}: column `account_id` points at accounts not in the accounts table in rows {} (e.g. {:?}); add the accounts or fix the ids",
            rows(&unknown),
            names
        ));
    }
    if !no_acc_closed.is_empty() {
        e.push(format!(
            "{file}: closed opportunities without an account_id in rows {}",
            rows(&no_acc_closed)
        ));
    }
    if o.dateless() && cfg.split.method == crate::config::SplitMethod::Random {
        q.warnings.push(format!(
            "{file}: no deal has a created_date: the deals have no as-of day, so their features are as of the latest date seen (or today), and signals cannot be used point in time"
        ));
    } else if !no_created.is_empty() {
        e.push(format!(
            "{file}: closed opportunities without a created_date in rows {}",
            rows(&no_created)
        ));
    }
    if !no_close.is_empty() {
        // close_date is optional (PRODUCT.md §4): such a deal trains, but
        // without it cannot count as an earlier win of its account
        q.warnings.push(format!(
            "{file}: {} closed opportunities have no close_date (rows {}); they train, but cannot count as earlier won deals of their account",
            no_close.len(),
            rows(&no_close)
        ));
    }
    if !close_before.is_empty() {
        e.push(format!(
            "{file}: close_date is before created_date in rows {}; impossible dates, fix them in the CRM export",
            rows(&close_before)
        ));
    }
    if !implausible.is_empty() {
        e.push(format!(
            "{file}: closed opportunities dated before 1990-01-01 or after {} in rows {}; fix the dates (a typo in one year moves every tier)",
            read::format_days(latest),
            rows(&implausible)
        ));
    }
    if no_acc_open > 0 {
        q.warnings.push(format!(
            "{file}: {no_acc_open} open opportunities have no account_id; they are not used"
        ));
    }
    repeated_deals(o, file, q);
    // the rarer outcome
    let (k, which) = if won <= lost {
        (won, "won")
    } else {
        (lost, "lost")
    };
    if (MIN_OUTCOMES..FEW_OUTCOMES).contains(&k) && won + lost >= cfg.model.min_closed_deals {
        q.warnings.push(format!(
            "{file}: only {k} of the {} closed opportunities were {which}: a model learns few effects from so few, and its held-out figures are rough; add history if you have it",
            won + lost
        ));
    }
    if won == 0 || lost == 0 {
        q.errors.push(format!(
            "{file}: no {which} opportunities; stages {:?} are won and {:?} lost (set [stages] in the config to map yours)",
            cfg.stages.won, cfg.stages.lost
        ));
    } else if won + lost < cfg.model.min_closed_deals {
        q.errors.push(format!(
            "{file}: only {} closed opportunities; at least {} are needed to train (model.min_closed_deals)",
            won + lost,
            cfg.model.min_closed_deals
        ));
    } else if k < MIN_OUTCOMES {
        q.errors.push(format!(
            "{file}: only {k} of the {} closed opportunities were {which}: at least {MIN_OUTCOMES} won and {MIN_OUTCOMES} lost are needed to fit a model and measure it on deals it did not see; add history, or check the [stages] mapping",
            won + lost
        ));
    }
}
