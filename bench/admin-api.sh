#!/usr/bin/env bash
# Measures the admin API against the packaged jar: the latency of one apply (a write validated as
# the whole folder, fsynced, and in force when it answers) as the folder grows, of a delete (the
# same, removing one file), of a list, and of a check.
# Usage: bench/admin-api.sh [SIZES...]   (default: 0 100 500 folder resources, one file each)
# RUNS=N sets the samples per figure (default 20). PORTCULLIS_JAR runs another build, to compare;
# PORTCULLIS_JAVA_OPTS adds JVM options (a profiler agent, another collector).
# Needs curl and target/portcullis.jar (mvn -DskipTests package). Prints one line per measure:
# median and 95th percentile of curl's time_total, in milliseconds, and the load average around it
# (on a machine shared with other work, read the check line as the floor).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${PORTCULLIS_JAR:-$root/target/portcullis.jar}"
runs="${RUNS:-20}"
sizes=("$@")
[[ $# -eq 0 ]] && sizes=(0 100 500)
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
server="http://127.0.0.1:$port"
# shellcheck disable=SC2086 # PORTCULLIS_JAVA_OPTS is a list of options
java ${PORTCULLIS_JAVA_OPTS:-} -jar "$jar" run --config "$work/egress" --proxy-address 127.0.0.1 --proxy-port 0 --admin "127.0.0.1:$port" \
  >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "$server/healthz/ready" >/dev/null; do sleep 0.2; done

entry() { # name host port
  printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: %s\nspec:\n  hosts: [%s]\n  ports: [{number: %s, name: https, protocol: HTTPS}]\n  resolution: DNS\n' "$1" "$2" "$3"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
timed() { # method path body-file -> milliseconds; fails on an HTTP error
  curl -sf -o /dev/null -w '%{time_total}\n' -X "$1" -H 'Content-Type: application/yaml' \
    ${3:+--data-binary @"$3"} "$server$2" | awk '{printf "%.1f\n", $1 * 1000}'
}
summary() { # label -> "label: median X ms, p95 Y ms (N runs)"
  sort -n | awk -v label="$1" '{a[NR]=$1} END {
    p95 = int(NR * 0.95 + 0.999); if (p95 > NR) p95 = NR
    printf "%-40s median %7.1f ms, p95 %7.1f ms (%d runs)\n", label, a[int((NR+1)/2)], a[p95], NR }'
}

have=0
for size in "${sizes[@]}"; do
  if (( size > have )); then
    : >"$work/fill.yaml"
    for ((i = have; i < size; i++)); do
      entry "fill-$i" "fill-$i.example.test" 443 >>"$work/fill.yaml"; echo '---' >>"$work/fill.yaml"
    done
    timed POST /apply "$work/fill.yaml" >/dev/null
    have=$size
    sleep 3 # past the folder's settling time, as a folder that was not just written
  fi
  # Warm-up: the JIT, and the probe resource created once.
  for ((r = 0; r < 10; r++)); do
    entry probe probe.example.test $((2000 + r)) >"$work/probe.yaml"
    timed POST /apply "$work/probe.yaml" >/dev/null
    timed GET /apis/networking.istio.io/v1/namespaces/default/serviceentries >/dev/null
  done
  echo "folder of $size, load average $(load) before"
  for ((r = 0; r < runs; r++)); do
    entry probe probe.example.test $((1000 + r)) >"$work/probe.yaml"
    timed POST /apply "$work/probe.yaml"
  done | summary "apply of 1 resource, folder of $size:"
  # Resources to delete, created in one write (so the folder holds size + runs + 1 files meanwhile).
  : >"$work/doomed.yaml"
  for ((r = 0; r < runs; r++)); do entry "doomed-$r" "doomed-$r.example.test" 443 >>"$work/doomed.yaml"; echo '---' >>"$work/doomed.yaml"; done
  timed POST /apply "$work/doomed.yaml" >/dev/null
  for ((r = 0; r < runs; r++)); do
    timed DELETE "/apis/networking.istio.io/v1/namespaces/default/serviceentries/doomed-$r"
  done | summary "delete of 1 resource, folder of $size:"
  for ((r = 0; r < runs; r++)); do timed GET /apis/networking.istio.io/v1/namespaces/default/serviceentries; done \
    | summary "list, folder of $size:"
  for ((r = 0; r < runs; r++)); do timed GET '/check?to=fill-1.example.test:80'; done \
    | summary "check, folder of $size:"
  echo "load average $(load) after"
done
