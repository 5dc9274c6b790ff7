#!/usr/bin/env bash
# The whole test suite: dev services up (installed on first run), then every test target.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
deploy/dev/services.sh up
eval "$(deploy/dev/services.sh env)"
swift build --build-tests
swift test --skip-build "$@"
