//! What `imapi burn` shows: on a terminal a progress bar fed by the master's progress
//! callbacks (the phase, blocks done of the total, the speed as × and MB/s, the time left), and
//! at the end one summary line (what was written, where, how many blocks, the average speed,
//! the verify result).
//!
//! Speeds are counted in blocks (sectors) a second: CD 1× is 75 sectors a second, whatever a
//! sector holds (2048 bytes of data, 153 600 B/s; 2352 bytes of audio, 176 400 B/s). MB are
//! 10⁶ bytes of what the sectors hold. Figures have one decimal below 10 and none from 10 on.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use imapi_master::ProgressEvents;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Sectors a second at CD 1×.
pub const SECTORS_PER_SEC_1X: f64 = 75.0;

/// A speed or a size: one decimal below 10, whole from 10 on, no thousands separator (`0.2`,
/// `8.5`, `52`, `20951`); 0 for what is not a finite positive number.
pub fn figure(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return "0".into();
    }
    // Rounded first, so that 9.96 reads 10, not 10.0.
    if (x * 10.0).round() < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// A speed of `sectors_per_sec` as a multiple of CD 1×: `8.0×`, `52×`.
pub fn times(sectors_per_sec: f64) -> String {
    format!("{}×", figure(sectors_per_sec / SECTORS_PER_SEC_1X))
}

/// A speed of `bytes_per_sec` in MB (10⁶ bytes) a second: `1.2 MB/s`, `15 MB/s`.
pub fn mb_per_sec(bytes_per_sec: f64) -> String {
    format!("{} MB/s", figure(bytes_per_sec / 1e6))
}

/// `bytes` in MB (10⁶ bytes): `0.7 MB`, `703 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{} MB", figure(bytes as f64 / 1e6))
}

/// A duration: `0.4 ms`, `35 ms`, `4.2 s`, `12 s`, `4 min 05 s`, `1 h 02 min`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 if d.as_micros() < 9_950 => format!("{:.1} ms", d.as_secs_f64() * 1e3),
        0 if d.as_millis() < 950 => format!("{} ms", (d.as_secs_f64() * 1e3).round()),
        0..=9 => format!("{:.1} s", d.as_secs_f64()),
        10..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// What a burn is in: the phases as the progress callbacks tell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing told yet: the recorder is opened, its disc read.
    Idle,
    /// Files or audio being captured (NotifyAddProgress).
    Staging,
    /// NotifyPreparingBurn.
    Preparing,
    /// NotifyBlockProgress (and for audio NotifyTrackProgress).
    Writing,
    /// NotifyClosingDisc.
    Closing,
    /// NotifyVerifyProgress: the read-back.
    Verifying,
}

impl Phase {
    /// The word the bar shows.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Idle => "starting",
            Phase::Staging => "staging",
            Phase::Preparing => "preparing",
            Phase::Writing => "writing",
            Phase::Closing => "closing",
            Phase::Verifying => "verifying",
        }
    }

    /// Whether the phase counts blocks (a bar) or not (a spinner).
    fn counts(self) -> bool {
        matches!(self, Phase::Staging | Phase::Writing | Phase::Verifying)
    }
}

/// The bar's style in `phase`, counting blocks of `block_len` bytes or spinning. The phase's
/// word is part of the template, so that a new phase shows in one draw; `{msg}` is what follows
/// it (an audio disc's track). `times`, `mbps`, `left` and `since` are keys of ours; the fields
/// have fixed widths, so that the bar keeps its length as the figures change.
fn style(phase: Phase, block_len: u64) -> ProgressStyle {
    let word = phase.word();
    if !phase.counts() {
        // The time in the phase, from when its style was made: no draw between the style and
        // a reset of the bar can show the last phase's.
        let since = Instant::now();
        return ProgressStyle::with_template(&format!("{word:>9} {{spinner}} {{since}}"))
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key("since", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&clock(since.elapsed()));
            });
    }
    let template = format!(
        "{word:>9}{{msg}} [{{wide_bar}}] {{pos:>6}}/{{len}} blocks {{times:>5}} {{mbps:>9}} \
         {{left:>10}}"
    );
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
        .with_key("times", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&times(s.per_sec()));
        })
        .with_key("mbps", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&mb_per_sec(s.per_sec() * block_len as f64));
        })
        .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&left(s));
        })
}

