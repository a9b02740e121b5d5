mod common;
use common::*;
use scorebook::model::metrics::auc;
use std::path::Path;

fn truth_rows(data: &Path) -> Vec<(String, String, u8, f64)> {
    let truth = std::fs::read_to_string(data.join("truth.csv")).unwrap();
    let mut rows: Vec<(String, String, u8, f64)> = truth.lines().skip(1).map(|l| {
        let v: Vec<&str> = l.split(',').collect();
        (v[1].to_string(), v[0].to_string(), v[2].parse().unwrap(), v[3].parse().unwrap())
    }).collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows
}

#[test]
fn exp() {
    let data = std::path::PathBuf::from(std::env::var("EXP_DATA").unwrap());
    let out = std::path::PathBuf::from(std::env::var("EXP_OUT").unwrap());
    let rows = truth_rows(&data);
    let test = &rows[rows.len() - (rows.len() as f64 * 0.2).round() as usize..];
    let y: Vec<u8> = test.iter().map(|r| r.2).collect();
    let oracle = auc(&test.iter().map(|r| r.3).collect::<Vec<_>>(), &y);
    let cfg = scorebook::config::Config::load(&std::path::PathBuf::from(std::env::var("EXP_CFG").unwrap())).unwrap();
    let (ds, _) = scorebook::input::load(&cfg).unwrap();
    let model = scorebook::model::Model::load(&out).unwrap();
    let tt = scorebook::features::training_table(&ds, &model.spec).unwrap();
    let scored = model.score_table(&tt.features).unwrap();
    let by_id: std::collections::HashMap<&str, (f64, f64)> = tt.opportunity_id.iter().map(String::as_str)
        .zip(scored.probability.iter().copied().zip(scored.model_probability.iter().copied())).collect();
    let p: Vec<f64> = test.iter().map(|r| by_id[r.1.as_str()].0).collect();
    let pm: Vec<f64> = test.iter().map(|r| by_id[r.1.as_str()].1).collect();
    let mae = |p: &[f64]| test.iter().zip(p).map(|(r, p)| (r.3 - p).abs()).sum::<f64>() / test.len() as f64;
    let mt = test.iter().map(|r| r.3).sum::<f64>() / test.len() as f64;
    let mp = p.iter().sum::<f64>() / p.len() as f64;
    // by decile of the truth: mean truth and mean p
    let mut idx: Vec<usize> = (0..test.len()).collect();
    idx.sort_by(|a, b| test[*a].3.total_cmp(&test[*b].3));
    let dec: Vec<String> = idx.chunks(idx.len() / 10).map(|c| format!("{:.3}/{:.3}", c.iter().map(|&i| test[i].3).sum::<f64>() / c.len() as f64, c.iter().map(|&i| p[i]).sum::<f64>() / c.len() as f64)).collect();
    println!("DECILES mean truth {mt:.4} mean p {mp:.4} {}", dec.join(" "));
    println!("RESULT auc {:.4} oracle {:.4} mae {:.4} model-mae {:.4} terms {}", auc(&p, &y), oracle, mae(&p), mae(&pm), model.terms.len());
    let _ = s(&data);
}
