//! Segments that matter (issue 22): the G-test, Holm's adjustment and the
//! empirical-Bayes win rates against scipy and statsmodels on a small
//! table (tests/reference/segments.py), the merge of a planted set, and
//! the report and segments.csv of a trained model.

mod common;
use common::*;
use scorebook::model::segments;

/// Two truly different segments (60% and 15% won) and three at 35%.
const ROWS: [(usize, usize); 5] = [(240, 160), (60, 340), (105, 195), (102, 198), (108, 192)];

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn g_test_and_holm_match_scipy_and_statsmodels() {
    let (g, df, p) = segments::g_test(&ROWS);
    assert!(close(g, 183.3342947059416, 1e-12), "{g}");
    assert_eq!(df, 4);
    assert!(close(p, 1.4334730314354327e-38, 1e-6), "{p}");
    let (won, lost) = (615, 1085);
    let raw: Vec<f64> = ROWS
        .iter()
        .map(|&(w, l)| segments::g_test(&[(w, l), (won - w, lost - l)]).2)
        .collect();
    let want = [
        6.089960560518177e-29,
        2.680201045904944e-26,
        0.6396483539565008,
        0.3856003540793922,
        0.94410217381836,
    ];
    for (r, w) in raw.iter().zip(want) {
        assert!(close(*r, w, 1e-6), "{r} vs {w}");
    }
    let holm = segments::holm(&raw);
    let want = [
        3.0449802802590885e-28,
        1.0720804183619776e-25,
        1.0,
        1.0,
        1.0,
    ];
    for (h, w) in holm.iter().zip(want) {
        assert!(close(*h, w, 1e-6), "{h} vs {w}");
    }
    let cd = segments::g_test(&[ROWS[2], ROWS[3]]).2;
    assert!(close(cd, 0.7966811623006176, 1e-9), "{cd}");
    // Holm on a case where the step-down order matters (statsmodels)
    let h = segments::holm(&[0.01, 0.04, 0.03, 0.005]);
    for (a, b) in h.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        assert!(close(*a, b, 1e-12), "{h:?}");
    }
}

#[test]
fn empirical_bayes_rates_match_the_beta_binomial_reference() {
    let (a, b) = segments::beta_prior(&ROWS);
    assert!(close(a + b, 10.687876181193511, 1e-4), "{}", a + b);
    let t = segments::analyze(&["A", "B", "C", "D", "E"].map(String::from), &ROWS);
    let want = [
        (0.5938000864569076, 0.5459522619738691, 0.6407825043781809),
        (
            0.15551103426052656,
            0.12213815221064056,
            0.19206024465819171,
        ),
        (0.3504047139570564, 0.2983931881617406, 0.40424060584105553),
        (0.34074872082055435, 0.289144759340089, 0.3942947800267563),
        (0.3600607070935584, 0.30766549190700454, 0.41416255150635056),
    ];
    for (s, (m, lo, hi)) in t.segments.iter().zip(want) {
        assert!(
            close(s.shrunk_win_rate, m, 1e-5),
            "{}: {} vs {m}",
            s.segment,
            s.shrunk_win_rate
        );
        assert!(
            close(s.shrunk_low, lo, 1e-4),
            "{}: {} vs {lo}",
            s.segment,
            s.shrunk_low
        );
        assert!(
            close(s.shrunk_high, hi, 1e-4),
            "{}: {} vs {hi}",
            s.segment,
            s.shrunk_high
        );
        // shrunk toward the overall rate, never past it
        let overall = 615.0 / 1700.0;
        assert!((s.shrunk_win_rate - overall).abs() <= (s.win_rate - overall).abs() + 1e-12);
    }
}

#[test]
fn a_planted_set_merges_to_the_right_groups() {
    let names = ["A", "B", "C", "D", "E"].map(String::from);
    let t = segments::analyze(&names, &ROWS);
    let groups: Vec<Vec<&str>> = t
        .groups
        .iter()
        .map(|g| g.segments.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        groups,
        vec![vec!["A"], vec!["C", "D", "E"], vec!["B"]],
        "by win rate, highest first"
    );
    let useful: Vec<bool> = t.segments.iter().map(|s| s.useful).collect();
    assert_eq!(
        useful,
        [true, true, false, false, false],
        "the noise segments are not useful"
    );
    assert!(
        t.group_pairs.iter().all(|(_, _, p)| *p <= segments::ALPHA),
        "the groups left differ pairwise"
    );
    // segments that do not differ at all: one group, none useful
    let flat = [(100, 200), (98, 202), (103, 197), (51, 99)];
    let t = segments::analyze(&["a", "b", "c", "d"].map(String::from), &flat);
    assert_eq!(t.groups.len(), 1);
    assert!(t.p_value > 0.05 && t.segments.iter().all(|s| !s.useful));
    // many segments that all differ still merge down to five
    let many: Vec<(usize, usize)> = (0..9).map(|k| (50 + 40 * k, 450 - 40 * k)).collect();
    let names: Vec<String> = (0..9).map(|k| format!("s{k}")).collect();
    let t = segments::analyze(&names, &many);
    assert_eq!(t.groups.len(), segments::MAX_GROUPS);
}

