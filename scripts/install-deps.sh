#!/usr/bin/env bash
# Installs the Debian and PyPI packages Peregrine builds and tests against, only if missing.
# Runs as root (CI, containers) or through sudo.
set -euo pipefail
# libquickfix-dev and g++ build the QuickFIX peers of the FIX interop tests.
# postgresql runs the throwaway warehouse cluster of the cold-tier tests
# (scripts/postgres-test-cluster.sh). openssl (the CLI) makes the FIX-over-TLS tests'
# certificates; tzdata resolves settings-file time zones (America/New_York).
# python3 runs the crash test's comparison.
packages=(liburing-dev libnuma-dev libssl-dev libpq-dev libquickfix-dev g++ postgresql openssl tzdata python3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# scikit-learn is the reference the model tests compare predictions with (PyPI). Pinned:
# the gradient-boosting parity tests reproduce this version's split tie-breaking exactly.
PYTHON=${PYTHON:-python3}
SKLEARN_VERSION=1.9.1
if [ "$("$PYTHON" -c "import sklearn; print(sklearn.__version__)" 2>/dev/null)" != "$SKLEARN_VERSION" ]; then
  echo "installing: scikit-learn $SKLEARN_VERSION (PyPI)"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "scikit-learn==$SKLEARN_VERSION"
fi
