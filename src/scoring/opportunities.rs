//! `score --opportunities`: open deals scored a row each, with the deal
//! columns of a model trained with `features.deal`. Each deal's account
//! comes from the universe (`--universe`), or, for a flat export (one
//! account per deal), from the deal's own row. The features are the same
//! plan as training's, as of `--as-of`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use polars::prelude::{col, concat, lit, IntoLazy, NamedFrom, Series, UnionArgs};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::features::{self, plan};
use crate::input::tables::{self, ExtraKinds};
use crate::input::{read, Accounts, ColumnMap, Opportunities, Signals};
use crate::model::Model;

pub struct OpportunityOptions {
    /// The open deals: a file, a directory of them, or a glob.
    pub opportunities: PathBuf,
    /// Their accounts; None: each deal's row is its account (a flat export).
    pub universe: Option<PathBuf>,
    pub signals: Option<crate::input::SignalSource>,
    pub as_of: i32,
    pub out: PathBuf,
}

pub fn score_opportunities(model: &Model, o: &OpportunityOptions) -> Result<super::Summary> {
    let cfg = &model.config;
    crate::input::conventions::set(cfg.input.conventions()?);
    let spec = &model.spec;
    let (extra_text, deal_text) = (spec.extra.text_columns(), spec.deal.text_columns());
    let mut deals = Opportunities::default();
    let mut accounts = Accounts::default();
    // (file, column): the model columns the account files lack
    let mut lacking: Vec<(String, String)> = vec![];
    for f in read::expand_inputs(&o.opportunities)? {
        let names = read::column_names(&f)?;
        let file = f.display().to_string();
        let m = ColumnMap::new(
            "opportunities",
            file.clone(),
            &cfg.columns.opportunities,
            names.clone(),
        );
        let batch = read::read_all(&f)?;
        deals.append(Opportunities::from_batch(
            &batch,
            &m,
            cfg,
            ExtraKinds::Text(&deal_text),
        )?);
        if o.universe.is_none() {
            let am = ColumnMap::new("accounts", file, &cfg.columns.accounts, names);
            tables::account_sources(&am, tables::ACCOUNT_SCORED_TEXT, &cfg.features.extra)?;
            for c in super::drift::missing_columns(model, &am) {
                lacking.push((am.file.clone(), c));
            }
            accounts.append(Accounts::from_batch(
                &batch,
                &am,
                cfg,
                ExtraKinds::Text(&extra_text),
                1,
            )?);
        }
    }
    let wanted: FxHashSet<String> = deals.account_id.iter().flatten().cloned().collect();
    let mut missing = vec![false; deals.opportunity_id.len()];
    if let Some(u) = &o.universe {
        let found = universe_accounts(model, u, &wanted, &extra_text, &mut lacking)?;
        let index: FxHashMap<&str, usize> = found
            .account_id
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
            .collect();
        // a deal whose account is not in the universe: firmographics imputed
        let mut with_blank = found.clone();
        with_blank.append(Accounts::with_rows(1));
        let blank = found.len();
        let rows: Vec<usize> = deals
            .account_id
            .iter()
            .zip(missing.iter_mut())
            .map(|(id, miss)| {
                let r = id.as_deref().and_then(|id| index.get(id).copied());
                *miss = r.is_none();
                r.unwrap_or(blank)
            })
            .collect();
        accounts = features::take_accounts(&with_blank, &rows);
        accounts.account_id = deals.account_id.clone();
    }
    let timing = match &o.signals {
        None => plan::Timing::None,
        Some(p) => {
            // each batch keeps the signals of the deals' accounts only
            let ids = Series::new(
                "ids".into(),
                wanted.iter().cloned().collect::<Vec<String>>(),
            );
            let mut kept = vec![];
            for s in tables::signal_batches(p, &cfg.columns.signals, 262_144)? {
                let part = plan::signal_frame(&s?)?
                    .filter(col("account_id").is_in(lit(ids.clone()).implode(true), false));
                kept.push(part.collect()?.lazy());
            }
            let signals = match kept.len() {
                0 => plan::signal_frame(&Signals::default())?,
                _ => concat(kept, UnionArgs::default())?,
            };
            plan::Timing::named(signals, spec)?
        }
    };
    let mut frame = plan::account_frame(&accounts)?;
    plan::add_deal_columns(&mut frame, &deals.deal, &deals.deal_text)?;
    let won = plan::won_frame(&model.won_history)?;
    let features_as_of = |days: Vec<i32>, timing: plan::Timing| {
        let mut f = frame.clone();
        f.with_column(polars::prelude::Column::new(plan::AS_OF.into(), days))?;
        plan::features(f, timing, won.clone(), spec, "account_id")
    };
    // the wins expected of the open deals: each as of its created date, the
    // point in time the model's probabilities are calibrated for
    let created: Vec<i32> = deals
        .created_date
        .iter()
        .map(|c| c.map_or(o.as_of, |c| c.min(o.as_of)))
        .collect();
    let (at_creation, _) = features_as_of(created, timing.clone())?;
    let expected = expected_wins(model, &at_creation, &deals.label, o.as_of)?;
    let (table, status) = features_as_of(vec![o.as_of; frame.height()], timing)?;
    // the model columns the account files lack, on every account read
    let mut lacked: Vec<String> = lacking.iter().map(|(_, c)| c.clone()).collect();
    lacked.sort();
    lacked.dedup();
    let lacked = (!lacked.is_empty()).then(|| super::drift::status_note(&lacked));
    let status: Vec<String> = status
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let mut notes: Vec<&str> = vec![];
            if missing[i] {
                notes.push("account not in the universe (firmographics imputed)");
            } else if let Some(l) = &lacked {
                notes.push(l);
            }
            match deals.label[i] {
                Some(1) => notes.push("deal already closed (won)"),
                Some(_) => notes.push("deal already closed (lost)"),
                None => {}
            }
            if !s.is_empty() {
                notes.push(&s);
            }
            notes.join("; ")
        })
        .collect();
    let mut summary = super::Summary {
        files: 1,
        drift: super::drift::Drift::missing(lacking),
        ..Default::default()
    };
    let mut columns = super::score_accounts(model, accounts, table, status, &mut summary)?;
    let ids: Vec<Option<String>> = deals.opportunity_id.clone();
    columns.insert(1, Arc::new(StringArray::from(ids)) as ArrayRef);
    let mut fields: Vec<Field> = super::schema(model)
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.insert(1, Field::new("opportunity_id", DataType::Utf8, true));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    summary.expected = Some(expected);

    if let Some(parent) = o.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let tmp = crate::output::tmp_path(&o.out);
    let written = (|| -> Result<()> {
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = ArrowWriter::try_new(
            file,
            batch.schema(),
            Some(super::writer_properties(model, o.as_of)?),
        )?;
        w.write(&batch)
            .map_err(|e| crate::output::write_error(&o.out, e))?;
        w.close()
            .map_err(|e| crate::output::write_error(&o.out, e))?;
        Ok(())
    })();
    match written {
        Ok(()) => crate::output::persist(&tmp, &o.out)?,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    }
    Ok(summary)
}

