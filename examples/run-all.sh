#!/usr/bin/env bash
# Run the tests of every example from its own folder with `npm test`, as a
# user of that project would, then the end-to-end check of the evidence of a
# failed test (failing-capture/check-evidence.sh). Every step runs even when
# an earlier one failed. Exits 1 when any step failed.
#
# The examples resolve alpy, vitest-environment-alpy and vitest from the
# node_modules folder of the repository root, so run `npm ci` there first.

set -uo pipefail

EXAMPLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly EXAMPLES_DIR
readonly EXAMPLES=(first-ping own-dut failing-capture)

# minidut's build takes its kernel from a linux-image .deb. When Rabbit's
# build has downloaded one, reuse it instead of downloading the package again.
if [ -z "${KERNEL_DEB:-}" ]; then
    shopt -s nullglob
    rabbit_debs=("$EXAMPLES_DIR"/../rabbit/out/cache/debs/linux-image-*.deb)
    shopt -u nullglob
    if [ ${#rabbit_debs[@]} -eq 1 ]; then
        KERNEL_DEB=$(realpath "${rabbit_debs[0]}")
        export KERNEL_DEB
        echo "examples: KERNEL_DEB=$KERNEL_DEB (Rabbit's download)"
    fi
fi

failed=()
summary=()

# Usage: run_step NAME FOLDER COMMAND [ARGUMENT...]
run_step() {
    local name=$1 folder=$2 start=$SECONDS status
    shift 2
    echo
    echo "examples: === $name: $* (in $folder)"
    (cd "$folder" && "$@")
    status=$?
    if [ "$status" -eq 0 ]; then
        summary+=("passed  $name ($((SECONDS - start)) s)")
    else
        summary+=("FAILED  $name ($((SECONDS - start)) s, exit status $status)")
        failed+=("$name")
    fi
}

start=$SECONDS
for example in "${EXAMPLES[@]}"; do
    run_step "$example" "$EXAMPLES_DIR/$example" npm test
done
run_step "failing-capture evidence" "$EXAMPLES_DIR/failing-capture" bash check-evidence.sh

echo
echo "examples: summary ($((SECONDS - start)) s):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "examples: ${#failed[@]} failed: ${failed[*]}"
    exit 1
fi
echo "examples: all passed"
