#!/usr/bin/env bash
# Writing then reading 1 GiB through a stash (checksums, fsync and rename included) against
# `cat` moving the same bytes, several runs each, alternating; prints the median ratio.
# Then reading one track held in one segment against the same bytes in many small segments.
#
#   bash benches/scripts/stash_vs_cat.sh [RUNS] [MIB] [WORKDIR]
#
# Baselines, each run once per round:
#   cat             `cat SRC > DST`: one move, nothing flushed;
#   cat+fsync       `cat SRC > DST; sync DST`: the same, made durable as finish() makes a stash;
#   cat+fsync+read  `cat SRC > DST; sync DST; cat DST > /dev/null`: the stash's work without its
#                   checksums: write durably, then read back (the like-for-like baseline).
# The stash side runs `stash_roundtrip roundtrip SRC DIR range` (the kernel's copy, then the
# checksum pass) and `... reader` (read, checksum, write); both then read the track back with
# every segment checksum checked. Output files are removed between runs, outside the timing.
# The many-segments comparison reports wall and CPU time (CPU time is far less disturbed by
# other work on the machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
mib=${2:-1024}
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/stash-vs-cat.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

cargo build -q --release -p imapi-benches --example stash_roundtrip
bin=target/release/examples/stash_roundtrip

src="$work/src.bin"
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$src"
cat "$src" > /dev/null # warm the page cache

now() { date +%s.%N; }
# Deleting a 1 GiB file makes the file system free (and, mounted with `discard`, trim) its
# blocks in the next journal commit: flush that before each timed command, so that no run
# pays for the one before it.
settle() { sync -f "$work" 2>/dev/null || sync; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

cat_plain=() cat_sync=() cat_back=() ours_range=() ours_reader=()
for i in $(seq "$runs"); do
  settle; t0=$(now); cat "$src" > "$work/dst.bin"; t1=$(now)
  cat_plain+=("$(elapsed "$t0" "$t1")"); rm -f "$work/dst.bin"

  settle; t0=$(now); cat "$src" > "$work/dst.bin"; sync "$work/dst.bin"; t1=$(now)
  cat_sync+=("$(elapsed "$t0" "$t1")"); rm -f "$work/dst.bin"

  settle; t0=$(now); cat "$src" > "$work/dst.bin"; sync "$work/dst.bin"; cat "$work/dst.bin" > /dev/null; t1=$(now)
  cat_back+=("$(elapsed "$t0" "$t1")"); rm -f "$work/dst.bin"

  mkdir -p "$work/stash"
  settle; t0=$(now); "$bin" roundtrip "$src" "$work/stash" range > /dev/null; t1=$(now)
  ours_range+=("$(elapsed "$t0" "$t1")"); rm -f "$work/stash/"imapi.stash*

  settle; t0=$(now); "$bin" roundtrip "$src" "$work/stash" reader > /dev/null; t1=$(now)
  ours_reader+=("$(elapsed "$t0" "$t1")"); rm -f "$work/stash/"imapi.stash*
  echo "run $i: cat ${cat_plain[-1]} s, cat+fsync ${cat_sync[-1]} s, cat+fsync+read ${cat_back[-1]} s, stash(range) ${ours_range[-1]} s, stash(reader) ${ours_reader[-1]} s" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mc=$(median "${cat_plain[@]}"); ms=$(median "${cat_sync[@]}"); mb=$(median "${cat_back[@]}")
mr=$(median "${ours_range[@]}"); mo=$(median "${ours_reader[@]}")
printf 'writing then reading %d MiB, median of %d runs:\n' "$mib" "$runs"
printf '  cat                 %.3f s\n  cat+fsync           %.3f s\n  cat+fsync+read      %.3f s\n' "$mc" "$ms" "$mb"
for pair in "file range:$mr" "reader:$mo"; do
  name=${pair%%:*} t=${pair##*:}
  printf '  stash (%-10s)  %.3f s   ratio to cat+fsync+read %s, to cat+fsync %s, to cat %s\n' \
    "$name" "$t" "$(ratio "$t" "$mb")" "$(ratio "$t" "$ms")" "$(ratio "$t" "$mc")"
done
rm -f "$src"

echo "many small segments against one (page cache, checksums checked):"
"$bin" segments "$work" 128 16 "$((runs * 8))"
"$bin" segments "$work" 128 256 "$((runs * 8))"
