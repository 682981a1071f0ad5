//! Progress on standard error for work that takes a while (`build`,
//! `export`): shown only when standard error is a terminal, not in CI, and
//! only once the work has taken over a second, so quick runs and logs stay
//! clean.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its progress is shown.
fn delay() -> Duration {
    // Tests shorten it; users have no reason to.
    std::env::var("THROUGHLINE_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

/// Whether progress may be drawn at all.
fn wanted() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("THROUGHLINE_NO_PROGRESS").is_none()
}

/// A progress bar (or a spinner) that appears after [`delay`].
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    inner: Arc<Inner>,
}

struct Inner {
    enabled: bool,
    shown: AtomicBool,
    done: AtomicBool,
    start: Instant,
    delay: Duration,
}

impl Progress {
    /// Progress that is never shown (for library callers and `serve`).
    pub fn hidden() -> Progress {
        Progress::make(ProgressBar::hidden(), false)
    }

    /// A bar over `len` steps, labelled `what` (`pages`).
    pub fn bar(len: u64, what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{spinner}} {{bar:30}} {{pos}}/{{len}} {what} ({{eta}} left)"
        )) {
            bar.set_style(style);
        }
        Progress::make(bar, wanted())
    }

    /// A spinner for one long step, labelled `what` (`writing the workbook`).
    pub fn spinner(what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_string());
        let p = Progress::make(bar, wanted());
        if p.inner.enabled {
            let waiting = p.clone();
            std::thread::spawn(move || {
                std::thread::sleep(waiting.inner.delay);
                if !waiting.inner.done.load(Ordering::Acquire) {
                    waiting.show();
                    waiting.bar.enable_steady_tick(Duration::from_millis(100));
                }
            });
        }
        p
    }

    fn make(bar: ProgressBar, enabled: bool) -> Progress {
        Progress {
            bar,
            inner: Arc::new(Inner {
                enabled,
                shown: AtomicBool::new(false),
                done: AtomicBool::new(false),
                start: Instant::now(),
                delay: delay(),
            }),
        }
    }

    fn show(&self) {
        if !self.inner.shown.swap(true, Ordering::AcqRel) {
            self.bar
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        }
    }

    /// One step done.
    pub fn inc(&self) {
        self.bar.inc(1);
        if self.inner.enabled
            && !self.inner.shown.load(Ordering::Relaxed)
            && self.inner.start.elapsed() >= self.inner.delay
        {
            self.show();
        }
    }

    /// The work is done: the bar goes away.
    pub fn finish(&self) {
        self.inner.done.store(true, Ordering::Release);
        self.bar.finish_and_clear();
    }
}
