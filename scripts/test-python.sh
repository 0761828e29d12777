#!/usr/bin/env bash
# Tests of the Python wheel (bindings/python) and the Django example (examples/django).
#
#   scripts/pg-throwaway.sh scripts/test-python.sh     # with a throwaway PostgreSQL
#   DATABASE_URL=postgres://... scripts/test-python.sh
#
# Makes a fresh virtual environment under target/, installs the test tools from
# PyPI, builds the wheel in debug (`maturin build`), installs it, and runs pytest
# on bindings/python/tests (memory and Postgres backends) and on the Django
# example. Any failure, and pytest collecting no test (exit 5), fails the script.
#
# Environment: DATABASE_URL (required), PYTHON (default python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "test-python.sh: DATABASE_URL is not set; run it as: scripts/pg-throwaway.sh scripts/test-python.sh" >&2
  exit 2
fi

python="${PYTHON:-python3}"
# The same target triple as the Rust and Node builds (see scripts/test).
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
# The tests and the Django example connect through a role subject to
# row-level security, as a production host should.
TICKETRY_TEST_ROLE="$(scripts/pg-app-role.sh)"
export TICKETRY_TEST_ROLE
venv="$root/target/python-test/venv"
wheels="$root/target/python-test/wheels"

echo "==> fresh virtual environment ($("$python" --version 2>&1)) in target/python-test/venv"
rm -rf "$venv" "$wheels"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "maturin==1.16.*" "pytest==9.*" "django==5.2.*" "psycopg[binary]==3.*" "mypy==1.*"

echo "==> generated clients match the operation table (scripts/gen-clients.py --check)"
catalog="$(mktemp)"
cargo run -q --locked -p ticketry-wire --features schema --bin catalog >"$catalog"
"$venv/bin/python" scripts/gen-clients.py "$catalog" --check
rm -f "$catalog"

echo "==> maturin build (debug)"
(cd bindings/python && "$venv/bin/maturin" build --locked --interpreter "$venv/bin/python" --out "$wheels")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$wheels"/ticketry-*.whl
# The tests must import the installed wheel, not the source tree.
"$venv/bin/python" -c 'import ticketry, sys; assert "site-packages" in ticketry.__file__, ticketry.__file__; print("ticketry", ticketry.__version__, "from", ticketry.__file__)'

run_pytest() {
  local dir="$1"
  shift
  local status=0
  (cd "$dir" && "$venv/bin/python" -m pytest -p no:cacheprovider "$@") || status=$?
  if [ "$status" -eq 5 ]; then
    echo "test-python.sh: pytest collected no tests in $dir" >&2
    exit 1
  elif [ "$status" -ne 0 ]; then
    exit "$status"
  fi
}

echo "==> mypy --strict on a program using the API (bindings/python/typecheck)"
(cd bindings/python/typecheck && "$venv/bin/python" -m mypy --strict --no-incremental program.py)

echo "==> pytest bindings/python/tests (memory and PostgreSQL backends)"
TICKETRY_REQUIRE_POSTGRES=1 run_pytest bindings/python/tests -q

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium (the staff dashboard's browser test)"
  export DEBIAN_FRONTEND=noninteractive
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q chromium >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
fi

echo "==> pytest examples/django (Django test client; the dashboard in headless Chromium)"
TICKETRY_REQUIRE_CHROMIUM=1 run_pytest examples/django -q

echo "==> python manage.py test (Django's own runner, on PostgreSQL: the pool closes itself at teardown)"
(cd examples/django && "$venv/bin/python" manage.py test --noinput -v 1 tests)

echo "==> Python tests passed"
