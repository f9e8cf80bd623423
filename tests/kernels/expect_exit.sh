#!/usr/bin/env bash
# expect_exit.sh CODE REGEX PROGRAM ARGS...: runs the program; passes when it exits with CODE
# and its output (stdout and stderr) matches the extended REGEX.
set -u
want=$1 regex=$2
shift 2
output=$("$@" 2>&1)
got=$?
printf '%s\n' "$output"
if [ "$got" -ne "$want" ]; then
  echo "expect_exit: exit code $got, wanted $want" >&2
  exit 1
fi
if ! grep -Eq -- "$regex" <<<"$output"; then
  echo "expect_exit: output does not match /$regex/" >&2
  exit 1
fi
