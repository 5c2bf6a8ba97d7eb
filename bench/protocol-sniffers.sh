#!/usr/bin/env bash
# What the protocol sniffers cost: redis-benchmark straight to redis-server, through a Portcullis
# TCP Gateway listener whose ServiceEntry port is declared TCP (relay only), and through one
# declared REDIS (relay + RESP sniffer), in one run on this machine. Not part of the test suite.
#
#   bench/protocol-sniffers.sh [requests] [pipeline]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-200000}"
pipeline="${2:-16}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port="$(free_port)"; tcp_port="$(free_port)"; sniff_port="$(free_port)"; admin_port="$(free_port)"

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &

mkdir -p "$work/egress"
for kind in tcp redis; do
  port=$([[ $kind == tcp ]] && echo "$tcp_port" || echo "$sniff_port")
  protocol=$([[ $kind == tcp ]] && echo TCP || echo REDIS)
  cat > "$work/egress/$kind.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: redis-$kind}
spec:
  hosts: [redis-$kind.bench]
  addresses: [127.0.0.1]
  ports: [{number: $redis_port, name: tcp-redis-$kind, protocol: $protocol}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw-$kind}
spec:
  servers: [{port: {number: $port, name: tcp-$kind, protocol: $protocol}, hosts: [redis-$kind.bench]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-$kind}
spec:
  hosts: [redis-$kind.bench]
  gateways: [gw-$kind]
  tcp: [{route: [{destination: {host: redis-$kind.bench, port: {number: $redis_port}}}]}]
YAML
done

"$root/portcullis" run --config "$work/egress" --proxy-port 0 --gateway-address 127.0.0.1 \
  --admin "127.0.0.1:$admin_port" --access-log "$work/access.log" 2>"$work/gateway.err" &
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$admin_port/healthz/ready" >/dev/null 2>&1 && nc -z 127.0.0.1 "$sniff_port" && break
  sleep 0.2
done

run() {
  local name="$1" port="$2"
  # Warm up the JIT, then measure.
  redis-benchmark -p "$port" -n 50000 -P "$pipeline" -t set,get -q >/dev/null
  printf '%-32s ' "$name"
  redis-benchmark -p "$port" -n "$requests" -P "$pipeline" -c 50 -t set,get --csv \
    | awk -F, 'NR > 1 {gsub(/"/, ""); printf "%s %s  ", $1, $2} END {print ""}'
}
echo "redis-benchmark -n $requests -P $pipeline -c 50 (requests per second)"
run "direct" "$redis_port"
run "gateway, port declared TCP" "$tcp_port"
run "gateway, port declared REDIS" "$sniff_port"
echo
curl -fs "http://127.0.0.1:$admin_port/stats/prometheus" | grep -E '^portcullis_redis_commands_total|^portcullis_protocol_unparsed' || true
