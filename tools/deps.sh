#!/usr/bin/env bash
# Installs what the build, the tests and the local stack need, if missing.
# As root it installs (apt-get, pip, npm ci); otherwise it prints the exact
# commands and fails. --quiet prints nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0; [ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "deps: $*"; }

APT_PACKAGES=(build-essential pkg-config clang clang-format valgrind git
  libcjson-dev libpcre2-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libmicrohttpd-dev libyaml-dev
  json-schema-test-suite python3 python3-fastjsonschema ca-certificates
  zlib1g-dev dpkg-dev autoconf automake libtool patch xz-utils zip unzip openssl)
# Installed by `make deps` only (not by the quiet check every build runs), and
# a failure is not fatal: the dashboard test drives a headless chromium and
# skips, saying so, where none is installed; `make bench` draws no plots
# (and says so) without gnuplot.
OPTIONAL_APT_PACKAGES=(chromium gnuplot-nox)
# python3 module -> Debian package that provides it for /usr/bin/python3
declare -A PY_MODULES=([jinja2]=python3-jinja2 [jsonschema]=python3-jsonschema [boto3]=python3-boto3
  [moto]=python3-moto [yaml]=python3-yaml [cfnlint]=)
PYTHON=${PYTHON:-python3}

root=0; [ "$(id -u)" = 0 ] && root=1

# A stamp newer than every input means nothing changed since the last full
# check; the quiet check (every build) trusts it, `make deps` checks anyway.
stamp=${BUILD:-build}/.deps-ok
if [ "$quiet" = 1 ] && [ -f "$stamp" ] && [ "$stamp" -nt "$0" ] && [ "$stamp" -nt requirements.txt ] && [ "$stamp" -nt package-lock.json ] \
   && [ -f node_modules/.package-lock.json ]; then
  say "all dependencies present (checked $(date -r "$stamp" '+%F %T'))"
  exit 0
fi

missing=()
while read -r pkg status; do
  [ "$status" = "installed" ] || missing+=("$pkg")
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$root" = 1 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

has_module() { "$PYTHON" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' "$1" 2>/dev/null; }
py_missing=()
for m in "${!PY_MODULES[@]}"; do has_module "$m" || py_missing+=("$m"); done
if [ ${#py_missing[@]} -gt 0 ]; then
  debs=()
  for m in "${py_missing[@]}"; do [ -n "${PY_MODULES[$m]}" ] && debs+=("${PY_MODULES[$m]}"); done
  if [ "$root" = 1 ] && [ ${#debs[@]} -gt 0 ] && [ "$(command -v "$PYTHON")" = /usr/bin/python3 ]; then
    echo "deps: installing ${debs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null || true
  fi
  still=()
  for m in "${py_missing[@]}"; do has_module "$m" || still+=("$m"); done
  if [ ${#still[@]} -gt 0 ]; then
    cmd=("$PYTHON" -m pip install -r requirements.txt)
    "$PYTHON" -m pip --version >/dev/null 2>&1 || { echo "deps: python modules ${still[*]} missing and pip unavailable: apt-get install python3-pip" >&2; exit 1; }
    if [ "$(command -v "$PYTHON")" = /usr/bin/python3 ]; then cmd+=(--break-system-packages); fi
    if [ "$root" = 1 ] || [ -n "${VIRTUAL_ENV:-}" ]; then
      echo "deps: ${cmd[*]}"; "${cmd[@]}" >/dev/null
    else
      echo "deps: missing python modules ${still[*]}; run: ${cmd[*]}" >&2; exit 1
    fi
  fi
fi

if [ "$quiet" = 0 ]; then
  opt_missing=()
  for p in "${OPTIONAL_APT_PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || opt_missing+=("$p")
  done
  if [ ${#opt_missing[@]} -gt 0 ]; then
    if [ "$root" = 1 ]; then
      echo "deps: installing (optional) ${opt_missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${opt_missing[@]}" >/dev/null \
        || echo "deps: optional ${opt_missing[*]} not installed (the dashboard test skips, make bench draws no plots)" >&2
    else
      echo "deps: optional, for the dashboard test and the benchmark plots: sudo apt-get install -y ${opt_missing[*]}" >&2
    fi
  fi
fi

# Pinned Node.js tools (local SQS/DynamoDB emulators, ajv for the benchmark).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
mkdir -p "$(dirname "$stamp")" && touch "$stamp"
say "all dependencies present"
