#!/usr/bin/env bash
# A data burn of MIB MiB to a simulated recorder against `cat` of the same stash into the same
# folder, several runs each, alternating; then the same burn throttled to the recorder's real
# 52× against the ideal time (blocks / 3900 s). Prints medians and ratios.
#
#   bash benches/scripts/burn_vs_cat.sh [RUNS] [MIB] [WORKDIR]
#
# The burn side is `burn_stash SRC WORK RUNS` (benches/examples/burn_stash.rs): it stages SRC
# once per run outside the timing and times RecordDisc alone (mode page, the producer thread,
# WRITE(10)s, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION). The baseline is `cat` of that run's
# sealed stash (kept as WORK/stash.snapshot) into the folder the simulated disc lives in.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
mib=${2:-650}
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/burn-vs-cat.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

cargo build -q --release -p imapi-benches --example burn_stash
bin=target/release/examples/burn_stash

mkdir -p "$work/src"
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work/src/data.bin"
cat "$work/src/data.bin" > /dev/null # warm the page cache

now() { date +%s.%N; }
settle() { sync -f "$work" 2>/dev/null || sync; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

burns=() cats=()
for _ in $(seq "$runs"); do
  settle
  line=$("$bin" "$work/src" "$work" 1)
  burns+=("${line% *}")
  blocks=${line#* }
  settle
  t0=$(now); cat "$work/stash.snapshot" > "$work/drive/copy"; t1=$(now)
  cats+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
  rm -f "$work/drive/copy"
done
b=$(printf '%s\n' "${burns[@]}" | median)
c=$(printf '%s\n' "${cats[@]}" | median)
echo "unthrottled: burn ${b}s, cat ${c}s, burn/cat $(ratio "$b" "$c") (goal <= 1.3); $blocks blocks"

t=$("$bin" "$work/src" "$work" 1 throttle)
secs=${t% *}
ideal=$(awk -v n="$blocks" 'BEGIN { printf "%.4f", n / 3900 }')
echo "throttled to 52x: burn ${secs}s, ideal ${ideal}s, burn/ideal $(ratio "$secs" "$ideal") (goal <= 1.05)"
