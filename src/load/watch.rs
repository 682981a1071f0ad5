//! What a file watcher's event means for a workspace: the long-running
//! front ends (`serve`, `mcp`) read a workspace again when it changes.

/// Whether an event can change what a file holds or where it is (reading
/// the specs shows up as access events, which do not).
pub fn changes_content(kind: &notify::EventKind) -> bool {
    use notify::EventKind::{Any, Create, Modify, Other, Remove};
    use notify::event::ModifyKind;
    match kind {
        Create(_) | Remove(_) | Any | Other => true,
        Modify(m) => !matches!(m, ModifyKind::Metadata(_)),
        _ => false,
    }
}
