//! The report in a real browser: headless Chromium renders `report.html` and
//! a script measures every chart. CI installs Debian's `chromium` and sets
//! SCOREBOOK_REQUIRE_BROWSER=1, so there the browser test cannot be skipped.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn browser() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(b))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
}

fn headless(chromium: &Path, args: &[&str]) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Appended to a copy of the report: for every chart, its caption, rendered
/// size and the number of drawn shapes with a non-empty bounding box.
const MEASURE: &str = r#"<script>
addEventListener('load', () => {
  const rows = [...document.querySelectorAll('figure')].map(f => {
    const svg = f.querySelector('svg');
    const r = svg.getBoundingClientRect();
    const shapes = [...svg.querySelectorAll('rect,circle,polyline,line')]
      .filter(s => { const b = s.getBBox(); return b.width > 0 || b.height > 0; }).length;
    return [f.querySelector('figcaption').textContent, Math.round(r.width), Math.round(r.height), shapes].join('|');
  });
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = '\n' + rows.join('\n') + '\n';
  document.body.appendChild(pre);
});
</script></body>"#;

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var("SCOREBOOK_REQUIRE_BROWSER").is_err(),
            "SCOREBOOK_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("SKIPPED: no chromium on PATH (CI installs it)");
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

    let probe = t.path().join("probe.html");
    std::fs::write(&probe, html.replace("</body>", MEASURE)).unwrap();
    let dom = headless(
        &chromium,
        &["--dump-dom", &format!("file://{}", probe.display())],
    );
    let measured = dom
        .split("<pre id=\"measured\">")
        .nth(1)
        .and_then(|m| m.split("</pre>").next())
        .unwrap_or_else(|| panic!("the measuring script did not run:\n{dom}"));
    let charts: Vec<(String, f64, f64, usize)> = measured
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Vec<&str> = l.split('|').collect();
            (
                v[0].to_string(),
                v[1].parse().unwrap(),
                v[2].parse().unwrap(),
                v[3].parse().unwrap(),
            )
        })
        .collect();
    eprintln!("{charts:#?}");
    // every chart is laid out with a real size and draws its marks
    for (caption, min_shapes) in [
        ("Lift by decile", 4),
        ("Cumulative gains", 4),
        ("Reliability", 6),
        ("Held-out win rate by tier", 4),
        ("Standardized coefficients", 10),
        ("Permutation importance", 5),
    ] {
        let c = charts
            .iter()
            .find(|c| c.0.starts_with(caption))
            .unwrap_or_else(|| panic!("no chart {caption:?} in {charts:?}"));
        assert!(c.1 >= 200.0 && c.2 >= 60.0, "{caption}: rendered {c:?}");
        assert!(c.3 >= min_shapes, "{caption}: only {} shapes drawn", c.3);
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
