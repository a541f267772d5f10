#!/usr/bin/env bash
# 74 minutes of CD audio as WAV files, converted to BIN/CUE by `imapi audio`, timed against
# `cat` of the same WAV files into one file, both in one run; prints the ratio.
#
#   bash benches/scripts/audio_vs_cat.sh              # 20 tracks x 222 s = 74 min (~783 MB)
#   RUNS=5 TRACKS=20 SECONDS_PER_TRACK=222 bash benches/scripts/audio_vs_cat.sh
#
# Needs: python3, /usr/bin/time, cargo. Warm page cache; the two are interleaved run by run
# and the medians compared. Every output goes to the same folder and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
RUNS=${RUNS:-5}
TRACKS=${TRACKS:-20}
SECONDS_PER_TRACK=${SECONDS_PER_TRACK:-222}
work=${WORK:-$(mktemp -d /tmp/imapi-audio-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p imapi-cli
imapi=$root/target/release/imapi

echo "making $TRACKS WAV files of $SECONDS_PER_TRACK s in $work" >&2
python3 - "$work" "$TRACKS" "$SECONDS_PER_TRACK" <<'PY'
import os, struct, sys
work, tracks, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(1 << 20)
for t in range(tracks):
    n = seconds * 44100 * 4 + 4 * t  # not frame-aligned: the last frame gets padded
    with open(os.path.join(work, f"t{t:02}.wav"), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", n + 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, 44100, 176400, 4, 16))
        f.write(b"data" + struct.pack("<I", n))
        left = n
        while left:
            k = min(left, len(block))
            f.write(block[:k])
            left -= k
PY

wavs=("$work"/t*.wav)
cat_times=()
catsync_times=()
imapi_times=()
time_it() { # time_it CMD...: wall seconds of one run
  /usr/bin/time -o "$work/time.out" -f "%e" "$@" >/dev/null 2>&1
  tail -n 1 "$work/time.out"
}
cat "${wavs[@]}" > /dev/null  # warm the cache once
for _ in $(seq "$RUNS"); do
  rm -f "$work/cat.out" "$work/out.bin" "$work/out.cue"
  cat_times+=("$(time_it sh -c 'cat "$@" > "$0"' "$work/cat.out" "${wavs[@]}")")
  rm -f "$work/cat.out"
  # imapi's output is atomic and durable (fsync before rename): the fair floor syncs too.
  catsync_times+=("$(time_it sh -c 'cat "$@" > "$0" && sync "$0"' "$work/cat.out" "${wavs[@]}")")
  rm -f "$work/cat.out"
  imapi_times+=("$(time_it "$imapi" audio --quiet -o "$work/out.bin" --cue "$work/out.cue" "${wavs[@]}")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "${cat_times[@]}")
cs=$(median "${catsync_times[@]}")
i=$(median "${imapi_times[@]}")
bytes=$(stat -c %s "$work/out.bin")
echo "audio: $TRACKS tracks, $((TRACKS * SECONDS_PER_TRACK / 60)) min, BIN $bytes bytes"
echo "cat:         ${cat_times[*]} s (median $c)"
echo "cat + sync:  ${catsync_times[*]} s (median $cs)"
echo "imapi audio: ${imapi_times[*]} s (median $i)"
awk -v i="$i" -v c="$c" 'BEGIN { printf "ratio imapi/cat: %.3f\n", (c > 0 ? i / c : 0) }'
awk -v i="$i" -v c="$cs" 'BEGIN { printf "ratio imapi/(cat + sync): %.3f\n", (c > 0 ? i / c : 0) }'
