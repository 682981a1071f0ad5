//! Writing a file so that a reader, or a crash, sees the old file or the
//! new one, never half of one.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path`: to a temporary file beside it, flushed to
/// disk, then renamed over it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
