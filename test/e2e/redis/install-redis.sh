#!/usr/bin/env bash
# Installs what the scale-out end-to-end tests (test/e2e/scale-out*.spec.ts) need: Debian's
# redis-server. The tests start their own throw-away server on a free loopback port
# (test/e2e/redis/redis-server.ts); the package's service is not used.
# Idempotent: does nothing when redis-server is already on the PATH. Needs root (or sudo) and apt.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "install-redis.sh: redis-server already installed ($(redis-server --version | head -n1))"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "install-redis.sh: not root and no sudo: cannot install redis-server" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-redis.sh: apt-get not found; install redis-server by hand" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-redis.sh: apt-get update"
"${SUDO[@]}" apt-get update -qq
echo "install-redis.sh: apt-get install redis-server"
# policy-rc.d-less containers may try to start the service; the tests never use it.
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null

if ! command -v redis-server >/dev/null 2>&1; then
  echo "install-redis.sh: apt-get finished but redis-server is still missing" >&2
  exit 1
fi
echo "install-redis.sh: installed $(redis-server --version | head -n1)"
