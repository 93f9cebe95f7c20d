#!/usr/bin/env bash
# Entry point on a fresh machine: sets up what the project needs, then runs `molt`.
#   ./molt.sh up     run the product (Kafka, worker, edge, demo bots) until Ctrl-C
#   ./molt.sh test   run the whole test suite
# Set-up is idempotent and quick once done: a virtualenv in .venv with the project
# installed (its C frame writers compiled by Cython and gcc), Java + Maven for the local
# Kafka and Chromium for the browser tests (from Debian's packages if missing; Playwright
# drives /usr/bin/chromium and never downloads one), and the Colyseus peer's packages
# (peers/colyseus, for `molt bench peers`) from the npm registry when node and npm are here.
set -euo pipefail
cd "$(dirname "$0")"

need_debian_packages=()
command -v java >/dev/null || need_debian_packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_debian_packages+=(maven)
[ -x /usr/bin/chromium ] || need_debian_packages+=(chromium)
command -v cc >/dev/null || need_debian_packages+=(gcc)  # compiles the frame writers
if [ ${#need_debian_packages[@]} -gt 0 ]; then
  echo "setup: installing ${need_debian_packages[*]} from Debian's packages" >&2
  apt-get update -qq && apt-get install -y -qq "${need_debian_packages[@]}" >/dev/null
fi

python=${PYTHON:-python3}
stamp=.venv/.installed
# The install also compiles the .pyx modules: a changed one (or a .pxd they share) is built again.
if [ ! -x .venv/bin/molt ] || [ pyproject.toml -nt "$stamp" ] \
  || [ -n "$(find streams schemas \( -name '*.pyx' -o -name '*.pxd' \) -newer "$stamp" 2>/dev/null)" ]; then
  echo "setup: installing the project into .venv" >&2
  "$python" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  touch "$stamp"
fi
peer=peers/colyseus
if command -v npm >/dev/null; then
  # npm ci installs exactly the lockfile; again whenever the lockfile is newer than the install.
  if [ ! -d "$peer/node_modules" ] || [ "$peer/package-lock.json" -nt "$peer/node_modules" ]; then
    echo "setup: installing the Colyseus peer's packages into $peer/node_modules" >&2
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$peer/node_modules"
  fi
else
  echo "setup: no npm here; the Colyseus peer (molt bench peers) needs node and npm" >&2
fi
exec .venv/bin/molt "$@"
