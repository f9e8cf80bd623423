#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (the "fuzz" CMake preset: clang, ASan + UBSan, in
# build/fuzz) and runs each for SECONDS (default 10) on a copy of its seed corpus. Each target
# feeds one untrusted input to the project's real parsers: guest_frame (the side channels and
# the results bundle, through the host's verdict), results_json (parse_json_bounded),
# console_scan (the splat scanner), report_load (a kernel's results directory, loaded and
# rendered by every report writer), kconfig_fragment and manifest.
#   scripts/fuzz.sh [SECONDS]
# Exits non-zero on any finding (a crash, a sanitizer report, an exception the code does not
# document, a timeout of 10 s or more than 2 GB) and prints the path of the input that caused
# it, to replay with build/fuzz/bin/fuzz_TARGET PATH. Everything it writes is under build/fuzz:
# the grown corpus (build/fuzz/run/TARGET/corpus, kept between runs) and any findings
# (build/fuzz/run/TARGET/findings/). A new seed goes into fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

scripts/install-deps.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

root=$PWD/build/fuzz
failed=()
summary=()
for src in fuzz/corpus/*/; do
  target=$(basename "$src")
  bin=$root/bin/fuzz_$target
  run=$root/run/$target
  mkdir -p "$run/corpus" "$run/findings"
  cp -n "$src"* "$run/corpus/"
  echo "== fuzz_$target: $seconds s"
  rc=0
  # In a directory of its own, removed after: report_load writes its results files there.
  rm -rf "$run/work"
  mkdir "$run/work"
  (cd "$run/work" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$bin" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$run/findings/" "$run/corpus") \
    >"$run/fuzz.log" 2>&1 || rc=$?
  rm -rf "$run/work"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/fuzz.log")
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$run/fuzz.log"
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$run/fuzz.log" | tail -n 1)
    echo "fuzz.sh: fuzz_$target found a problem (exit $rc); input: ${artifact:-see $run/fuzz.log}" >&2
    echo "fuzz.sh: replay with: $bin ${artifact:-INPUT}" >&2
    failed+=("fuzz_$target")
    summary+=("$(printf '%-24s FINDING  %s' "fuzz_$target" "${artifact:-$run/fuzz.log}")")
  else
    summary+=("$(printf '%-24s ok  %s runs, %s exec/s, corpus %s' "fuzz_$target" "${execs:-?}" "${rate:-?}" "$(ls "$run/corpus" | wc -l)")")
  fi
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: findings in ${failed[*]}" >&2
  exit 1
fi
