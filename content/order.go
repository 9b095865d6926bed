package content

// SeverityRank orders severities for scanning a list of runbooks: critical
// first, then warnings, then informational ones, then names kb does not
// know, then none.
func SeverityRank(severity string) int {
	switch severity {
	case "critical", "page", "high":
		return 0
	case "warning", "warn", "medium":
		return 1
	case "info", "low", "ticket":
		return 2
	case "":
		return 4
	}
	return 3
}

// TypeRank orders article types in a list: runbooks before articles.
func TypeRank(t Type) int {
	if t == TypeRunbook {
		return 0
	}
	return 1
}
