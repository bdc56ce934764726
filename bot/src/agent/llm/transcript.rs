//! The JSONL transcript of an LLM run: every message sent and received and every tool
//! call with its result, one JSON object per line, so a reviewer can replay what the
//! model saw and did. The API key is never part of it (it only travels in a header).

use serde_json::{json, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// An open transcript file.
pub struct Transcript {
    path: PathBuf,
    out: BufWriter<File>,
    started: Instant,
    lines: usize,
}

impl Transcript {
    /// Creates (or truncates) the transcript at `path`, creating its folder.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::new(File::create(path)?),
            started: Instant::now(),
            lines: 0,
        })
    }

    /// Appends one event; a failed write is logged, never fatal to the promotion.
    pub fn record(&mut self, event: &str, body: Value) {
        let line = json!({
            "ms": self.started.elapsed().as_millis() as u64,
            "event": event,
            "body": body,
        });
        let written = serde_json::to_writer(&mut self.out, &line)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .and_then(|_| self.out.flush());
        match written {
            Ok(()) => self.lines += 1,
            Err(e) => tracing::warn!(path = %self.path.display(), error = %e, "cannot write the transcript"),
        }
    }

    /// Where it is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events written so far.
    pub fn lines(&self) -> usize {
        self.lines
    }
}
