//! The report in a real browser: headless Chromium renders `report.html` and
//! a script measures every chart. CI installs Debian's `chromium` and sets
//! SCOREBOOK_REQUIRE_BROWSER=1, so there the browser test cannot be skipped.

mod common;
use common::*;
use std::path::Path;

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = browser_or_skip() else {
        return;
    };
    let t = tempdir();
    let data = synth(t.path(), 3000, 3000, 5);
    let model = t.path().join("models/q3");
    train_sample(&data, &model);
    let html = std::fs::read_to_string(model.join("report.html")).unwrap();
    // self-contained: nothing is fetched from anywhere
    for needle in ["src=\"http", "href=\"http", "<link", "<script", "url("] {
        assert!(!html.contains(needle), "report.html references {needle}");
    }
    for section in [
        "Held-out metrics",
        "Tiers",
        "Fit &times; timing",
        "Segments and capacity",
        "What drives the score",
        "Training data",
        "Caveats",
    ] {
        assert!(html.contains(section), "report lacks the section {section}");
    }

    let charts = measure_charts(&chromium, &model.join("report.html"));
    eprintln!("{charts:#?}");
    assert!(
        charts
            .iter()
            .any(|c| c.caption.starts_with("Shape of Employees")),
        "no drawn shape of company size"
    );
    check_axes_and_legends(&charts);
    // every chart is laid out with a real size and draws its marks
    for (caption, min_shapes) in [
        ("Lift by decile", 4),
        ("Cumulative gains", 4),
        ("Reliability", 6),
        ("Held-out win rate by tier", 4),
        ("Each feature's largest effect", 10),
        ("Permutation importance", 5),
    ] {
        let c = charts
            .iter()
            .find(|c| c.caption.starts_with(caption))
            .unwrap_or_else(|| panic!("no chart {caption:?} in {charts:?}"));
        assert!(
            c.width >= 200.0 && c.height >= 60.0,
            "{caption}: rendered {c:?}"
        );
        assert!(
            c.shapes >= min_shapes,
            "{caption}: only {} shapes drawn",
            c.shapes
        );
    }

    // a screenshot for people, kept in the target directory
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &chromium,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,6000",
            &format!("file://{}", model.join("report.html").display()),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 50_000, "screenshot is nearly empty");
    eprintln!("screenshot: {}", shot.display());
}
