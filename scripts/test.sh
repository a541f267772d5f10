#!/usr/bin/env bash
# The whole test suite, from a fresh machine that has only the Rust toolchain:
# installs what the tests need and is missing, then runs formatting, lints, docs, every unit,
# property, interop and corpus-replay test, and a short fuzzing pass.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '\n== %s\n' "$*" >&2; }

# --- tools the interop tests run -------------------------------------------------------------
need_apt=()
want() { command -v "$1" >/dev/null 2>&1 || need_apt+=("$2"); }
want xorriso xorriso
want isoinfo genisoimage
want isovfy genisoimage
want genisoimage genisoimage
want 7zz 7zip
want bsdtar libarchive-tools
want iso-info libcdio-utils
want iso-read libcdio-utils
want cd-info libcdio-utils
want cdrdao cdrdao
want bchunk bchunk
want cueprint cuetools
want cueconvert cuetools
want toc2cue cdrdao
# the virtual burner test burns through the kernel with wodim (and xorriso, cdrdao above)
want wodim wodim
# the real-kernel drive test: QEMU, Debian's kernel with its modules, a static busybox; xz and
# zstd unpack compressed kernel modules
want qemu-system-x86_64 qemu-system-x86
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
want xz xz-utils
want zstd zstd
ls /boot/vmlinuz-* >/dev/null 2>&1 || need_apt+=(linux-image-amd64)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
fi
if ! python3 -c 'import pycdlib' >/dev/null 2>&1; then
  log "installing pycdlib"
  python3 -m pip install -q pycdlib
fi

# --- toolchains -----------------------------------------------------------------------------
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! rustup toolchain list | grep -q '^nightly'; then
  log "installing the nightly toolchain (cargo fuzz)"
  rustup toolchain install nightly --profile minimal
fi
# the declared MSRV (workspace rust-version) is built, not only declared
msrv=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
if ! rustup toolchain list | grep -q "^$msrv"; then
  log "installing the Rust $msrv toolchain (MSRV check)"
  rustup toolchain install "$msrv" --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

if ! rustup target list --installed | grep -q '^x86_64-pc-windows-gnu$'; then
  log "installing the x86_64-pc-windows-gnu target (SPTI check)"
  rustup target add x86_64-pc-windows-gnu
fi

export CARGO_TERM_COLOR=never
export PROPTEST_CASES=${PROPTEST_CASES:-64}
export IMAPI_BENCH_FILES=${IMAPI_BENCH_FILES:-2000}   # benches run once, small, as tests
export IMAPI_INTEROP_REQUIRED=1   # interop tests fail, not skip, when a reader is missing

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo check for Windows (SPTI transport)"
cargo check --target x86_64-pc-windows-gnu --workspace --quiet

# Cargo.lock is resolved with resolver "3", which picks dependency versions that still build
# on the declared rust-version.
log "cargo check on the MSRV (Rust $msrv)"
cargo "+$msrv" check --workspace --all-targets --quiet

log "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

# Every published crate packages, and each package builds on its own: cargo (>= 1.84) packages
# the workspace in dependency order and verifies each package against the ones before it
# through a local registry overlay, so path dependencies need not be on crates.io yet.
# Resolving dependencies needs the crates.io index. The crates with publish = false are left out.
log "cargo package (verified)"
# Cargo unpacks each verified package from its local overlay registry into
# $CARGO_HOME/registry/src/-<hash of that registry's path>/NAME-VERSION and reuses what it finds
# there: a run from the same folder would build against an earlier run's sources of the same
# version. Our crates' unpacked copies go first.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/imapi-*
cargo package --workspace --exclude imapi-benches --exclude imapi-drivecheck --allow-dirty --quiet

# ... and each package's tests build and its corpus replays from the package alone: the
# unpacked packages form a scratch workspace outside this one, each sibling dependency patched
# to its package, not to this checkout.
log "tests of the packaged crates"
target_dir=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
published=(imapi-codes imapi-joliet imapi-redbook imapi-stash imapi-mmc imapi-transport imapi-master imapi-cli)
packaged=$(mktemp -d)
{
  printf '[workspace]\nresolver = "3"\nmembers = [%s]\n\n[patch.crates-io]\n' \
    "$(printf '"%s", ' "${published[@]}")"
  for c in "${published[@]}"; do
    cp -R "$target_dir/package/$c-$version" "$packaged/$c"
    printf '%s = { path = "%s" }\n' "$c" "$c"
  done
} >"$packaged/Cargo.toml"
cp Cargo.lock "$packaged/"
(
  cd "$packaged"
  export CARGO_TARGET_DIR=$target_dir
  cargo test --workspace --all-targets --no-run --quiet
  cargo test --quiet -p imapi-joliet --test fuzz_corpus --test multi_extent
  cargo test --quiet -p imapi-redbook --test corpus_replay
  cargo test --quiet -p imapi-stash --test fuzz_corpus
  cargo test --quiet -p imapi-mmc --test corpus_replay
)
rm -rf "$packaged"

log "cargo test"
cargo test --workspace --all-targets
cargo test --workspace --doc

# The ignored multi-extent test: xorriso writes a 14.9 GB image of sparse files (zero but for
# marks) through a pipe; nothing of it reaches the disk, the sources take a few blocks. About a
# minute in a debug build.
log "multi-extent files through xorriso (the ignored test)"
cargo test -p imapi-joliet --test multi_extent --quiet -- --ignored

# Each target's seeds live in the crate that owns the parser (<crate>/tests/corpus/<target>),
# where its replay test reads them, in the workspace and in the published package alike. New
# inputs the fuzzer finds go to the first folder, a scratch one; the seeds are only read.
log "fuzz smoke run"
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
  corpus=(imapi-*/tests/corpus/"$target")
  [ -d "${corpus[0]}" ] || { echo "fuzz target $target has no imapi-*/tests/corpus/$target"; exit 1; }
  work=$(mktemp -d)
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$work" "${corpus[0]}" -- \
    -max_total_time="${FUZZ_SECONDS:-15}" -rss_limit_mb=2048 >"$work.log" 2>&1 || {
      tail -n 40 "$work.log"; echo "fuzz target $target failed"; exit 1; }
  rm -rf "$work" "$work.log"
done

echo "test.sh: all checks passed"
