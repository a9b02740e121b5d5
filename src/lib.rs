//! scorebook: turns a B2B company's closed-won and closed-lost sales history
//! into an account-scoring model and scores the whole account universe.
//!
//! The pipeline, one module each: [`input`] reads and checks the CRM export
//! (the data contract), [`features`] builds point-in-time features,
//! [`model`] fits, explains and stores the model, [`scoring`] streams a
//! universe through it, [`report`] measures and renders. [`synth`] makes
//! data with a planted truth so every step can be checked. The binary's
//! `commands` only turn flags into calls of these.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod features;
pub mod input;
pub mod model;
pub mod report;
pub mod scoring;
pub mod synth;

pub use error::{Error, Result};
