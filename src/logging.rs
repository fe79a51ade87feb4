//! Debug logging: this crate's `tracing` events, collected while a run lasts and printed by the
//! [`Console`](crate::runner::Console) as `::debug::` lines when the step runs with debug logging
//! (`RUNNER_DEBUG=1`).
//!
//! Going through the console means debug lines are neutralised and masked like every other line,
//! and appear in the order they happened among the others. Only this crate's events are kept,
//! with a filter fixed in code: `RUST_LOG` is deliberately not read, because the AWS SDK and the
//! HTTP stack log request bodies (which hold the JWT) at trace level.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Debug messages waiting to be printed by the console.
#[derive(Clone, Debug, Default)]
pub struct DebugLines(Arc<Mutex<Vec<String>>>);

impl DebugLines {
    /// Takes every message collected so far, oldest first.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, line: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
}

/// Collects this crate's debug events on the current thread until the guard is dropped (the run
/// uses a current-thread runtime, so every event of the run is on it). Without `debug`, nothing
/// is collected.
pub fn collect(debug: bool) -> (DebugLines, DefaultGuard) {
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::OFF
    };
    let lines = DebugLines::default();
    let subscriber = tracing_subscriber::registry()
        .with(Targets::new().with_target("oidc_assume", level))
        .with(Collector(lines.clone()));
    let guard = tracing::subscriber::set_default(subscriber);
    (lines, guard)
}

struct Collector(DebugLines);

impl<S: Subscriber> Layer<S> for Collector {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.push(message.0);
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            self.0.push_str(&format!("{value:?}"));
        } else {
            self.0.push_str(&format!("{}={value:?}", field.name()));
        }
    }
}
