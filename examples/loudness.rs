//! Measures masters' EBU R128 loudness with `cyclecast::audio::loudness` (for timing it
//! against ffmpeg's `ebur128` filter, and for its peak memory under `/usr/bin/time -v`).
//!
//! `cargo run --release --example loudness -- FILE…` prints, per file, one line:
//! `FILE I=… LRA=… sample_peak=… true_peak=… seconds=… wall_s=… x_realtime=…`, then its warnings.

use std::path::Path;
use std::time::Instant;

fn main() {
    let mut failed = false;
    for arg in std::env::args_os().skip(1) {
        let path = Path::new(&arg);
        // An M4A's priming and padding are stated in its boxes, which probing reads (before
        // the clock starts: the measurement is what is timed).
        let trim = match cyclecast::audio::probe::probe_file(path) {
            Ok(audio) => audio.trim(),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed = true;
                continue;
            }
        };
        let start = Instant::now();
        match cyclecast::audio::loudness::measure(path, trim) {
            Ok(m) => {
                let wall = start.elapsed().as_secs_f64();
                let seconds = m.frames as f64 / f64::from(m.sample_rate.max(1));
                let show = |v: Option<f64>| v.map_or("none".to_string(), |v| format!("{v:.2}"));
                println!(
                    "{} I={} LRA={:.2} sample_peak={} true_peak={} seconds={seconds:.3} wall_s={wall:.3} x_realtime={:.0}",
                    path.display(),
                    show(m.loudness.integrated_lufs),
                    m.loudness.range_lu,
                    show(m.loudness.sample_peak_dbfs),
                    show(m.loudness.true_peak_dbtp),
                    seconds / wall,
                );
                if let Some(mono) = &m.mono {
                    println!("  mono downmix: I={}", show(mono.integrated_lufs));
                }
                if let Some(b) = &m.balance {
                    println!(
                        "  balance: side={} quieter_channel={}",
                        show(b.side_db),
                        show(b.quieter_channel_db)
                    );
                }
                for warning in &m.warnings {
                    println!("  warning: {warning}");
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{}: {e}", path.display());
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
