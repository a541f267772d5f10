#!/usr/bin/env bash
# Side-by-side timings of `imapi mkiso` against xorriso, genisoimage, hadris-iso and the floors
# `tar cf - DIR > FILE` and `cat`, all measured in one run, printed as ratios. The small tree is
# built with Rock Ridge off (peers: -J) and, when `imapi mkiso` has --rock-ridge, on (peers: -R -J).
#
#   bash benches/scripts/iso_vs_peers.sh            # 50 000 small files, 8 x 256 MiB, ls
#   RUNS=7 FILES=50000 BIG_MIB=256 bash benches/scripts/iso_vs_peers.sh
#
# Needs: xorriso, genisoimage, isoinfo, python3, /usr/bin/time, cargo. Timings are medians of
# RUNS runs with a warm page cache, tools interleaved run by run so drift hits them alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
RUNS=${RUNS:-5}
FILES=${FILES:-50000}
BIG_COUNT=${BIG_COUNT:-8}
BIG_MIB=${BIG_MIB:-256}
work=${WORK:-$(mktemp -d /tmp/imapi-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p imapi-cli
imapi=${CARGO_TARGET_DIR:-$root/target}/release/imapi
CARGO_TARGET_DIR=${PEER_TARGET:-$root/target/peers} cargo build --release -q \
  --manifest-path benches/peers/hadris-mkiso/Cargo.toml
hadris=${PEER_TARGET:-$root/target/peers}/release/hadris-mkiso

echo "making the trees in $work" >&2
python3 benches/scripts/make_tree.py files "$FILES" "$work/small"
mkdir -p "$work/tiny" && echo x > "$work/tiny/x"
if [ "$BIG_MIB" -gt 0 ]; then python3 benches/scripts/make_tree.py big "$BIG_COUNT" "$BIG_MIB" "$work/big"; fi

declare -A times mem
# run NAME CMD...: one timed run, appended to NAME's samples.
run() {
  local name=$1; shift
  local out
  sync  # the previous run's dirty pages are written back before this run starts
  /usr/bin/time -o "$work/time.out" -f "%e %M" "$@" >/dev/null 2>&1
  out=$(tail -n 1 "$work/time.out")
  times[$name]+="${out%% *} "
  mem[$name]+="${out##* } "
}
# The median of the samples, never below 0.001 s (the timer's resolution is 0.01 s).
median() {
  tr ' ' '\n' | grep -v '^$' | sort -g \
    | awk '{a[NR]=$1} END {m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; print (m < 0.001 ? 0.001 : m)}'
}
max() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -n 1; }

# Rock Ridge on: the same tree with POSIX attributes, against the peers' -R -J.
rr=0
if "$imapi" mkiso --help 2>/dev/null | grep -q -- '--rock-ridge'; then rr=1; fi
small=(tar xorriso genisoimage hadris imapi)
[ "$rr" = 1 ] && small+=(xorriso_rr genisoimage_rr imapi_rr)
for r in $(seq 0 "$RUNS"); do
  run tar sh -c "tar cf - -C '$work' small > '$work/out.tar'"
  run xorriso xorriso -as mkisofs -quiet -J --norock -o "$work/xorriso.iso" "$work/small"
  run genisoimage genisoimage -quiet -J -o "$work/geniso.iso" "$work/small"
  run hadris "$hadris" "$work/hadris.iso" "$work/small"
  run imapi "$imapi" mkiso -q -o "$work/imapi.iso" "$work/small"
  run imapi_tiny "$imapi" mkiso -q -o "$work/tiny.iso" "$work/tiny"
  if [ "$rr" = 1 ]; then
    run xorriso_rr xorriso -as mkisofs -quiet -R -J -o "$work/xorriso.iso" "$work/small"
    run genisoimage_rr genisoimage -quiet -R -J -o "$work/geniso.iso" "$work/small"
    run imapi_rr "$imapi" mkiso -q --rock-ridge -o "$work/imapi-rr.iso" "$work/small"
    run imapi_rr_tiny "$imapi" mkiso -q --rock-ridge -o "$work/tiny.iso" "$work/tiny"
  fi
  if [ "$r" = 0 ]; then for k in "${!times[@]}"; do times[$k]=""; mem[$k]=""; done; fi  # warm-up
done

tar_t=$(echo "${times[tar]}" | median)
printf '\n%s files of 1-4 KiB (%s runs, median)\n' "$FILES" "$RUNS"
printf '%-12s %9s %9s %11s %14s\n' tool seconds "x tar" "peak RSS" "bytes/file"
base=$(echo "${mem[imapi_tiny]}" | max)
for t in "${small[@]}"; do
  s=$(echo "${times[$t]}" | median)
  m=$(echo "${mem[$t]}" | max)
  per=$(( (m - base) * 1024 / FILES ))
  printf '%-15s %9.3f %9.2f %9s KB %14s\n' "$t" "$s" "$(echo "$s / $tar_t" | bc -l)" "$m" "$per"
done
# summary NAME TINY PEERS...: imapi's ratios to tar and to the fastest of PEERS, and its memory
# per file above its own one-file run.
summary() {
  local name=$1 tiny=$2 best_peer="" best_s="" p s t; shift 2
  for p in "$@"; do
    s=$(echo "${times[$p]}" | median)
    if [ -z "$best_peer" ] || [ "$(echo "$s < $best_s" | bc -l)" = 1 ]; then best_peer=$p; best_s=$s; fi
  done
  t=$(echo "${times[$name]}" | median)
  printf '%s / tar = %.2f (goal <= 1.00); %s / fastest peer (%s) = %.2f (goal <= 0.65); ' \
    "$name" "$(echo "$t / $tar_t" | bc -l)" "$name" "$best_peer" "$(echo "$t / $best_s" | bc -l)"
  printf '%s bytes per file above the one-file run (goal <= 150)\n' \
    "$(( ($(echo "${mem[$name]}" | max) - $(echo "${mem[$tiny]}" | max)) * 1024 / FILES ))"
}
summary imapi imapi_tiny xorriso genisoimage hadris
[ "$rr" = 1 ] && summary imapi_rr imapi_rr_tiny xorriso_rr genisoimage_rr

if [ "$BIG_MIB" -gt 0 ]; then
  rm -f "$work/xorriso.iso" "$work/geniso.iso" "$work/hadris.iso" "$work/out.tar"  # imapi.iso stays for ls
  times=(); mem=()
  for r in $(seq 0 "$RUNS"); do
    run cat sh -c "cat '$work'/big/* > '$work/out.cat'"
    rm -f "$work/out.cat"
    run imapi_big "$imapi" mkiso -q -o "$work/big.iso" "$work/big"
    rm -f "$work/big.iso"
    if [ "$r" = 0 ]; then times=(); mem=(); fi
  done
  c=$(echo "${times[cat]}" | median); i=$(echo "${times[imapi_big]}" | median)
  printf '\n%s files of %s MiB: cat %.3f s, imapi %.3f s, imapi / cat = %.2f (goal <= 1.10)\n' \
    "$BIG_COUNT" "$BIG_MIB" "$c" "$i" "$(echo "$i / $c" | bc -l)"
fi

if "$imapi" ls --help >/dev/null 2>&1; then
  times=(); mem=()
  for r in $(seq 0 "$RUNS"); do
    run isoinfo isoinfo -J -l -i "$work/imapi.iso"
    run imapi_ls "$imapi" ls "$work/imapi.iso"
    if [ "$r" = 0 ]; then times=(); mem=(); fi
  done
  a=$(echo "${times[isoinfo]}" | median); b=$(echo "${times[imapi_ls]}" | median)
  printf '\nlisting the %s-file image: isoinfo -J -l %.3f s, imapi ls %.3f s, ratio %.2f (goal <= 1.00)\n' \
    "$FILES" "$a" "$b" "$(echo "$b / $a" | bc -l)"
fi
