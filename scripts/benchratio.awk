# Reads `go test -bench` output and prints, for every benchmark with "kb" and
# "bare" sub-benchmarks, the mean time of each and their ratio (kb / bare).
# Used by `make bench`, since ratios measured in one run survive noisy machines.
/^Benchmark/ && / ns\/op/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	n = split(name, parts, "/"); variant = parts[n]
	group = substr(name, 1, length(name) - length(variant) - 1)
	for (i = 3; i <= NF; i++) if ($(i) == "ns/op") { sum[group, variant] += $(i-1); cnt[group, variant]++ }
	groups[group] = 1
	for (i = 3; i <= NF; i++) if ($(i) == "ratio") { own[name] = own[name] " " $(i-1) }
}
{ print }
END {
	print ""
	print "ratios (kb / bare, mean ns/op; < 1 is faster than the baseline):"
	for (g in groups) {
		if (cnt[g, "kb"] && cnt[g, "bare"]) {
			kb = sum[g, "kb"] / cnt[g, "kb"]; bare = sum[g, "bare"] / cnt[g, "bare"]
			printf "  %-50s kb %12.0f ns  bare %12.0f ns  ratio %.2fx\n", g, kb, bare, kb / bare
		}
	}
	# benchmarks that measure their own ratio (BenchmarkPagesUnderSearchAbuse: abused / idle page p99)
	for (b in own) printf "  %-50s ratio per run:%s\n", b, own[b]
}
