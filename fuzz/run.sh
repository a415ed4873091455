#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: fuzz/run.sh [SECONDS] (default 60 each).
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Not part of
# `cargo test` or .ci/run.
#
# The targets are built once, then run directly, so that edits made meanwhile do not rebuild
# them between runs. The seeds in fuzz/corpus/TARGET are read, never written: what the fuzzer
# finds goes to fuzz/generated/TARGET, crashes to fuzz/artifacts/TARGET/, output to
# fuzz/logs/TARGET.log (all ignored by git). JOBS=2 runs two targets at a time; the default,
# 1, keeps a small machine usable.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
jobs="${JOBS:-1}"
triple="$(rustc +nightly -vV | sed -n 's/^host: //p')"
cargo +nightly fuzz build --target "$triple"
bin="target/$triple/release"
mkdir -p logs
run() {
  local target="$1"
  mkdir -p "generated/$target" "artifacts/$target"
  if "$bin/$target" "generated/$target" "corpus/$target" \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" >"logs/$target.log" 2>&1; then
    local runs rate
    runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "logs/$target.log")
    rate=$(awk '/^stat::average_exec_per_sec/ {print $2}' "logs/$target.log")
    echo "$target: ok, $runs runs in ${seconds}s ($rate/s)"
  else
    echo "$target: FAILED, see fuzz/logs/$target.log and fuzz/artifacts/$target/"
    return 1
  fi
}
export -f run
export seconds bin
# xargs exits non-zero when any run failed.
cargo +nightly fuzz list | xargs -P "$jobs" -I{} bash -c 'run "$1"' _ {}
