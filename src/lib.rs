//! scorebook: turns a B2B company's closed-won and closed-lost sales history
//! into an account-scoring model and scores the whole account universe.
//!
//! The pipeline, one module each: [`input`] reads and checks the CRM export
//! (the data contract), [`features`] builds point-in-time features,
//! [`model`] fits, explains and stores the model, [`scoring`] streams a
//! universe through it, [`report`] renders, and [`model_dir`] writes the
//! model directory. [`synth`] makes data with a planted truth so every step
//! can be checked. The layers point one way (input, features, model,
//! scoring, report); the binary's `cli` and `commands` (not part of the
//! library, which knows nothing of clap) only turn flags into calls of these.

pub mod books;
pub mod config;
pub mod contract;
pub mod conventions;
pub mod crm;
pub mod csv_out;
pub mod error;
pub mod expected;
pub mod features;
pub mod input;
pub mod model;
pub mod model_dir;
pub mod output;
pub mod report;
pub mod review;
pub mod scoring;
pub mod synth;

pub use error::{Error, Result};
