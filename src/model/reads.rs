//! Which entities a computation read: code that looks at one entity's data
//! calls [`read`], and [`recording`] collects those calls on this thread.
//! `build` records what each page reads, to know when it must render the
//! page again (see `site::incremental`).

use std::cell::RefCell;

use super::EntityId;

thread_local! {
    /// The entities read on this thread since the current recording began.
    static READS: RefCell<Option<Vec<EntityId>>> = const { RefCell::new(None) };
}

/// Notes that the current computation reads entity `e`'s data (nothing
/// happens when nothing is being recorded).
pub fn read(e: EntityId) {
    READS.with(|r| {
        if let Some(reads) = r.borrow_mut().as_mut() {
            reads.push(e);
        }
    });
}

/// Runs `f`, returning what it returned and the entities it read, in the
/// order it read them (with repeats). A recording inside another keeps its
/// reads from the outer one.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<EntityId>) {
    let outer = READS.with(|r| r.replace(Some(Vec::new())));
    let out = f();
    let reads = READS.with(|r| r.replace(outer)).unwrap_or_default();
    (out, reads)
}
