//! `throughline export dbt-exposures`.
