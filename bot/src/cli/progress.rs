//! A progress bar on stderr for `hallmark check`, drawn only when stderr is a terminal
//! (indicatif hides itself otherwise, so CI logs stay clean).

use hallmark_checks::result::ProductReport;
use hallmark_checks::runner::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Shows which product is being built and checked.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar for `total` products.
    pub fn new(total: usize) -> Self {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(bar)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn product_started(&self, relation: &str, _index: usize, _total: usize) {
        self.0.set_message(format!("checking {relation}"));
    }

    fn product_finished(&self, _report: &ProductReport) {
        self.0.inc(1);
    }
}
