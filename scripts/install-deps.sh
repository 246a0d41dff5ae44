#!/usr/bin/env bash
# Installs the Debian packages Peregrine builds and tests against, only if missing.
# Runs as root (CI, containers) or through sudo.
set -euo pipefail
packages=(liburing-dev libnuma-dev libssl-dev libpq-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
