#!/bin/sh
# Runs the gateway load benchmark (loopback only, bounded: N requests per
# case and run, and each load loop also stops at 2 minutes) COUNT times and
# prints, per case, the median requests/s, p50 and p99 and the ratios to the
# direct upstream measured in the same run.
#
#   scripts/gateway-bench.sh [N] [COUNT]     # defaults: 3000 requests, 3 runs
#
# "added p99" is the case's median p99 minus direct's for the same client
# count. Extra go test flags can be passed in BENCHFLAGS (e.g. -cpuprofile).
set -eu
n=${1:-3000}
count=${2:-3}
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
go test -run '^$' -bench '^BenchmarkLoad$' -benchtime "${n}x" -count "$count" ${BENCHFLAGS:-} ./internal/gateway/ |
awk '
function median(s,    a, k, i, j, t) {
	k = split(s, a, " ")
	for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return a[int((k + 1) / 2)]
}
/^BenchmarkLoad\// {
	split($1, p, "/"); mode = p[2]; c = p[3]; sub(/-[0-9]+$/, "", c)
	key = mode "/" c
	if (!(key in seen)) { seen[key] = 1; order[++rows] = key }
	for (i = 2; i <= NF; i++) {
		if ($(i+1) == "req/s") rps[key] = rps[key] " " $i
		if ($(i+1) == "p50-µs") p50[key] = p50[key] " " $i
		if ($(i+1) == "p99-µs") p99[key] = p99[key] " " $i
	}
	next
}
{ print > "/dev/stderr" }
END {
	printf "%-5s %-13s %10s %8s %8s %9s %10s\n", "load", "case", "req/s", "p50 µs", "p99 µs", "vs direct", "added p99"
	for (i = 1; i <= rows; i++) {
		split(order[i], k, "/")
		d = k[1] "/direct"
		printf "%-5s %-13s %10.0f %8.0f %8.0f %8.0f%% %8.0f µs\n", k[1], k[2], median(rps[order[i]]), median(p50[order[i]]), median(p99[order[i]]),
			100 * median(rps[order[i]]) / median(rps[d]), median(p99[order[i]]) - median(p99[d])
	}
}'