/// The wins the open deals (closed ones left out) should bring per tier
/// and quadrant, from their features `table`.
fn expected_wins(
    model: &Model,
    table: &features::FeatureTable,
    label: &[Option<u8>],
    as_of: i32,
) -> Result<crate::expected::Expected> {
    let prediction = model.predict(table)?;
    let deals = crate::expected::deals(model, &prediction, false, |i| {
        label[i].is_none().then_some(None)
    });
    let closed = label.len() - deals.len();
    Ok(crate::expected::expected(
        &deals,
        &read::format_days(as_of),
        format!(
            "the open deals scored, each as of its created date ({closed} already closed left out)"
        ),
    ))
}

/// The universe rows of the accounts in `wanted`, noting in `missing` the
/// model columns each file lacks.
fn universe_accounts(
    model: &Model,
    universe: &std::path::Path,
    wanted: &FxHashSet<String>,
    text: &[String],
    missing: &mut Vec<(String, String)>,
) -> Result<Accounts> {
    let cfg = &model.config;
    let mut found = Accounts::default();
    for f in read::expand_inputs(universe)? {
        let m = ColumnMap::new(
            "universe",
            f.display().to_string(),
            &cfg.columns.accounts,
            read::column_names(&f)?,
        );
        let cols = tables::account_sources(&m, tables::ACCOUNT_SCORED_TEXT, &cfg.features.extra)?;
        for c in super::drift::missing_columns(model, &m) {
            missing.push((m.file.clone(), c));
        }
        let mut first_row = 1;
        for b in read::read_batches(&f, Some(&cols), 65_536)? {
            let b = b?;
            let acc = Accounts::from_batch(&b, &m, cfg, ExtraKinds::Text(text), first_row)?;
            first_row += b.num_rows();
            let keep: Vec<usize> = (0..acc.len())
                .filter(|&i| {
                    acc.account_id[i]
                        .as_ref()
                        .is_some_and(|a| wanted.contains(a))
                })
                .collect();
            if !keep.is_empty() {
                found.append(features::take_accounts(&acc, &keep));
            }
        }
    }
    Ok(found)
}
