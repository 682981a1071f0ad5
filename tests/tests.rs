//! Integration tests: one binary, a module per area.

mod authoring;
mod cli;
mod common;
mod fixtures;
mod fuzz_replay;
pub mod gate;
mod hostile;
mod invariant;
mod messages;
mod positions;
mod report;
mod serve;
mod site;
mod trust;
