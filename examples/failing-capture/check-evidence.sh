#!/usr/bin/env bash
# Run the test that fails on purpose (npm run test:fail) and check the
# evidence that alpy leaves for it:
#   - Vitest exits non-zero, and the failure is the expected assertion;
#   - the evidence list at the end of Vitest's output and the JUnit report
#     name console.log, link0.pcap and link1.pcap of this run, under
#     <outputDir>/<run>/failed/<file>/<test>/;
#   - both pcaps parse with tcpdump. Link 0 contains the two echo requests and
#     no reply, and link 1 no echo request, since minidut did not forward;
#   - console.log contains the command that the test sent to minidut.
# Exits 0 when every check passes and 1 otherwise, listing each failed check.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

readonly TEST_FILE=failing-forward-wrong-sysctl.test.ts
readonly TEST_NAME=forwards-ping-after-enabling-forwarding
readonly REQUEST='IP 198.18.0.2 > 198.18.1.2: ICMP echo request'
readonly REPLY='IP 198.18.1.2 > 198.18.0.2: ICMP echo reply'

for command in npm tcpdump grep sed; do
    command -v "$command" >/dev/null || { echo "check-evidence: error: $command not found" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
output=$TMP/vitest.txt
junit=$TMP/junit.xml
failures=0

fail() {
    echo "check-evidence: FAIL: $*"
    failures=$((failures + 1))
}

pass() {
    echo "check-evidence: ok: $*"
}

echo "check-evidence: running npm run test:fail, which is expected to fail"
set +e
npm run test:fail -- --reporter=default --reporter=junit --outputFile.junit="$junit" >"$TMP/raw.txt" 2>&1
status=$?
set -e
# Strip colours so that the patterns below match whatever the terminal is.
sed 's/\x1b\[[0-9;]*m//g' "$TMP/raw.txt" >"$output"

print_output() {
    echo "check-evidence: output of npm run test:fail:"
    sed 's/^/  | /' "$output"
}

if [ "$status" -eq 0 ]; then
    fail "npm run test:fail exited 0; the test in failing/ should fail"
    print_output
    exit 1
fi
pass "npm run test:fail exited with status $status"
if ! grep -q 'AssertionError: ping from link 0 to link 1' "$output"; then
    fail "the output lacks the expected assertion 'ping from link 0 to link 1'; the run failed for another reason"
    print_output
    exit 1
fi
pass "the test failed on the ping assertion"

run_id=$(sed -n 's/.*alpy:dut info: starting run \([0-9a-z]*\):.*/\1/p' "$output" | head -n 1)
if [ -z "$run_id" ]; then
    fail "no 'starting run' line in the output"
    print_output
    exit 1
fi

# The evidence list that alpy prints at the end of the run, one file a line:
#     link0.pcap: /path/to/alpy-output/<time>-<run>/failed/<file>/<test>/link0.pcap
evidence_path() {
    sed -n "s|^    $1: \(/.*\)$|\1|p" "$output" | head -n 1
}

declare -A paths
for name in console.log link0.pcap link1.pcap; do
    path=$(evidence_path "$name")
    paths[$name]=$path
    expected="/alpy-output/[^/]*-$run_id/failed/$TEST_FILE/$TEST_NAME/$name\$"
    if [ -z "$path" ]; then
        fail "the evidence list in the output does not name $name"
    elif ! [[ $path =~ $expected ]]; then
        fail "$name is at $path, expected a path matching $expected"
    elif [ ! -f "$path" ]; then
        fail "$name is named in the output but $path does not exist"
    else
        pass "$name exists: $path"
    fi
    if grep -qF "<property name=\"alpy:$name\" value=\"$path\">" "$junit" 2>/dev/null && [ -n "$path" ]; then
        pass "the JUnit report has the property alpy:$name"
    else
        fail "the JUnit report $junit has no property alpy:$name with value $path"
    fi
done

# Prints tcpdump's text of a pcap, or fails the check when it does not parse.
read_pcap() {
    local name=$1
    if ! tcpdump -n -r "${paths[$name]}" >"$TMP/$name.txt" 2>"$TMP/$name.err"; then
        fail "tcpdump cannot read $name: $(cat "$TMP/$name.err")"
        return 1
    fi
    pass "tcpdump reads $name ($(wc -l <"$TMP/$name.txt") frames)"
}

if [ -f "${paths[link0.pcap]}" ] && read_pcap link0.pcap; then
    requests=$(grep -cF "$REQUEST" "$TMP/link0.pcap.txt" || true)
    replies=$(grep -cF "$REPLY" "$TMP/link0.pcap.txt" || true)
    [ "$requests" -eq 2 ] && pass "link0.pcap has 2 echo requests" ||
        fail "link0.pcap has $requests lines '$REQUEST', expected 2"
    [ "$replies" -eq 0 ] && pass "link0.pcap has no echo reply" ||
        fail "link0.pcap has $replies lines '$REPLY', expected none"
fi
if [ -f "${paths[link1.pcap]}" ] && read_pcap link1.pcap; then
    requests=$(grep -cF "$REQUEST" "$TMP/link1.pcap.txt" || true)
    [ "$requests" -eq 0 ] && pass "link1.pcap has no echo request" ||
        fail "link1.pcap has $requests lines '$REQUEST', expected none because minidut does not forward"
fi
if [ -f "${paths[console.log]}" ]; then
    if grep -q '^[^ ]* > [^ ]* .*echo 1 > /proc/sys/net/ipv6/conf/all/forwarding' "${paths[console.log]}"; then
        pass "console.log has the command sent to minidut"
    else
        fail "console.log has no input record with 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'"
    fi
fi

if [ "$failures" -gt 0 ]; then
    print_output
    echo "check-evidence: $failures checks failed"
    exit 1
fi
echo "check-evidence: all checks passed"
