#!/usr/bin/env bash
# Memory given back after a large reload (issue 11, defect 14): starts the gateway on a small
# configuration, reloads 50,000 ServiceEntries (in files under the 4 MiB cap), then the small
# configuration again, and prints the resident size (VmRSS) and the live heap (after a full GC,
# from jcmd) at each step. Loopback only; bounded in time (about two minutes).
#
#   bench/memory-after-reload.sh [JAR]        JAR defaults to target/portcullis.jar
#   PORTCULLIS_JAVA_OPTS='-Xmx1g' bench/memory-after-reload.sh   compare other JVM settings
#   LAUNCHER=1 bench/memory-after-reload.sh   start through ./portcullis (its heap defaults)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${1:-$root/target/portcullis.jar}"
entries="${ENTRIES:-50000}"
settle="${SETTLE_SECONDS:-30}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/config"

small() {
  cat > "$work/config/small.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: small}
spec:
  hosts: [small.example]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
YAML
}

large() {
  python3 - "$work/config" "$entries" <<'PY'
import sys
folder, n = sys.argv[1], int(sys.argv[2])
per_file = 5000
for f in range(0, n, per_file):
    with open(f"{folder}/.large-{f}.yaml", "w") as out:
        for i in range(f, min(n, f + per_file)):
            out.write(f"""apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: se-{i}}}
spec:
  hosts: [host-{i}.example.com, "*.w{i}.example.org"]
  addresses: [10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32]
  ports: [{{number: 443, name: tls, protocol: TLS}}, {{number: 80, name: http, protocol: HTTP}}]
  resolution: NONE
---
""")
PY
  # Dot files are ignored by the folder source: rename them into place at once.
  for f in "$work"/config/.large-*.yaml; do mv "$f" "$work/config/${f##*/.}"; done
}

applied() { grep -c 'configuration .* applied' "$work/log" || true; }
wait_applied() {
  local want=$1
  for _ in $(seq 1 600); do
    [[ "$(applied)" -ge "$want" ]] && return 0
    sleep 0.5
  done
  echo "timed out waiting for configuration $want" >&2; tail -20 "$work/log" >&2; exit 1
}
measure() {
  local label=$1 rss live committed
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
  jcmd "$pid" GC.run >/dev/null
  live=$(jcmd "$pid" GC.heap_info | awk '/garbage-first heap|def new generation|total/ && /used/ {for(i=1;i<=NF;i++) if ($i=="used") {print $(i+1); exit}}')
  committed=$(jcmd "$pid" GC.heap_info | awk '/garbage-first heap|total/ {for(i=1;i<=NF;i++) if ($i=="total") {print $(i+1); exit}}')
  printf '%-34s RSS %6s MiB   heap used after full GC %8s   heap committed %8s\n' "$label" "$rss" "$live" "$committed"
}

small
if [[ -n "${LAUNCHER:-}" ]]; then
  "$root/portcullis" run --config "$work/config" --proxy-port 0 --admin 127.0.0.1:0 >"$work/log" 2>&1 &
else
  java ${PORTCULLIS_JAVA_OPTS:-} -jar "$jar" run --config "$work/config" --proxy-port 0 --admin 127.0.0.1:0 \
    >"$work/log" 2>&1 &
fi
pid=$!
wait_applied 1
# The launcher execs java: the pid stays the JVM's.
echo "JVM: $(tr '\0' ' ' < /proc/$pid/cmdline | cut -c1-200)"
sleep 3
measure "small config, at start"
large
wait_applied 2
measure "$entries ServiceEntries applied"
rm -f "$work"/config/large-*.yaml
wait_applied 3
sleep "$settle"
measure "back to small config, ${settle}s later"
sleep "$settle"
measure "back to small config, $((2 * settle))s later"
