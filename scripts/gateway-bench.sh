#!/bin/sh
# Runs the gateway load benchmark (loopback only, bounded: N requests per
# case, and each load loop also stops at 2 minutes) and prints requests/s,
# p50/p99 and the ratios to the direct upstream measured in the same run.
#
#   scripts/gateway-bench.sh [N]      # N requests per case, default 3000
#
# "added p99" is the case's p99 minus direct's p99 for the same client
# count. Extra go test flags can be passed in BENCHFLAGS (e.g. -cpuprofile).
set -eu
n=${1:-3000}
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
go test -run '^$' -bench '^BenchmarkLoad$' -benchtime "${n}x" -count 1 ${BENCHFLAGS:-} ./internal/gateway/ |
awk '
/^BenchmarkLoad\// {
	split($1, p, "/"); mode = p[2]; c = p[3]; sub(/-[0-9]+$/, "", c)
	for (i = 2; i <= NF; i++) {
		if ($(i+1) == "req/s") rps = $i
		if ($(i+1) == "p50-µs") p50 = $i
		if ($(i+1) == "p99-µs") p99 = $i
	}
	if (c == "direct") { drps[mode] = rps; dp99[mode] = p99 }
	row[++rows] = sprintf("%s\t%s\t%s\t%s\t%s", mode, c, rps, p50, p99)
	next
}
{ print > "/dev/stderr" }
END {
	printf "%-5s %-13s %10s %8s %8s %9s %10s\n", "load", "case", "req/s", "p50 µs", "p99 µs", "vs direct", "added p99"
	for (i = 1; i <= rows; i++) {
		split(row[i], f, "\t")
		printf "%-5s %-13s %10.0f %8.0f %8.0f %8.0f%% %8.0f µs\n", f[1], f[2], f[3], f[4], f[5], 100 * f[3] / drps[f[1]], f[5] - dp99[f[1]]
	}
}'
