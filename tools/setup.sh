#!/usr/bin/env bash
# Installs the Debian packages Nuri builds and tests with, only those that are missing.
# `tools/setup.sh fuzz` adds what the libFuzzer targets need (clang 16, libc++ and its runtime).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config python3 curl
  libssl-dev libsodium-dev liboath-dev oathtool libqrencode-dev libjemalloc-dev librocksdb-dev libboost1.81-dev libboost-json1.81-dev
  libgtest-dev librapidcheck-dev libbenchmark-dev clang-16 libc++-16-dev libc++abi-16-dev
  # The PKCS#11 header, and SoftHSM2, the HSM that the wallet's PKCS#11 sealer is tested against.
  libp11-kit-dev softhsm2
  # The audit indexer's databases; the PostgreSQL server is what its tests run against.
  libsqlite3-dev libpqxx-dev postgresql
)
if [ "${1:-}" = "fuzz" ]; then
  packages+=(libclang-rt-16-dev)
fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "nuri setup: installing ${missing[*]}"
sudo_prefix=()
if [ "$(id -u)" -ne 0 ]; then sudo_prefix=(sudo); fi
"${sudo_prefix[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
