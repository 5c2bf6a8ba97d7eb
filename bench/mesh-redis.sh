#!/usr/bin/env bash
# Mesh mode, measured: redis-benchmark from an app network namespace to a real redis-server,
# (1) straight (run as the group the capture rules exclude), (2) captured by the sidecar and sent
# straight out (article 12), (3) captured and sent to the egress gateway over mutual TLS (12+14).
# Needs root, iproute2, iptables, redis-server, redis-tools. Prints requests per second.
#   bench/mesh-redis.sh [REQUESTS] [CLIENTS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests="${1:-100000}"
clients="${2:-50}"
ns=pc-bench-$$
net=10.238.$(( $$ % 250 + 1 ))
work="$(mktemp -d /tmp/portcullis-bench.XXXX)"
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del "pcb$$h" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/portcullis" --version >/dev/null   # builds the jar when needed
ip netns add "$ns"
ip link add "pcb$$h" type veth peer name "pcb$$a" netns "$ns"
ip addr add "$net.1/24" dev "pcb$$h"; ip link set "pcb$$h" up
ip netns exec "$ns" ip addr add "$net.2/24" dev "pcb$$a"
ip netns exec "$ns" ip link set "pcb$$a" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip route add default via "$net.1"

redis-server --port 16379 --bind "$net.1" --protected-mode no --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

"$root/portcullis" ca init --dir "$work/ca" >/dev/null
"$root/portcullis" ca issue --dir "$work/ca" --out "$work/gw" \
  --spiffe spiffe://cluster.local/ns/istio-system/sa/istio-egressgateway-service-account >/dev/null
"$root/portcullis" ca issue --dir "$work/ca" --out "$work/app" --spiffe spiffe://cluster.local/ns/bench/sa/app >/dev/null
chgrp 1337 "$work/app/key.pem" && chmod 640 "$work/app/key.pem"
echo "$net.1 istio-egressgateway.istio-system.svc.cluster.local" >"$work/hosts"
mkdir -p "$work/direct" "$work/mesh"
cat >"$work/direct/redis.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: redis}
spec:
  hosts: [redis.domain]
  addresses: [$net.1]
  ports: [{number: 16379, name: tcp-redis, protocol: TCP}]
YAML
cat "$work/direct/redis.yaml" >"$work/mesh/redis.yaml"
cat >>"$work/mesh/redis.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: [redis.domain]
    tls: {mode: ISTIO_MUTUAL}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egressgateway}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL, sni: redis.domain}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: redis-through-egress-gateway}
spec:
  hosts: [redis.domain]
  gateways: [mesh, istio-system/istio-egressgateway]
  tcp:
  - match: [{gateways: [mesh], port: 16379}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 15443}}}]
  - match: [{gateways: [istio-system/istio-egressgateway], port: 15443}]
    route: [{destination: {host: redis.domain, port: {number: 16379}}}]
YAML

"$root/portcullis" run --config "$work/mesh" --mesh-certs "$work/gw" --gateway-address "$net.1" --proxy-port 0 \
  --admin 127.0.0.1:0 --access-log /dev/null 2>"$work/gateway.log" &
pids+=($!)
"$root/portcullis" capture --netns "$ns" --proxy-gid 1337 >/dev/null

bench() {
  ip netns exec "$ns" "$@" redis-benchmark -h "$net.1" -p 16379 -n "$requests" -c "$clients" -t set,get -q \
    | tr '\r' '\n' | grep 'requests per second' | sed 's/^/    /'
}
sidecar() {
  ip netns exec "$ns" setpriv --regid 1337 --clear-groups -- java -jar "$root/target/portcullis.jar" run --role sidecar \
    --config "$1" --mesh-certs "$work/app" --hosts-file "$work/hosts" --admin 127.0.0.1:0 --access-log /dev/null \
    2>"$work/sidecar.log" &
  pids+=($!)
  until grep -q "capture listener on" "$work/sidecar.log"; do sleep 0.2; done
  sleep 1
}

sleep 3
echo "redis-benchmark -n $requests -c $clients, requests per second"
echo "  direct (not captured):"
bench setpriv --regid 1337 --clear-groups --
sidecar "$work/direct"
echo "  through the sidecar, straight out (article 12):"
bench
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
sidecar "$work/mesh"
echo "  through the sidecar and the egress gateway over mutual TLS (12+14):"
bench
