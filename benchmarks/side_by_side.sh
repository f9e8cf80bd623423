#!/usr/bin/env bash
# Side by side: our data path against iperf3 (TCP throughput) and sockperf (TCP and UDP
# request-response round trips) on the same three topologies nsmatrix-bench measures:
#   loopback  one namespace, 127.0.0.1
#   veth      two namespaces joined by a veth pair (10.77.0.1 -> 10.77.0.2)
#   bridge    two namespaces on a bridge in a hub namespace (10.78.0.2 -> 10.78.0.3)
# and prints nsmatrix/iperf3 (throughput: >= 1 means ours is at least as fast) and
# nsmatrix/sockperf (median round trip: <= 1.05 is the goal) for each.
#
# This is a comparison script, so it may use ip(8) and named namespaces (iperf3 and sockperf
# need `ip netns exec`); the suite itself never does. Everything it creates is named nsm-sbs-*
# and removed on exit, on Ctrl-C and on errors; a run killed with SIGKILL is cleaned up by the
# next run. Nothing is created in the host's namespace.
#
#   benchmarks/side_by_side.sh [--bench PATH] [--seconds N] [--rounds N] [--pin CPU]
#     --bench    nsmatrix-bench to compare (default: build/default/bin/nsmatrix-bench)
#     --seconds  length of each measurement (default 3)
#     --rounds   rounds of all measurements, alternating the tools; medians are printed (default 3)
#     --pin      run every tool on this CPU only (taskset), as nsmatrix-bench --pin=CPU does
# Needs root, iperf3, sockperf, jq, iproute2 (scripts/install-deps.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench="$here/../build/default/bin/nsmatrix-bench"
seconds=3
rounds=3
pin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --pin) pin=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "side_by_side: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side: --seconds wants a positive integer" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side: --rounds wants a positive integer" >&2; exit 2; }
[ -z "$pin" ] || [[ $pin =~ ^[0-9]+$ ]] || { echo "side_by_side: --pin wants a CPU number" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "side_by_side: needs root (network namespaces)" >&2; exit 2; }
for tool in ip iperf3 sockperf jq; do
  command -v "$tool" >/dev/null || { echo "side_by_side: $tool is missing; run scripts/install-deps.sh" >&2; exit 2; }
done
[ -x "$bench" ] || { echo "side_by_side: $bench is missing; build first (cmake --build --preset default)" >&2; exit 2; }

pinned=()
[ -z "$pin" ] || pinned=(taskset -c "$pin")
prefix=nsm-sbs
namespaces=("$prefix-lo" "$prefix-a" "$prefix-b" "$prefix-hub" "$prefix-m0" "$prefix-m1")
servers=()
work=$(mktemp -d "${TMPDIR:-/tmp}/nsm-sbs.XXXXXX")

