#!/usr/bin/env bash
# Memory given back after a large reload (issue 11, defect 14): starts the gateway on a small
# configuration, reloads 50,000 ServiceEntries (in files under the 4 MiB cap), then the small
# configuration again, and prints the resident size (VmRSS) and the heap (committed, used; from
# jcmd, without forcing a GC) at each step, then the live heap after a forced full GC. Loopback
# only; bounded in time (about two minutes).
#
#   bench/memory-after-reload.sh [JAR]        JAR defaults to target/portcullis.jar
#   PORTCULLIS_JAVA_OPTS='-Xmx1g' bench/memory-after-reload.sh   compare other JVM settings
#   LAUNCHER=1 bench/memory-after-reload.sh   start through ./portcullis (its heap defaults)
#   SETTLE_SECONDS=45                          the wait between the last two measurements
#   LIVE_AT_PEAK=1                             also force a GC with the entries in force (their live size)
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

applied() { grep -c 'configuration .* applied' "$work/log" 2>/dev/null || true; }
wait_applied() {
  local want=$1
  for _ in $(seq 1 600); do
    [[ "$(applied)" -ge "$want" ]] && return 0
    sleep 0.5
  done
  echo "timed out waiting for configuration $want" >&2; tail -20 "$work/log" >&2; exit 1
}
heap() {
  # G1 prints "garbage-first heap total 69632K, used 12642K" (JDK 17) or "... total reserved 9879552K,
  # committed 45056K, used 17028K" (JDK 25); Serial/Parallel print one line a generation.
  jcmd "$pid" GC.heap_info | awk '/total/ && /used/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "total" && $(i+1) != "reserved") t += $(i+1); if ($i == "committed") t += $(i+1); if ($i == "used") u += $(i+1)
      }
    } END { printf "heap committed %5d MiB, used %5d MiB", t / 1024, u / 1024 }'
}
rss() { awk '/VmRSS/ {printf "%5d", $2 / 1024}' "/proc/$pid/status"; }
# No forced GC here: what the JVM gives back by itself is the point.
measure() { printf '%-40s RSS %s MiB   %s\n' "$1" "$(rss)" "$(heap)"; }

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
if [[ -n "${LIVE_AT_PEAK:-}" ]]; then
  # Disturbs what follows (the forced GC shrinks the heap): for the live size only.
  jcmd "$pid" GC.run >/dev/null
  measure "$entries ServiceEntries, after a full GC"
fi
rm -f "$work"/config/large-*.yaml
wait_applied 3
sleep "$settle"
measure "back to small config, ${settle}s later"
sleep "$settle"
measure "back to small config, $((2 * settle))s later"
jcmd "$pid" GC.run >/dev/null
sleep 2
measure "after a forced full GC (live heap)"
