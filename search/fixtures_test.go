package search

import "kb/content"

// fixtures is a small knowledge base for unit tests: a few runbooks with and
// without front matter, and articles.
func fixtures() []*content.Article {
	return []*content.Article{
		art("runbooks/kubernetes/KubePodCrashLooping.md", `# KubePodCrashLooping
## Meaning
A pod is in CrashLoopBackOff: its container exits and the kubelet keeps restarting it.
## Diagnosis
Look at the previous logs with `+"`kubectl logs --previous $POD`"+` and the events with `+"`kubectl describe pod $POD`"+`.
## Mitigation
Fix the configuration or roll back the deployment.`, withFront("Kube Pod Crash Looping", "", nil, nil)),

		art("runbooks/etcd/etcdNoLeader.md", `# etcdNoLeader
## Meaning
The etcd cluster has no leader: members cannot elect one, usually after losing quorum.
## Diagnosis
The etcd logs say `+"`etcdserver: no leader`"+`. Check the network between members.`),

		art("runbooks/etcd/etcdHighFsyncDurations.md", `# etcdHighFsyncDurations
## Meaning
The 99th percentile of WAL fsync is too high: the disk under etcd is slow.
## Mitigation
Move etcd to faster disks.`),

		art("runbooks/node/conntrack-full.md", `# Connection tracking table is full
## Meaning
The kernel logs `+"`nf_conntrack: table full, dropping packet`"+` and new connections fail.
## Mitigation
Raise `+"`net.netfilter.nf_conntrack_max`"+` with sysctl.`,
			withFront("", "node", []string{"NodeHighNumberConntrackEntriesUsed"}, []string{"network", "kernel"})),

		art("runbooks/network/upstream-timeout.md", `# Upstream connections time out
## Meaning
Clients log `+"`dial tcp 10.0.0.1:443: i/o timeout`"+` when calling the upstream service.
## Diagnosis
Check the network policy and the firewall between the namespaces.`,
			withFront("", "gateway", []string{"UpstreamConnectTimeouts"}, []string{"network"})),

		art("runbooks/tls/certificate-expired.md", `# TLS certificate expired
## Meaning
Clients fail with `+"`x509: certificate has expired or is not yet valid`"+`.
## Mitigation
Renew the certificate with cert-manager and restart the ingress.`,
			withFront("", "ingress", []string{"CertificateExpiringSoon"}, []string{"tls", "certificates"}),
			withSummary("A served certificate expired; renew it.")),

		art("runbooks/kubernetes/container-oom.md", `# Container killed for using too much memory
## Meaning
The container status says OOMKilled: it used more memory than its limit.
## Mitigation
Raise the memory limit or fix the leak.`,
			withFront("", "", []string{"KubeContainerOOMKilled"}, []string{"memory"})),

		art("runbooks/general/Watchdog.md", `# Watchdog
## Meaning
An alert that always fires, to prove the alerting pipeline works end to end.`),

		art("articles/etcd/backups.md", `# Backing up etcd
How we take etcd snapshots every hour and restore them after losing a leader for good.`,
			withFront("", "etcd", nil, []string{"backups"})),

		art("articles/postgres/vacuum.md", `# How autovacuum works
Autovacuum removes dead tuples; long transactions hold it back.`,
			withFront("", "postgres", nil, []string{"database"})),

		art("articles/security/escaping.md", `# Escaping in templates
Never write <script>alert(1)</script> into a page; templates escape & quote everything.`),
	}
}
