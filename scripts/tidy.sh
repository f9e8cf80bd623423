#!/usr/bin/env bash
# Runs clang-tidy (clang-tidy-14, as installed by scripts/install-deps.sh) with the checks
# of .clang-tidy over every translation unit of the default build, in parallel.
#   scripts/tidy.sh          exit 0 when clean, 1 with the findings printed
#   scripts/tidy.sh FILE...  only the translation units whose path contains one of FILE
# It configures build/tidy (compile_commands.json, no precompiled headers: clang cannot read
# GCC's) and builds nothing; unity sources stay, so the third-party headers are parsed
# once per eight files.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "usage: scripts/tidy.sh [FILE...]" >&2; exit 2 ;;
esac
tidy=$(command -v clang-tidy-14 || true)
if [ -z "$tidy" ]; then
  echo "tidy: clang-tidy-14 is missing (scripts/install-deps.sh installs it)" >&2
  exit 3
fi

# -DNSM_WERROR=ON: clang's own warnings (clang-diagnostic-*) are findings too, wherever it runs.
cmake --preset default -B build/tidy -DNSM_WERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON >/dev/null
# The sources the build generates (the kernels' embedded manifest) are made, nothing else.
mapfile -t generated < <(ninja -C build/tidy -t targets all | awk -F': ' '$2 == "CUSTOM_COMMAND" && $1 ~ /\.(cpp|h)$/ && $1 !~ /^\// {print $1}')
[ ${#generated[@]} -eq 0 ] || ninja -C build/tidy "${generated[@]}" >/dev/null
mapfile -t units < <(jq -r '.[].file' build/tidy/compile_commands.json | sort -u)
if [ $# -gt 0 ]; then
  selected=()
  for u in "${units[@]}"; do
    for f in "$@"; do [[ "$u" == *"$f"* ]] && { selected+=("$u"); break; }; done
  done
  units=("${selected[@]}")
fi
[ ${#units[@]} -gt 0 ] || { echo "tidy: no translation unit matches $*" >&2; exit 2; }

echo "tidy: ${#units[@]} translation units, $(nproc) at a time"
log=build/tidy/findings.txt
# --quiet: no "N warnings generated" chatter; a finding is an error (WarningsAsErrors).
if printf '%s\0' "${units[@]}" | xargs -0 -n 1 -P "$(nproc)" "$tidy" --quiet -p build/tidy >"$log" 2>&1; then
  echo "tidy: clean"
else
  grep -E "(warning|error):" "$log" | sort -u
  echo "tidy: findings above (all of clang-tidy's output: $log)" >&2
  exit 1
fi