cleanup() {
  local pid ns
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "side_by_side: interrupted" >&2; exit 130' INT TERM

# A run killed with SIGKILL left these behind; they carry our prefix, so they are ours.
for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done

in_ns() { local ns=$1; shift; ip netns exec "$ns" "${pinned[@]}" "$@"; }

build_topologies() {
  ip netns add "$prefix-lo"
  ip -n "$prefix-lo" link set lo up

  ip netns add "$prefix-a"; ip netns add "$prefix-b"
  ip -n "$prefix-a" link add nsm-va type veth peer name nsm-vb netns "$prefix-b"
  ip -n "$prefix-a" addr add 10.77.0.1/24 dev nsm-va
  ip -n "$prefix-b" addr add 10.77.0.2/24 dev nsm-vb
  for side in a b; do
    ip -n "$prefix-$side" link set lo up
    ip -n "$prefix-$side" link set "nsm-v$side" up
  done

  ip netns add "$prefix-hub"
  ip -n "$prefix-hub" link add nsm-br0 type bridge
  ip -n "$prefix-hub" link set nsm-br0 up
  local i
  for i in 0 1; do
    ip netns add "$prefix-m$i"
    ip -n "$prefix-m$i" link add eth0 type veth peer name "nsm-p$i" netns "$prefix-hub"
    ip -n "$prefix-m$i" addr add "10.78.0.$((i + 2))/16" dev eth0
    ip -n "$prefix-m$i" link set lo up
    ip -n "$prefix-m$i" link set eth0 up
    ip -n "$prefix-hub" link set "nsm-p$i" master nsm-br0
    ip -n "$prefix-hub" link set "nsm-p$i" up
  done
}

# topology -> "client-ns server-ns server-address"
declare -A ends=(
  [loopback]="$prefix-lo $prefix-lo 127.0.0.1"
  [veth]="$prefix-a $prefix-b 10.77.0.2"
  [bridge]="$prefix-m0 $prefix-m1 10.78.0.3"
)
topologies=(loopback veth bridge)

# Starts a server in the background and waits (bounded) until it listens on `port`.
start_server() {
  local ns=$1 port=$2 proto=$3; shift 3
  # Not through in_ns: a backgrounded shell function is a subshell, and $! would be the
  # subshell's pid, not the server's; killing it would leave the server running.
  ip netns exec "$ns" "${pinned[@]}" "$@" >"$work/server.$port.log" 2>&1 &
  servers+=("$!")
  local tries=0 flag=-ltnH
  [ "$proto" = udp ] && flag=-lunH
  until ip netns exec "$ns" ss "$flag" "sport = :$port" | grep -q .; do
    tries=$((tries + 1))
    if [ $tries -gt 100 ]; then echo "side_by_side: server on port $port did not start:" >&2; cat "$work/server.$port.log" >&2; exit 1; fi
    sleep 0.05
  done
}

stop_servers() {
  local pid
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=()
}

# iperf3: received bytes per second, 64 KiB writes (as tcp-stream/*/64KiB).
iperf3_throughput() {
  local client=$1 server=$2 address=$3
  start_server "$server" 5201 tcp iperf3 -s -1 -B "$address" -p 5201
  in_ns "$client" iperf3 -c "$address" -p 5201 -t "$seconds" -l 64K -J >"$work/iperf3.json"
  stop_servers
  jq '.end.sum_received.bits_per_second / 8' "$work/iperf3.json"
}

# sockperf ping-pong: median round trip in microseconds, 64-byte messages (as *-rr/*/64B).
sockperf_rtt_p50() {
  local client=$1 server=$2 address=$3 proto=$4 tcp=()
  [ "$proto" = tcp ] && tcp=(--tcp)
  start_server "$server" 11111 "$proto" sockperf server "${tcp[@]}" -i "$address" -p 11111
  in_ns "$client" sockperf ping-pong "${tcp[@]}" -i "$address" -p 11111 -m 64 -t "$seconds" --full-rtt \
    >"$work/sockperf.txt" 2>&1
  stop_servers
  sed 's/\x1b\[[0-9;]*m//g' "$work/sockperf.txt" | awk '/percentile 50.000 =/ { print $NF }'
}

# nsmatrix-bench on its own fd-held copies of the same topologies.
nsmatrix_round() {
  local pin_flag=()
  [ -z "$pin" ] || pin_flag=("--pin=$pin")
  "$bench" "${pin_flag[@]}" --benchmark_filter='^(tcp-stream/(loopback|veth|bridge)/64KiB|(tcp|udp)-rr/(loopback|veth|bridge)/64B)/' \
    --benchmark_repetitions=1 --benchmark_min_time="$seconds" --benchmark_format=json 2>/dev/null >"$work/nsmatrix.json"
}
nsmatrix_value() {  # benchmark-name field
  jq --arg n "$1" --arg f "$2" \
    '[.benchmarks[] | select(.run_type == "iteration" and (.run_name | startswith($n + "/"))) | .[$f]] | first' \
    "$work/nsmatrix.json"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "side_by_side: $rounds round(s) of ${seconds} s per measurement; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
build_topologies
declare -A samples
for ((round = 1; round <= rounds; round++)); do
  echo "side_by_side: round $round/$rounds" >&2
  for topo in "${topologies[@]}"; do
    read -r client server address <<<"${ends[$topo]}"
    samples[iperf3.$topo]+="$(iperf3_throughput "$client" "$server" "$address") "
    samples[sockperf.tcp.$topo]+="$(sockperf_rtt_p50 "$client" "$server" "$address" tcp) "
    samples[sockperf.udp.$topo]+="$(sockperf_rtt_p50 "$client" "$server" "$address" udp) "
  done
  nsmatrix_round
  for topo in "${topologies[@]}"; do
    samples[nsm.stream.$topo]+="$(nsmatrix_value "tcp-stream/$topo/64KiB" bytes_per_second) "
    samples[nsm.tcp.$topo]+="$(nsmatrix_value "tcp-rr/$topo/64B" rtt_p50_us) "
    samples[nsm.udp.$topo]+="$(nsmatrix_value "udp-rr/$topo/64B" rtt_p50_us) "
  done
done

med() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
gbps() { awk -v v="$1" 'BEGIN { printf "%.2f GB/s", v / 1e9 }'; }
usec() { awk -v v="$1" 'BEGIN { printf "%.1f us", v }'; }

printf '\n%-9s %-22s %-14s %-14s %s\n' path measure nsmatrix tool nsmatrix/tool
for topo in "${topologies[@]}"; do
  a=$(med "nsm.stream.$topo"); b=$(med "iperf3.$topo")
  printf '%-9s %-22s %-14s %-14s %s\n' "$topo" "TCP 64KiB vs iperf3" "$(gbps "$a")" "$(gbps "$b")" "$(ratio "$a" "$b")"
  a=$(med "nsm.tcp.$topo"); b=$(med "sockperf.tcp.$topo")
  printf '%-9s %-22s %-14s %-14s %s\n' "$topo" "TCP RR p50 vs sockperf" "$(usec "$a")" "$(usec "$b")" "$(ratio "$a" "$b")"
  a=$(med "nsm.udp.$topo"); b=$(med "sockperf.udp.$topo")
  printf '%-9s %-22s %-14s %-14s %s\n' "$topo" "UDP RR p50 vs sockperf" "$(usec "$a")" "$(usec "$b")" "$(ratio "$a" "$b")"
done
echo "(throughput: higher is better, ratio >= 1 means nsmatrix is not the bottleneck; round trip: lower is better, goal <= 1.05)"
echo
echo "every round (B/s, us):"
for key in $(printf '%s\n' "${!samples[@]}" | sort); do printf '  %-22s %s\n' "$key" "${samples[$key]}"; done
