//! Loading a workspace: discover the spec files and parse them into YAML trees.

pub mod source;
pub mod yaml;
