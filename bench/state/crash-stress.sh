#!/usr/bin/env bash
# The crash-consistency loop of test/state/crash-consistency.test.ts with more iterations
# (default 1000): random configuration changes, SIGKILL at random moments, the state file checked
# after every kill.
set -euo pipefail
cd "$(dirname "$0")/../.."
EMU_CRASH_ITERATIONS="${1:-1000}" npx tap --timeout=0 test/state/crash-consistency.test.ts
