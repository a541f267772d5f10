#!/usr/bin/env bash
# `imapi burn --image` of a MIB MiB image to an unthrottled simulated recorder against `cat` of
# the same image into the folder the simulated disc lives in, several runs each, alternating.
# Prints the medians and their ratio (goal <= 1.3), then one burn with its read-back
# verification for reference.
#
#   bash benches/scripts/image_vs_cat.sh [RUNS] [MIB] [WORKDIR]
#
# The image is made once by `imapi mkiso` from one file of random bytes (outside the timing).
# Each burn gets a fresh blank disc (`imapi sim insert`, outside the timing) and is timed as a
# whole command: process start, the recorder opened and its disc read, the producer thread
# reading the file, WRITE(10)s, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION (with --no-verify: the
# baseline copies the bytes once, and so does the burn).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
mib=${2:-650}
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/image-vs-cat.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

cargo build -q --release -p imapi-cli
bin=${CARGO_TARGET_DIR:-target}/release/imapi
export XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data"

mkdir -p "$work/src"
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work/src/data.bin"
"$bin" mkiso -o "$work/image.iso" --date 2024-01-02T03:04:05Z "$work/src"
rm -rf "$work/src"
cat "$work/image.iso" > /dev/null # warm the page cache
"$bin" sim create "$work/drive" --media cd-r80 > /dev/null
"$bin" sim fault "$work/drive" --throttle off > /dev/null

now() { date +%s.%N; }
settle() { sync -f "$work" 2>/dev/null || sync; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

burns=() cats=()
for _ in $(seq "$runs"); do
  "$bin" sim insert "$work/drive" --media cd-r80 > /dev/null
  settle
  t0=$(now); "$bin" burn -r "sim:$work/drive" --quiet --no-verify --image "$work/image.iso"; t1=$(now)
  burns+=("$(elapsed "$t0" "$t1")")
  settle
  t0=$(now); cat "$work/image.iso" > "$work/drive/copy"; t1=$(now)
  cats+=("$(elapsed "$t0" "$t1")")
  rm -f "$work/drive/copy"
done
blocks=$(( $(stat -c %s "$work/image.iso") / 2048 ))
b=$(printf '%s\n' "${burns[@]}" | median)
c=$(printf '%s\n' "${cats[@]}" | median)
echo "burn --image: ${b}s, cat: ${c}s, burn/cat $(ratio "$b" "$c") (goal <= 1.3); $blocks blocks, $runs runs"
echo "  burns: ${burns[*]}"
echo "  cats:  ${cats[*]}"

"$bin" sim insert "$work/drive" --media cd-r80 > /dev/null
settle
t0=$(now); "$bin" burn -r "sim:$work/drive" --quiet --image "$work/image.iso"; t1=$(now)
echo "with the read-back verification: $(elapsed "$t0" "$t1")s"
