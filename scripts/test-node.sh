#!/usr/bin/env bash
# Tests of the Node addon (bindings/node) and the Express example (examples/express).
#
#   scripts/pg-throwaway.sh scripts/test-node.sh     # with a throwaway PostgreSQL
#   DATABASE_URL=postgres://… scripts/test-node.sh   # against a server of yours
#
# 1. npm install (from the registry, as locked) in bindings/node and examples/express;
# 2. builds the addon in debug (`napi build --platform`) and fails if the generated
#    native.d.ts, or the typed client generated from the operation table
#    (index.js, index.d.ts: scripts/gen-clients.py), differs from the committed one;
# 3. runs `node --test` for the addon and the Express example, on the memory backend
#    and on PostgreSQL (each suite in fresh schemas); fails on any failure or if no
#    test ran.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "test-node: DATABASE_URL is not set; the PostgreSQL tests need a server." >&2
    echo "test-node: run it as: scripts/pg-throwaway.sh scripts/test-node.sh" >&2
    exit 1
fi
command -v node >/dev/null || { echo "test-node: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "test-node: npm is not installed" >&2; exit 1; }

# One target triple for cargo, maturin and napi: they share the compiled dependencies.
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
npm_flags=(--no-audit --no-fund --loglevel=error)
# The tests connect through a role subject to row-level security.
TICKETRY_TEST_ROLE="$(scripts/pg-app-role.sh)"
export TICKETRY_TEST_ROLE

echo "== npm install (bindings/node)"
(cd bindings/node && npm install "${npm_flags[@]}")

echo "== napi build (debug)"
dts=bindings/node/native.d.ts
before="$(mktemp)"
trap 'rm -f "$before"' EXIT
if [[ -f "$dts" ]]; then cp "$dts" "$before"; else : >"$before"; fi
(cd bindings/node && npx --no-install napi build --platform --js native.js --dts native.d.ts)

echo "== generated client drift check (index.js, index.d.ts)"
catalog="$(mktemp)"
cargo run -q --locked -p ticketry-wire --features schema --bin catalog >"$catalog"
python3 scripts/gen-clients.py "$catalog" --check --node-only
rm -f "$catalog"

echo "== native.d.ts drift check"
if ! cmp -s "$before" "$dts"; then
    echo "test-node: the generated $dts differs from the one in the tree:" >&2
    diff -u "$before" "$dts" >&2 || true
    echo "test-node: commit the regenerated file" >&2
    exit 1
fi
if git ls-files --error-unmatch "$dts" >/dev/null 2>&1; then
    git diff --exit-code -- "$dts"
else
    echo "test-node: warning: $dts is not committed yet (commit it; CI checks it against the commit)" >&2
fi

echo "== npm install (examples/express)"
(cd examples/express && npm install "${npm_flags[@]}")

echo "== cargo test -p ticketry-node"
cargo test -p ticketry-node --lib --locked --quiet

# Runs `node --test` on the given files (from directory $1); adds the counts to the totals.
total_pass=0
total_fail=0
run_node_tests() {
    local dir="$1"
    shift
    local tap
    tap="$(mktemp)"
    local status=0
    (cd "$dir" && node --test --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$tap" "$@") || status=$?
    local pass fail tests
    tests="$(sed -n 's/^# tests \([0-9]*\)$/\1/p' "$tap" | tail -1)"
    pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)"
    fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)"
    local cancelled
    cancelled="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)"
    rm -f "$tap"
    if [[ -z "$tests" || "$tests" == 0 ]]; then
        echo "test-node: no test ran in $dir" >&2
        exit 1
    fi
    total_pass=$((total_pass + ${pass:-0}))
    total_fail=$((total_fail + ${fail:-0} + ${cancelled:-0}))
    if [[ $status != 0 || ${fail:-0} != 0 || ${cancelled:-0} != 0 ]]; then
        echo "test-node: tests failed in $dir" >&2
        echo "node: $total_pass passed, $total_fail failed"
        exit 1
    fi
}

echo "== node --test (addon)"
run_node_tests bindings/node test/api.test.mjs test/bad-inputs.test.mjs test/calendar.test.mjs test/hostile.test.mjs test/typings.test.mjs test/express.test.mjs
echo "== node --test (Express example)"
run_node_tests examples/express test/app.test.mjs test/mail.test.mjs

echo "node: $total_pass passed, $total_fail failed"
