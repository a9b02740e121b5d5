//! Damaged inputs never crash scorebook (issue 13): hundreds of mutated CSV
//! and parquet files, from a fixed seed, through `validate`, `train` and
//! `score`. Each run exits 0 or 1 (never 101, a panic, nor 2, an internal
//! error), and leaves no temporary file and, on failure, no output.

mod common;
use common::*;
use rand::{Rng, SeedableRng};
use std::path::Path;

/// One mutation of a file's bytes.
fn mutate(bytes: &[u8], rng: &mut rand_chacha::ChaCha8Rng, text: bool) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let at = |rng: &mut rand_chacha::ChaCha8Rng, len: usize| rng.gen_range(0..len.max(1));
    match rng.gen_range(0..if text { 9 } else { 4 }) {
        0 => {
            // flip a few bytes
            for _ in 0..rng.gen_range(1..4) {
                let i = at(rng, b.len());
                b[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        1 => {
            let i = at(rng, b.len());
            b.truncate(i);
        }
        2 => {
            let i = at(rng, b.len());
            let junk: Vec<u8> = (0..rng.gen_range(1..40)).map(|_| rng.gen()).collect();
            b.splice(i..i, junk);
        }
        3 => {
            // overwrite a run of bytes
            let i = at(rng, b.len());
            for k in i..(i + rng.gen_range(1..64)).min(b.len()) {
                b[k] = rng.gen();
            }
        }
        m => {
            // a CSV edit: a field or a line
            let s = String::from_utf8_lossy(&b).into_owned();
            let mut lines: Vec<String> = s.lines().map(String::from).collect();
            let l = 1 + at(rng, lines.len().saturating_sub(1));
            if l >= lines.len() {
                return b;
            }
            const VALUES: &[&str] = &[
                "1e400",
                "-1",
                "NaN",
                "inf",
                "-inf",
                "9999-99-99",
                "99999-01-01",
                "1800-01-01",
                "",
                "\"",
                "\"a,b\"",
                "0",
                "1e308",
                "-1e308",
                "null",
                "2205-01-01",
                "abc",
                ";;;",
            ];
            match m {
                4 => {
                    let mut f: Vec<String> = lines[l].split(',').map(String::from).collect();
                    let k = at(rng, f.len());
                    f[k] = VALUES[at(rng, VALUES.len())].to_string();
                    lines[l] = f.join(",");
                }
                5 => {
                    lines.remove(l);
                }
                6 => {
                    let d = lines[l].clone();
                    lines.insert(l, d);
                }
                7 => {
                    // a header name changed or repeated
                    let mut f: Vec<String> = lines[0].split(',').map(String::from).collect();
                    let (i, j) = (at(rng, f.len()), at(rng, f.len()));
                    f[i] = f[j].clone();
                    lines[0] = f.join(",");
                }
                _ => {
                    lines[l] = lines[l].split(',').take(2).collect::<Vec<_>>().join(",");
                }
            }
            return (lines.join("\n") + "\n").into_bytes();
        }
    }
    b
}

/// Files in `dir` whose name shows an unfinished write.
fn stray(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect()
}

fn check(r: &Run, what: &str) {
    assert!(
        r.code == 0 || r.code == 1,
        "{what}: exit {}\nstderr:\n{}",
        r.code,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
}

#[test]
fn mutated_inputs_never_crash() {
    let t = tempdir();
    let data = synth(t.path(), 300, 300, 51);
    let model = t.path().join("model");
    train_sample(&data, &model);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let work = t.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let copy_all = |work: &Path| {
        for f in [
            "accounts.csv",
            "opportunities.csv",
            "signals.parquet",
            "scorebook.toml",
        ] {
            std::fs::copy(data.join(f), work.join(f)).unwrap();
        }
    };
    let mut cases = 0;
    // CSV and parquet inputs of validate / train
    for case in 0..180 {
        copy_all(&work);
        let (file, text) = match case % 3 {
            0 => ("accounts.csv", true),
            1 => ("opportunities.csv", true),
            _ => ("signals.parquet", false),
        };
        let bytes = std::fs::read(data.join(file)).unwrap();
        std::fs::write(work.join(file), mutate(&bytes, &mut rng, text)).unwrap();
        let cfg = work.join("scorebook.toml");
        let what = format!("case {case}: {file}");
        if case % 6 < 3 {
            check(&run(&["validate", "--config", s(&cfg)]), &what);
        } else {
            let out = work.join("m");
            let r = run(&["train", "--config", s(&cfg), "--out", s(&out), "--force"]);
            check(&r, &what);
            if r.code != 0 {
                assert!(!out.join("model.json").exists() || std::fs::remove_dir_all(&out).is_ok());
            }
        }
        assert_eq!(stray(&work), Vec::<String>::new(), "{what}");
        cases += 1;
    }
    // universes (parquet and CSV) and signals for score
    let universe = std::fs::read(data.join("universe.parquet")).unwrap();
    let accounts = std::fs::read(data.join("accounts.csv")).unwrap();
    let signals = std::fs::read(data.join("signals.parquet")).unwrap();
    for case in 0..150 {
        let out = work.join("scores.parquet");
        let _ = std::fs::remove_file(&out);
        let (u, sig) = (
            work.join(if case % 3 == 1 { "u.csv" } else { "u.parquet" }),
            work.join("s.parquet"),
        );
        let _ = std::fs::remove_file(work.join("u.csv"));
        let _ = std::fs::remove_file(work.join("u.parquet"));
        match case % 3 {
            0 => {
                std::fs::write(&u, mutate(&universe, &mut rng, false)).unwrap();
                std::fs::write(&sig, &signals).unwrap();
            }
            1 => {
                std::fs::write(&u, mutate(&accounts, &mut rng, true)).unwrap();
                std::fs::write(&sig, &signals).unwrap();
            }
            _ => {
                std::fs::write(&u, &universe).unwrap();
                std::fs::write(&sig, mutate(&signals, &mut rng, false)).unwrap();
            }
        }
        let r = run(&[
            "score",
            "--model",
            s(&model),
            "--universe",
            s(&u),
            "--signals",
            s(&sig),
            "--as-of",
            "2025-07-01",
            "--out",
            s(&out),
        ]);
        let what = format!("score case {case}");
        check(&r, &what);
        if r.code != 0 {
            assert!(!out.exists(), "{what}: a failed run left {}", out.display());
        }
        assert_eq!(stray(&work), Vec::<String>::new(), "{what}");
        cases += 1;
    }
    eprintln!("{cases} mutated inputs, none crashed");
}
