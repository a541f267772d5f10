//! `bchunk -w` splits our BIN/CUE into WAV files whose audio is our input, frame-padded.

mod common;

use common::{fixture, run, tool};
use imapi_redbook::wav::WavReader;
use std::io::Read;

#[test]
fn bchunk_splits_into_the_input_wavs() {
    let Some(bchunk) = tool("bchunk") else { return };
    for gap in [150, 0] {
        let f = fixture(gap);
        std::fs::create_dir(f.dir.path().join("out")).unwrap();
        run(f.dir.path(), &bchunk, &["-w", "disc.bin", "disc.cue", "out/track"]);
        for (i, input) in f.pcm.iter().enumerate() {
            let path = f.dir.path().join(format!("out/track{:02}.wav", i + 1));
            let mut r = WavReader::new(std::fs::File::open(&path).unwrap()).unwrap();
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            assert_eq!(got.len() % 2352, 0, "{}", path.display());
            assert!(
                got.len() >= input.len(),
                "{}: {} < {}",
                path.display(),
                got.len(),
                input.len()
            );
            assert!(got[..input.len()] == input[..], "{}: audio differs", path.display());
            assert!(
                got[input.len()..].iter().all(|&b| b == 0),
                "{}: padding or gap not silent",
                path.display()
            );
            // Only the frame padding and at most one gap of silence follow the audio.
            assert!(got.len() - input.len() < 2352 + gap as usize * 2352);
        }
    }
}
