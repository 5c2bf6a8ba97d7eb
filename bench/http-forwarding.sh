#!/usr/bin/env bash
# HTTP forwarding and TLS origination throughput: wrk against nginx directly, and through a
# plain-HTTP Gateway server of Portcullis (pooled upstream connections; TLS originated for one
# host). Not part of the test run: numbers depend on the machine and what else runs on it.
#
#   bench/http-forwarding.sh [duration] [connections]     e.g. bench/http-forwarding.sh 15s 64
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-10s}"
connections="${2:-32}"
for tool in nginx wrk openssl curl java; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (apt-get install -y nginx wrk openssl curl)" >&2; exit 1; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
http_port="$(free_port)"; https_port="$(free_port)"; gateway_port="$(free_port)"; admin_port="$(free_port)"
nginx_proxy_port="$(free_port)"

# A CA and a server certificate for tls.bench.test, so origination verifies for real.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench ca" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=tls.bench.test" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:tls.bench.test\n' > "$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/server.pem" 2>/dev/null

mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$http_port;
    listen 127.0.0.1:$https_port ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    location / { return 200 "hello from nginx\n"; }
  }
  # The same hop through nginx itself, as a reference for what one proxy costs on this machine.
  upstream origin { server 127.0.0.1:$http_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_proxy_port;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

mkdir -p "$work/config"
printf '127.0.0.1 plain.bench.test\n127.0.0.1 tls.bench.test\n' > "$work/hosts"
cat > "$work/config/bench.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: plain}
spec:
  hosts: [plain.bench.test]
  ports: [{number: $http_port, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: tls}
spec:
  hosts: [tls.bench.test]
  ports: [{number: $https_port, name: http-port-for-tls-origination, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: tls}
spec:
  host: tls.bench.test
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: $work/ca.pem}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  servers:
  - port: {number: $gateway_port, name: http, protocol: HTTP}
    hosts: [plain.bench.test, tls.bench.test]
YAML
"$root/portcullis" run --config "$work/config" --hosts-file "$work/hosts" --proxy-port 0 \
  --gateway-address 127.0.0.1 --admin "127.0.0.1:$admin_port" --allow-private 127.0.0.0/8 \
  --access-log "$work/access.log" 2> "$work/portcullis.err" &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -H "Host: tls.bench.test" "http://127.0.0.1:$gateway_port/" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -H "Host: tls.bench.test" "http://127.0.0.1:$gateway_port/" >/dev/null \
  || { echo "bench: the gateway did not come up" >&2; cat "$work/portcullis.err" >&2; exit 1; }

run() {
  local label="$1"; shift
  local out
  out="$(wrk -t2 -c"$connections" -d"$duration" "$@")"
  printf '%-50s %12s req/s   p50 %8s   p99 %8s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '/ 50%/ {print $2}' <<<"$out")" "$(awk '/ 99%/ {print $2}' <<<"$out")"
}

# Warm the JIT and the pool first; the measured runs follow.
wrk -t2 -c"$connections" -d5s -H "Host: plain.bench.test" "http://127.0.0.1:$gateway_port/" >/dev/null
wrk -t2 -c"$connections" -d5s -H "Host: tls.bench.test" "http://127.0.0.1:$gateway_port/" >/dev/null

echo "wrk -t2 -c$connections -d$duration, one small response per request ($(nproc) cores, shared with wrk and nginx)"
run "nginx direct, HTTP" --latency "http://127.0.0.1:$http_port/"
run "nginx direct, HTTPS (wrk's TLS)" --latency "https://127.0.0.1:$https_port/"
run "nginx reverse proxy -> nginx HTTP" --latency "http://127.0.0.1:$nginx_proxy_port/"
run "Portcullis HTTP gateway -> nginx HTTP" --latency -H "Host: plain.bench.test" "http://127.0.0.1:$gateway_port/"
run "Portcullis HTTP gateway -> nginx, TLS originated" --latency -H "Host: tls.bench.test" "http://127.0.0.1:$gateway_port/"
echo "upstream TLS connections the gateway holds open to nginx: $(ss -tn state established "( dport = :$https_port )" | tail -n +2 | wc -l)"
