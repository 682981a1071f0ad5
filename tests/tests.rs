//! Integration tests: one binary, a module per area.

mod authoring;
mod catalog;
mod cli;
mod common;
pub mod dbt;
pub mod diff;
mod dist;
mod fixtures;
mod fuzz_replay;
pub mod gate;
mod hostile;
mod incremental;
mod invariant;
mod lsp;
mod messages;
mod outcomes;
mod positions;
mod report;
mod review;
mod serve;
pub mod site;
pub mod standards;
pub mod trust;
