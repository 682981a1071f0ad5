//! throughline: validate and trace a workspace of data-product specs.
pub mod load;
