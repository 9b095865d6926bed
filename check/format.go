package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats lists the output formats of Write.
var Formats = []string{"text", "json", "github"}

// Write prints findings in format: "text" (one "path:line: level: message"
// per line), "json" (an array of findings) or "github" (GitHub Actions
// workflow commands, which annotate the files of a pull request).
func Write(w io.Writer, format string, findings []Finding) error {
	var err error
	switch format {
	case "text":
		for _, f := range findings {
			if _, err = fmt.Fprintln(w, f.String()); err != nil {
				break
			}
		}
	case "json":
		if findings == nil {
			findings = []Finding{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(findings)
	case "github":
		for _, f := range findings {
			if _, err = fmt.Fprintln(w, github(f)); err != nil {
				break
			}
		}
	default:
		return fmt.Errorf("unknown format %q: want %s", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write findings: %w", err)
	}
	return nil
}

// github formats f as a workflow command: ::error file=F,line=L,title=T::M.
func github(f Finding) string {
	cmd := map[Level]string{Error: "error", Warning: "warning", Info: "notice"}[f.Level]
	if cmd == "" {
		cmd = "notice"
	}
	var props []string
	if f.Path != "" {
		props = append(props, "file="+githubProperty(f.Path))
		if f.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Line))
		}
	}
	props = append(props, "title="+githubProperty("kb check: "+string(f.Kind)))
	return "::" + cmd + " " + strings.Join(props, ",") + "::" + githubData(f.Message)
}

// githubData escapes a workflow command's message.
func githubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubProperty escapes a workflow command's property value.
func githubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
