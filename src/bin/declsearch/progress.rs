//! The progress bar of `declsearch index`: on stderr, only on a terminal, and only once a
//! run has lasted a second (short runs stay quiet).

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use declsearch::Observer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const QUIET_FOR: Duration = Duration::from_secs(1);

pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: Mutex<bool>,
}

impl Bar {
    pub fn new() -> Bar {
        Bar {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            started: Instant::now(),
            shown: Mutex::new(false),
        }
    }

    fn show_if_slow(&self) {
        let mut shown = self.shown.lock().expect("progress lock");
        if !*shown && self.started.elapsed() >= QUIET_FOR {
            *shown = true;
            // `stderr()` draws nothing when stderr is not a terminal.
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn restart(&self, length: u64, template: &str) {
        self.bar.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        self.bar.set_length(length);
        self.bar.set_position(0);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Bar {
    fn waiting_for_lock(&self, dir: &Path) {
        eprintln!(
            "declsearch: another `declsearch index` is writing {}; waiting for it to finish",
            dir.display()
        );
    }

    fn reading(&self, _files: u64, bytes: u64) {
        self.restart(
            bytes,
            "indexing [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}, eta {eta}",
        );
    }

    fn read(&self, bytes: u64) {
        self.bar.inc(bytes);
        self.show_if_slow();
    }

    fn committing(&self) {
        self.bar.set_style(
            ProgressStyle::with_template("writing the index {spinner} {elapsed}")
                .expect("valid template"),
        );
        self.bar.enable_steady_tick(Duration::from_millis(200));
    }

    fn embedding(&self, passages: u64) {
        self.bar.disable_steady_tick();
        self.restart(
            passages,
            "embedding [{bar:40}] {pos}/{len} passages, {per_sec}, eta {eta}",
        );
        self.show_if_slow();
    }

    fn embedded(&self, passages: u64) {
        self.bar.set_position(passages);
        self.show_if_slow();
    }

    fn cancelled(&self) -> bool {
        crate::interrupt::requested()
    }
}
