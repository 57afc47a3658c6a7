#!/usr/bin/env bash
# Runs each cargo-fuzz target of fuzz/ for a bounded time (FUZZ_SECONDS, default 30) on the
# stable toolchain (RUSTC_BOOTSTRAP=1 unlocks the nightly flags cargo-fuzz passes).
# Quiet on success; on a crash prints libFuzzer's report and the reproducer's path, exits 1.
# Usage: scripts/fuzz.sh [target…]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-30}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(protocol_decode dialogue_validate)

if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: cargo-fuzz missing (run scripts/setup.sh or 'cargo install cargo-fuzz')" >&2
  exit 1
fi

log_dir="target/fuzz-logs"
mkdir -p "$log_dir"
# Optimized with debug assertions and overflow checks; no AddressSanitizer (the targets are
# safe Rust: ASan would find nothing the panics do not) and 16 codegen units: the build takes
# about 110 s on 2 cores instead of about 180.
FLAGS=(-O -a -s none --codegen-units 16)
if ! cargo fuzz build "${FLAGS[@]}" >"$log_dir/build.log" 2>&1; then
  cat "$log_dir/build.log" >&2
  exit 1
fi
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="$log_dir/$t.log"
  # corpus/<t> is the growing (git-ignored) corpus; seeds/<t> the checked-in starting points.
  if ! cargo fuzz run "${FLAGS[@]}" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$SECONDS_EACH" -dict=dict/parlor.dict -max_len=4096 \
      -rss_limit_mb=1024 -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz: $t FAILED (log: fuzz/$log)" >&2
    grep -E "panicked|ERROR|SUMMARY|Test unit written|artifact_prefix" "$log" >&2 || tail -40 "$log" >&2
    status=1
  elif [ -n "${FUZZ_VERBOSE:-}" ]; then
    echo "fuzz: $t ok: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
      "$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}') exec/s," \
      "corpus $(ls "corpus/$t" | wc -l) files"
  fi
done
exit $status
