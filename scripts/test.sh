#!/usr/bin/env bash
# Runs every test: unit and integration tests of the library, the Rabbit
# suite, and the examples from their own folders as a user would.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
bash rabbit/build.sh
npx tsc --noEmit -p .

echo "alpy: library tests"
npx vitest run

echo "alpy: Rabbit suite"
npx vitest run --root rabbit