#[test]
fn trained_models_report_which_segments_matter() {
    let t = tempdir();
    let data = synth(t.path(), 3000, 3000, 17);
    let m = t.path().join("m");
    train_sample(&data, &m);
    let csv = std::fs::read_to_string(m.join("segments.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "deals",
        "won",
        "win_rate",
        "shrunk_win_rate",
        "shrunk_low",
        "shrunk_high",
        "p_vs_rest",
        "useful",
        "group",
    ] {
        assert!(
            header.contains(&col),
            "segments.csv lacks {col}: {header:?}"
        );
    }
    let useful = header.iter().position(|h| *h == "useful").unwrap();
    let labels: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            r.records().next().unwrap().unwrap()[useful].to_string()
        })
        .collect();
    assert!(
        labels
            .iter()
            .all(|l| l == "yes" || l == "not useful" || l.is_empty()),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l == "not useful"),
        "synth's many small segments include noise"
    );
    let html = std::fs::read_to_string(m.join("report.html")).unwrap();
    assert!(html.contains("Segments that matter"));
    assert!(html.contains("G-test"));
}

/// Beta quantiles of large segments (thousands of deals) against scipy's
/// `beta.ppf`, and of a huge one (the normal approximation).
#[test]
fn beta_quantiles_match_scipy() {
    let lo = segments::beta_quantile(0.025, 1312.3, 2003.7);
    let hi = segments::beta_quantile(0.975, 1312.3, 2003.7);
    assert!(close(lo, 0.3791670326445584, 1e-9), "{lo}");
    assert!(close(hi, 0.4124478576386622, 1e-9), "{hi}");
    let mid = segments::beta_quantile(0.5, 400000.5, 600000.25);
    assert!(close(mid, 0.40000013333340, 1e-6), "{mid}");
    // chi-square survival in the series branch (scipy chi2.sf(3.2, 7))
    assert!(close(
        segments::chi2_sf(3.2, 7.0),
        0.8659047417360984,
        1e-10
    ));
}

/// A categorical extra named as a segment axis splits the report's
/// segments by its levels too; an axis that is not a categorical extra is
/// refused, naming it.
#[test]
fn a_segment_axis_refines_the_segments() {
    let t = tempdir();
    let data = synth(t.path(), 1500, 1500, 8);
    let base = std::fs::read_to_string(data.join("scorebook.toml")).unwrap();
    let with = |extra: &str| base.replace("[features]\n", &format!("[features]\n{extra}\n"));
    let cfg = data.join("axes.toml");
    std::fs::write(
        &cfg,
        with("extra = [\"country\"]\nsegment_axes = [\"country\"]"),
    )
    .unwrap();
    let m = t.path().join("m");
    run(&["train", "--config", s(&cfg), "--out", s(&m)]).ok();
    let csv = std::fs::read_to_string(m.join("segments.csv")).unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert_eq!(
        first.split(',').next().unwrap().matches(" / ").count(),
        2,
        "industry / size band / country: {first}"
    );
    let html = std::fs::read_to_string(m.join("report.html")).unwrap();
    assert!(html.contains("segments (industry / size band / country)"));
    std::fs::write(&cfg, with("segment_axes = [\"country\"]")).unwrap();
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&t.path().join("m2")),
    ])
    .fails_with(
        1,
        "features.segment_axes names \"country\", which is not in features.extra",
    );
    // a numeric extra cannot be an axis
    let accounts = std::fs::read_to_string(data.join("accounts.csv")).unwrap();
    let numbered: Vec<String> = accounts
        .lines()
        .enumerate()
        .map(|(k, l)| {
            if k == 0 {
                format!("{l},seats")
            } else {
                format!("{l},{}", k % 17)
            }
        })
        .collect();
    std::fs::write(data.join("accounts.csv"), numbered.join("\n") + "\n").unwrap();
    std::fs::write(
        &cfg,
        with("extra = [\"seats\"]\nsegment_axes = [\"seats\"]"),
    )
    .unwrap();
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&t.path().join("m3")),
    ])
    .fails_with(1, "is not a categorical column of [features] extra");
}