/// A duration as a clock: `0:07`, `4:05`, `1:02:03`.
pub fn clock(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 3600 {
        format!("{}:{:02}", secs / 60, secs % 60)
    } else {
        format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

/// The time left of a counting phase, once there is a speed to tell it from.
fn left(s: &ProgressState) -> String {
    if s.pos() == 0 || s.per_sec() <= 0.0 {
        return String::new();
    }
    format!("{} left", clock(s.eta()))
}

/// The bar on stderr, or a hidden one when stderr is not a terminal or with `--quiet`.
pub fn burn_bar(quiet: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    bar.set_style(style(Phase::Idle, 0));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The writes as NotifyBlockProgress told them.
#[derive(Debug, Default, Clone, Copy)]
struct Writes {
    /// When the first report came (0 blocks done: the writes start).
    first: Option<Instant>,
    /// When the last report came.
    last: Option<Instant>,
    /// Blocks done at the last report.
    blocks: u64,
    /// Tracks of an audio disc (NotifyTrackProgress's total).
    tracks: u32,
}

/// The progress sink of a burn: draws the bar, counts the writes for the summary, and turns
/// Ctrl-C into QueryCancel.
pub struct BurnSink {
    bar: ProgressBar,
    cancel: Arc<AtomicBool>,
    block_len: u64,
    phase: Mutex<Phase>,
    writes: Mutex<Writes>,
    /// What follows `writing` on an audio disc: ` track K/N`.
    track: Mutex<String>,
}

impl BurnSink {
    /// A sink drawing on `bar` (see [`burn_bar`]), for blocks of `block_len` bytes, cancelled
    /// once `cancel` is set.
    pub fn new(bar: ProgressBar, cancel: Arc<AtomicBool>, block_len: u64) -> BurnSink {
        BurnSink {
            bar,
            cancel,
            block_len,
            phase: Mutex::new(Phase::Idle),
            writes: Mutex::default(),
            track: Mutex::default(),
        }
    }

    /// Enters `phase` (of `total` blocks) when not in it already: the bar starts again from
    /// 0, with its speed and time, counting or spinning. The bar ticks on its own thread and
    /// may draw between any two steps, so the steps go in an order where each draw shows one
    /// phase whole: the phases alternate between counting and spinning, and a spinner shows
    /// no counts, so the counts change while a spinner is shown.
    fn enter(&self, phase: Phase, total: i32) {
        let mut now = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        if *now == phase {
            return;
        }
        *now = phase;
        let len = u64::try_from(total).unwrap_or(0).max(1);
        let counts = |s: &mut ProgressState| {
            s.set_pos(0);
            s.set_len(len);
        };
        if phase.counts() {
            // From a spinner, which shows no counts.
            self.bar.update(counts);
            self.bar.set_style(style(phase, self.block_len));
        } else {
            self.bar.set_style(style(phase, self.block_len));
            self.bar.update(counts);
        }
        let message = match phase {
            Phase::Writing => self.track.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            _ => String::new(),
        };
        self.bar.set_message(message);
        self.bar.reset();
    }

    /// Counts `completed` of `total` blocks in `phase`.
    fn count(&self, phase: Phase, completed: i32, total: i32) {
        self.enter(phase, total);
        self.bar.set_length(u64::try_from(total).unwrap_or(0).max(1));
        self.bar.set_position(u64::try_from(completed).unwrap_or(0));
    }

    /// The writes' blocks, how long they took and the tracks of an audio disc.
    fn writes(&self) -> Writes {
        *self.writes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The summary line of a burn that succeeded: `what` was written to `device`.
    pub fn summary(&self, what: &str, device: &str, result: Verify) -> String {
        let w = self.writes();
        let took = match (w.first, w.last) {
            (Some(a), Some(b)) => b.saturating_duration_since(a),
            _ => Duration::ZERO,
        };
        summary_line(&Summary {
            what,
            device,
            blocks: w.blocks,
            block_len: self.block_len,
            took,
            result,
        })
    }

    /// Tracks of the audio disc written (0 before NotifyTrackProgress).
    pub fn tracks(&self) -> u32 {
        self.writes().tracks
    }
}

impl ProgressEvents for BurnSink {
    fn query_cancel(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
    fn notify_add_progress(&self, completed: i32, total: i32) {
        self.count(Phase::Staging, completed, total);
    }
    fn notify_preparing_burn(&self, _seconds: i32) {
        self.enter(Phase::Preparing, 0);
    }
    fn notify_block_progress(&self, completed: i32, total: i32) {
        {
            let mut w = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            w.first.get_or_insert(now);
            w.last = Some(now);
            w.blocks = u64::try_from(completed).unwrap_or(0);
        }
        self.count(Phase::Writing, completed, total);
    }
    fn notify_track_progress(&self, completed: i32, total: i32) {
        self.writes.lock().unwrap_or_else(PoisonError::into_inner).tracks =
            u32::try_from(total).unwrap_or(0);
        let track = (completed + 1).min(total);
        let text = format!(" track {track}/{total}");
        *self.track.lock().unwrap_or_else(PoisonError::into_inner) = text.clone();
        // Track 1 is told before the writes start (and the bar with them, in one draw).
        if *self.phase.lock().unwrap_or_else(PoisonError::into_inner) == Phase::Writing {
            self.bar.set_message(text);
        }
    }
    fn notify_closing_disc(&self, _seconds: i32) {
        self.enter(Phase::Closing, 0);
    }
    fn notify_verify_progress(&self, completed: i32, total: i32) {
        self.count(Phase::Verifying, completed, total);
    }
}

/// How a burn that succeeded ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Read back and equal to what was written.
    Verified,
    /// Not read back (`--no-verify`).
    NotVerified,
    /// The drive's test write: nothing was written.
    Simulated,
}

/// What the summary line tells.
#[derive(Debug, Clone, Copy)]
pub struct Summary<'a> {
    /// What was written: `data session 2`, `audio disc of 3 tracks`, `image FILE`...
    pub what: &'a str,
    /// The recorder.
    pub device: &'a str,
    /// Blocks written.
    pub blocks: u64,
    /// Bytes a block holds.
    pub block_len: u64,
    /// How long the writes took.
    pub took: Duration,
    /// The verify result.
    pub result: Verify,
}

/// The summary line: `burned WHAT to DEVICE: N blocks (M MB) in T at S× (R MB/s), verified`;
/// a simulation reads `simulated WHAT on DEVICE: ..., nothing written`.
pub fn summary_line(s: &Summary<'_>) -> String {
    let secs = s.took.as_secs_f64();
    // No writes timed (none reported), no speed.
    let (rate, bytes_rate) = if secs > 0.0 {
        (s.blocks as f64 / secs, s.blocks as f64 * s.block_len as f64 / secs)
    } else {
        (0.0, 0.0)
    };
    let (verb, prep) = match s.result {
        Verify::Simulated => ("simulated", "on"),
        _ => ("burned", "to"),
    };
    let mut line = format!(
        "{verb} {} {prep} {}: {} blocks ({}) in {}",
        s.what,
        s.device,
        s.blocks,
        megabytes(s.blocks * s.block_len),
        duration(s.took)
    );
    if rate > 0.0 {
        let _ = write!(line, " at {} ({})", times(rate), mb_per_sec(bytes_rate));
    }
    line.push_str(match s.result {
        Verify::Verified => ", verified",
        Verify::NotVerified => ", not verified",
        Verify::Simulated => ", nothing written (test write)",
    });
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_have_one_decimal_below_ten_and_none_above() {
        assert_eq!(figure(0.0), "0");
        assert_eq!(figure(f64::NAN), "0");
        assert_eq!(figure(0.1536), "0.2");
        assert_eq!(figure(8.04), "8.0");
        assert_eq!(figure(9.96), "10");
        assert_eq!(figure(52.4), "52");
        assert_eq!(figure(20_950.788_9), "20951");
    }

    #[test]
    fn speeds_are_told_from_sectors_a_second() {
        // CD 1×: 75 sectors a second, 153 600 B/s of data, 176 400 B/s of audio.
        assert_eq!(times(75.0), "1.0×");
        assert_eq!(times(75.0 * 48.0), "48×");
        assert_eq!(times(1_571_309.2), "20951×");
        assert_eq!(mb_per_sec(153_600.0), "0.2 MB/s");
        assert_eq!(mb_per_sec(176_400.0 * 24.0), "4.2 MB/s");
        assert_eq!(mb_per_sec(20_950_788.9), "21 MB/s");
        assert_eq!(megabytes(337 * 2048), "0.7 MB");
        assert_eq!(megabytes(333_000 * 2048), "682 MB");
    }

    #[test]
    fn clocks_count_minutes_and_hours() {
        assert_eq!(clock(Duration::from_millis(7_900)), "0:07");
        assert_eq!(clock(Duration::from_secs(245)), "4:05");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(Duration::from_micros(412)), "0.4 ms");
        assert_eq!(duration(Duration::from_micros(9_960)), "10 ms");
        assert_eq!(duration(Duration::from_millis(35)), "35 ms");
        assert_eq!(duration(Duration::from_millis(960)), "1.0 s");
        assert_eq!(duration(Duration::from_millis(4_240)), "4.2 s");
        assert_eq!(duration(Duration::from_secs(12)), "12 s");
        assert_eq!(duration(Duration::from_secs(245)), "4 min 05 s");
        assert_eq!(duration(Duration::from_secs(3720)), "1 h 02 min");
    }

    #[test]
    fn the_summary_tells_what_where_how_many_how_fast_and_the_verify_result() {
        let s = Summary {
            what: "data session 2",
            device: "sim:/tmp/drive",
            blocks: 3000,
            block_len: 2048,
            took: Duration::from_secs(5),
            result: Verify::Verified,
        };
        assert_eq!(
            summary_line(&s),
            "burned data session 2 to sim:/tmp/drive: 3000 blocks (6.1 MB) in 5.0 s at 8.0× \
             (1.2 MB/s), verified"
        );
        let audio = Summary {
            what: "audio disc of 2 tracks",
            block_len: 2352,
            result: Verify::NotVerified,
            ..s
        };
        assert_eq!(
            summary_line(&audio),
            "burned audio disc of 2 tracks to sim:/tmp/drive: 3000 blocks (7.1 MB) in 5.0 s at \
             8.0× (1.4 MB/s), not verified"
        );
        let sim = Summary { result: Verify::Simulated, took: Duration::ZERO, ..s };
        assert_eq!(
            summary_line(&sim),
            "simulated data session 2 on sim:/tmp/drive: 3000 blocks (6.1 MB) in 0.0 ms, \
             nothing written (test write)"
        );
    }
}
