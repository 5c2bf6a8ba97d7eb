#!/usr/bin/env bash
# Measures the admin API against the packaged jar: the latency of one apply (a write validated as
# the whole folder, fsynced, and in force when it answers) as the folder grows, of a list, and of
# a check. Usage: bench/admin-api.sh [SIZES...]   (default: 0 100 500 folder resources)
# Needs curl and target/portcullis.jar (mvn -DskipTests package), or PORTCULLIS_JAR. Prints one line per measure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${PORTCULLIS_JAR:-$root/target/portcullis.jar}"  # PORTCULLIS_JAR: another build, to compare
sizes=("$@")
[[ $# -eq 0 ]] && sizes=(0 100 500)
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
server="http://127.0.0.1:$port"
java -jar "$jar" run --config "$work/egress" --proxy-address 127.0.0.1 --proxy-port 0 --admin "127.0.0.1:$port" \
  >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "$server/healthz/ready" >/dev/null; do sleep 0.2; done

entry() { # name host port
  printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: %s\nspec:\n  hosts: [%s]\n  ports: [{number: %s, name: https, protocol: HTTPS}]\n  resolution: DNS\n' "$1" "$2" "$3"
}
timed() { # method path body-file -> seconds
  curl -s -o /dev/null -w '%{time_total}\n' -X "$1" -H 'Content-Type: application/yaml' \
    ${3:+--data-binary @"$3"} "$server$2"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

have=0
for size in "${sizes[@]}"; do
  if (( size > have )); then
    : >"$work/fill.yaml"
    for ((i = have; i < size; i++)); do
      entry "fill-$i" "fill-$i.example.test" 443 >>"$work/fill.yaml"; echo '---' >>"$work/fill.yaml"
    done
    timed POST /apply "$work/fill.yaml" >/dev/null
    have=$size
  fi
  for ((r = 0; r < 20; r++)); do
    entry probe probe.example.test $((1000 + r)) >"$work/probe.yaml"
    timed POST /apply "$work/probe.yaml"
  done | median | xargs printf 'apply of 1 resource, folder of %4d: median %ss (20 runs)\n' "$size"
  for ((r = 0; r < 20; r++)); do timed GET /apis/networking.istio.io/v1/namespaces/default/serviceentries; done \
    | median | xargs printf 'list, folder of %4d:               median %ss (20 runs)\n' "$size"
  for ((r = 0; r < 20; r++)); do timed GET '/check?to=fill-1.example.test:80'; done \
    | median | xargs printf 'check, folder of %4d:              median %ss (20 runs)\n' "$size"
done
