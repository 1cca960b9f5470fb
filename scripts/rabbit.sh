#!/usr/bin/env bash
# The main job: builds Rabbit when its inputs changed, boots it and runs the
# Rabbit suite against it. Extra arguments go to vitest.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
bash rabbit/build.sh
npx vitest run --root rabbit "$@"
