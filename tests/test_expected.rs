//! Expected wins of an open pipeline (issue 22): the Poisson-binomial
//! distribution against an exact reference, and `score --opportunities`
//! stating the wins its open deals should bring.

mod common;
use common::*;

/// tests/reference/poisson_binomial.py (numpy convolution) on 12 deals.
#[test]
fn poisson_binomial_matches_the_exact_reference() {
    let p = [
        0.91, 0.05, 0.33, 0.5, 0.72, 0.18, 0.64, 0.07, 0.45, 0.88, 0.26, 0.59,
    ];
    let want = [
        4.4088748058900145e-05,
        0.0011569839039646704,
        0.011434480982420853,
        0.05586837036509293,
        0.15394252423148252,
        0.2559253194692015,
        0.2646463591747918,
        0.17105161006890574,
        0.06791002350018072,
        0.015876386143873426,
        0.0020198754793909206,
        0.00012133004896172158,
        2.64788367427584e-06,
    ];
    let got = scorebook::expected::pmf(&p);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-15, "{g} vs {w}");
    }
    let (mean, lo, hi) = scorebook::expected::interval(&p, 0.95);
    assert!((mean - 5.58).abs() < 1e-12);
    assert_eq!((lo, hi), (3, 8));
}

/// A large pipeline (the approximation) keeps its interval around the
/// mean with the binomial's width: n = 40,000 deals at p = 0.3 has a
/// standard deviation of 91.65, so the interval is 12,000 ± 1.96 × 91.65.
#[test]
fn large_pipelines_use_an_accurate_approximation() {
    let p = vec![0.3; 40_000];
    let (mean, lo, hi) = scorebook::expected::interval(&p, 0.95);
    assert!((mean - 12_000.0).abs() < 1e-6);
    assert!((lo as f64 - (12_000.0 - 1.96 * 91.65)).abs() <= 1.5, "{lo}");
    assert!((hi as f64 - (12_000.0 + 1.96 * 91.65)).abs() <= 1.5, "{hi}");
}

#[test]
fn score_opportunities_states_the_wins_expected_per_tier() {
    let t = tempdir();
    let data = synth(t.path(), 1500, 1500, 5);
    let m = t.path().join("m");
    train_sample(&data, &m);
    let out = t.path().join("deals.parquet");
    let r = run(&[
        "score",
        "--model",
        s(&m),
        "--opportunities",
        s(&data.join("opportunities.csv")),
        "--universe",
        s(&data.join("universe.parquet")),
        "--signals",
        s(&data.join("signals.parquet")),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&out),
    ])
    .ok();
    let opps = std::fs::read_to_string(data.join("opportunities.csv")).unwrap();
    let open = opps
        .lines()
        .skip(1)
        .filter(|l| {
            !l.split(',')
                .nth(4)
                .unwrap()
                .to_lowercase()
                .starts_with("closed")
        })
        .count();
    assert!(open > 20, "the synth export has open deals");
    assert!(
        r.stderr.contains(&format!("the {open} open deals bring")),
        "{}",
        r.stderr
    );
    // a sentence per tier with deals, its interval around its expectation
    let mut deals = 0;
    for line in r
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Tier "))
    {
        let (name, rest) = line.trim().split_once(": ").unwrap();
        let n: usize = rest.split(' ').next().unwrap().parse().unwrap();
        let expected: f64 = rest
            .split(", ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let range = rest.split('(').nth(1).unwrap().trim_end_matches(')');
        let (lo, hi) = range.split_once('\u{2013}').unwrap();
        let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
        assert!(
            lo <= expected && expected <= hi && expected <= n as f64,
            "{name}: {rest}"
        );
        deals += n;
    }
    assert!(deals > 0 && deals <= open);
}
