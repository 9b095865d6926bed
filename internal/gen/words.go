package gen

// Word lists the generator draws from. They are functions, not variables,
// so nothing in the package is mutable.

func services() []string {
	return []string{
		"etcd", "postgres", "mysql", "redis", "kafka", "rabbitmq", "nginx", "envoy", "haproxy", "coredns",
		"prometheus", "alertmanager", "grafana", "loki", "tempo", "jaeger", "elasticsearch", "opensearch",
		"cassandra", "mongodb", "zookeeper", "consul", "vault", "minio", "ceph", "keycloak", "istio",
		"linkerd", "argocd", "jenkins", "gitlab", "harbor", "registry", "memcached", "clickhouse",
		"spark", "airflow", "flink", "kubelet", "apiserver", "scheduler", "ingress", "certmanager",
		"payments", "checkout", "catalog", "search", "billing", "auth", "gateway", "notifications",
		"ledger", "inventory", "shipping", "pricing", "recommendations", "sessions", "uploads", "webhooks",
	}
}

func components() []string {
	return []string{
		"Api", "Worker", "Consumer", "Producer", "Replica", "Primary", "Leader", "Proxy", "Cache",
		"Queue", "Disk", "Memory", "Cpu", "Network", "Certificate", "Connection", "Pool", "Shard",
		"Index", "Job", "Cron", "Backup", "Snapshot", "Wal", "Compaction", "Replication", "Scrape",
		"Target", "Endpoint", "Pod", "Node", "Volume", "Ingress", "Dns", "Tls", "Lock", "Thread",
	}
}

func conditions() []string {
	return []string{
		"Down", "High", "Errors", "LatencyHigh", "Saturated", "Lagging", "Failing", "Flapping",
		"NotReady", "Unreachable", "Full", "FillingUp", "Expiring", "Throttled", "Stuck", "Missing",
		"Degraded", "TooMany", "Restarting", "OutOfSync", "Slow", "Timeouts", "Rejected", "Exhausted",
	}
}

func symptoms() []string {
	return []string{
		"is down", "responds slowly", "returns errors", "is lagging behind", "is out of disk space",
		"runs out of memory", "keeps restarting", "cannot reach its peers", "rejects connections",
		"has too many open connections", "fails health checks", "drops messages", "loses its leader",
		"serves stale data", "times out", "is throttled", "fills its queue", "cannot renew its certificate",
		"fails to start", "is stuck in a crash loop", "spikes in latency", "corrupts its index",
	}
}

func errorLines() []string {
	return []string{
		"dial tcp %s:%d: i/o timeout",
		"dial tcp %s:%d: connect: connection refused",
		"x509: certificate has expired or is not yet valid",
		"x509: certificate signed by unknown authority",
		"context deadline exceeded",
		"no space left on device",
		"too many open files",
		"nf_conntrack: table full, dropping packet",
		"OOMKilled",
		"CrashLoopBackOff",
		"FATAL: sorry, too many clients already",
		"ERROR: deadlock detected",
		"read: connection reset by peer",
		"upstream connect error or disconnect/reset before headers",
		"etcdserver: request timed out",
		"rpc error: code = Unavailable desc = transport is closing",
		"java.lang.OutOfMemoryError: Java heap space",
		"SIGSEGV: segmentation violation",
		"502 Bad Gateway",
		"503 Service Unavailable",
	}
}

func tags() []string {
	return []string{
		"database", "network", "storage", "tls", "kubernetes", "queue", "cache", "observability",
		"security", "latency", "capacity", "backups", "dns", "memory", "cpu", "disk", "on-call",
		"incident", "migration", "performance", "control-plane", "ingress", "logging", "alerting",
	}
}

func areas() []string {
	return []string{"platform", "data", "networking", "security", "observability", "payments", "storage", "developer-experience"}
}

// prose is common English and operations vocabulary, most frequent first;
// the generator draws from it with a Zipf distribution, as real text does.
func prose() []string {
	return []string{
		"the", "to", "and", "of", "a", "in", "is", "it", "that", "for", "on", "with", "be", "this", "if", "as",
		"are", "or", "check", "not", "can", "when", "service", "from", "by", "at", "all", "an", "will", "cluster",
		"node", "pod", "logs", "after", "should", "then", "one", "more", "new", "time", "request", "requests",
		"error", "errors", "restart", "memory", "disk", "network", "connection", "connections", "traffic",
		"latency", "queue", "alert", "alerts", "metrics", "dashboard", "config", "configuration", "deploy",
		"deployment", "version", "rollback", "release", "replica", "replicas", "leader", "primary", "secondary",
		"timeout", "timeouts", "retry", "retries", "limit", "limits", "quota", "usage", "capacity", "load",
		"cpu", "threads", "pool", "cache", "storage", "volume", "backup", "restore", "snapshot", "index",
		"table", "query", "queries", "transaction", "lock", "locks", "consumer", "producer", "partition",
		"offset", "topic", "message", "messages", "shard", "shards", "upstream", "downstream", "proxy",
		"gateway", "ingress", "certificate", "expiry", "renewal", "dns", "resolver", "firewall", "route",
		"packet", "packets", "bandwidth", "throughput", "saturation", "throttling", "scaling", "autoscaler",
		"scheduler", "container", "image", "registry", "secret", "token", "credentials", "permissions",
		"namespace", "label", "labels", "selector", "probe", "readiness", "liveness", "health", "status",
		"events", "incident", "customer", "customers", "impact", "degraded", "outage", "page", "escalate",
		"owner", "team", "runbook", "mitigation", "diagnosis", "cause", "root", "symptom", "investigate",
		"verify", "confirm", "increase", "decrease", "reduce", "raise", "drain", "cordon", "evict", "scale",
		"failover", "promote", "demote", "compact", "defragment", "vacuum", "rebalance", "replay", "flush",
		"stale", "slow", "fast", "high", "low", "full", "empty", "missing", "broken", "healthy", "unhealthy",
		"usually", "often", "rarely", "first", "last", "before", "during", "while", "until", "because",
		"which", "where", "what", "how", "why", "there", "their", "other", "some", "any", "each", "every",
		"most", "many", "few", "small", "large", "old", "recent", "current", "previous", "next", "same",
		"different", "specific", "common", "critical", "warning", "minutes", "hours", "seconds", "day",
		"week", "percent", "rate", "ratio", "budget", "objective", "threshold", "window", "burn", "spike",
		"peak", "baseline", "trend", "graph", "panel", "exporter", "scrape", "target", "endpoint", "port",
		"host", "instance", "machine", "kernel", "sysctl", "process", "file", "files", "descriptor",
		"inode", "filesystem", "mount", "partition", "raid", "controller", "operator", "resource", "manifest",
		"chart", "helm", "terraform", "pipeline", "build", "artifact", "migration", "schema", "column", "row",
		"vacuuming", "bloat", "wal", "replication", "lag", "slot", "archive", "segment", "checkpoint",
		"compaction", "eviction", "expiration", "keys", "hotkey", "memtable", "sstable", "tombstone",
		"heap", "garbage", "collection", "pause", "jvm", "goroutine", "deadlock", "contention", "mutex",
		"handshake", "cipher", "chain", "authority", "issuer", "mtls", "sidecar", "mesh", "envoy",
		"circuit", "breaker", "backoff", "jitter", "idempotent", "batch", "cron", "schedule", "window",
		"maintenance", "upgrade", "downgrade", "patch", "hotfix", "feature", "flag", "canary", "blue",
		"green", "traffic", "shift", "weight", "region", "zone", "datacenter", "failover", "dr", "rpo", "rto",
	}
}
