#!/usr/bin/env bash
# Runs every test: type check, unit and integration tests of the library,
# the Rabbit suite, and the examples from their own folders as a user would.
# Every stage runs even when an earlier one fails; the last line sums up.
set -uo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup-host.sh || exit 1
bash rabbit/build.sh || exit 1

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
failed_stages=()

stage() {
  local name=$1
  shift
  echo
  echo "alpy: === $name ==="
  if ! "$@"; then
    failed_stages+=("$name")
  fi
}

vitest() {
  local report=$1
  shift
  npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$report.json" "$@"
}

stage "type check" npx tsc --noEmit -p .
stage "unit tests" vitest unit --project unit
stage "integration tests" vitest integration --project integration
stage "Rabbit suite" vitest rabbit --root rabbit
if [[ -x examples/run-all.sh ]]; then
  stage "examples" examples/run-all.sh
fi

# Sums the tests of every Vitest report; the examples report through their own output.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const report = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
  console.log(`\nalpy: ${passed} passed, ${failed} failed`);
' "$reports"

if ((${#failed_stages[@]} > 0)); then
  echo "alpy: failed stages: ${failed_stages[*]}"
  exit 1
fi
