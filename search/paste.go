package search

import (
	"regexp"
	"strings"
	"unicode"

	"kb/word"
)

// Pasted text (ranking rule 5). An engineer pastes a log line, an event or
// an error message as it came: it holds quotes that are not meant as
// phrases, and noise that no runbook shares (addresses, ports, ids, hashes,
// timestamps, counters). kb reads such a query as words, drops the noise
// and lets the words of log formats (ts, level, msg) weigh little. The keys
// of key=value pairs are words like the others: timeout=5s, reason=...,
// failed_step=... name what went wrong as often as the values do.

const (
	pastedWords   = 6   // a query of this many words or more may be pasted text
	longQuery     = 12  // a query of this many words is read as pasted in any case
	logWordWeight = 0.3 // a word of log formats (ts, level, msg) in pasted text
)

// isPasted reports whether p reads as pasted text rather than typed words:
// quotes glued to the words around them (msg="...", -n "ns": ...), a long
// query, or one of pastedWords words or more with noise or key=value pairs.
func isPasted(p parsed) bool {
	n, noisy, structured := 0, false, false
	for _, it := range p.items {
		if !it.phrase && strings.Contains(it.text, "=") {
			structured = true
		}
		for _, t := range word.Tokens(it.text) {
			n++
			if isNoise(t) {
				noisy = true
			}
		}
	}
	return p.glued && n >= 3 || n >= longQuery || n >= pastedWords && (noisy || structured)
}

// isNoise reports whether a token of pasted text is noise: a number longer
// than a status or exit code, an address or version (dotted numbers), a
// hexadecimal id or hash, or a token made mostly of digits (timestamps such
// as 2024-06-30T04, log prefixes such as E0802). Short numbers (404, 137)
// and words with a digit (x509, k8s, ipv4, 5xx) are not noise.
func isNoise(tok string) bool {
	letters, digits, hexOnly := 0, 0, true
	for _, r := range tok {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
			if !strings.ContainsRune("abcdefABCDEF", r) {
				hexOnly = false
			}
		}
	}
	switch {
	case digits == 0:
		return false
	case letters == 0:
		return digits > 3 || strings.ContainsAny(tok, ".:")
	case strings.HasPrefix(tok, "0x") || strings.HasPrefix(tok, "0X"):
		return true
	case hexOnly && letters+digits >= 6:
		return true
	}
	return letters+digits >= 5 && digits*2 >= letters+digits
}

// noiseParts drops the noisy parts of an identifier from pasted text: the
// hash and random suffix of a pod name (worker-5f8d9c7b6-x2kqz), the numbers
// of an address. It returns the parts that remain.
func noiseParts(parts []string) []string {
	out := parts[:0:0]
	for _, p := range parts {
		if !isNoise(p) && !isRandomSuffix(p) {
			out = append(out, p)
		}
	}
	return out
}

// isRandomSuffix reports whether s looks like the random suffix Kubernetes
// gives generated names: five characters of its alphabet, which has no
// vowels, with a digit or no vowel-like letters at all.
func isRandomSuffix(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("bcdfghjklmnpqrstvwxz2456789", r) {
			return false
		}
	}
	return true
}

// isLogWord reports whether w is a word of log formats rather than of the
// message: the common keys of structured logs and the log levels below
// error. In pasted text they weigh logWordWeight.
func isLogWord(w string) bool {
	switch strings.ToLower(w) {
	case "ts", "time", "level", "lvl", "caller", "msg", "logger", "component",
		"trace", "debug", "info", "notice", "warn", "warning":
		return true
	}
	return false
}

// dateTimeRE matches the dates and times of log lines in the common formats
// (rule log-dates): ISO and slashed dates with their time (2022-02-01
// 03:12:55.201, 2022/02/08 10:22:31), syslog's and Redis's month names with
// a day (Feb 07, 08 Feb 2022), a time alone (11:50:13, klog's
// 07:51:12.340512) and the zone after it.
var dateTimeRE = regexp.MustCompile(`(?i)` +
	`\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[t ]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:z|[+-]\d{2}:?\d{2})?(?:\s+(?:utc|gmt)\b)?)?` +
	`|\b(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?` + months + `\.?\s+\d{1,2}\b(?:,?\s+\d{4}\b)?` +
	`|\b\d{1,2}\s+` + months + `\.?(?:\s+\d{4}\b)?` +
	`|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:z|[+-]\d{2}:?\d{2})?(?:\s+(?:utc|gmt)\b)?`)

const months = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`

// dateTimes returns the byte ranges of text's dates and times: in pasted
// text they are noise, however a log format writes them, down to the
// minutes and seconds no runbook shares.
func dateTimes(text string) [][]int {
	if !strings.ContainsFunc(text, unicode.IsDigit) {
		return nil
	}
	return dateTimeRE.FindAllStringIndex(text, -1)
}

// inRanges reports whether [start, end) lies inside one of rs.
func inRanges(rs [][]int, start, end int) bool {
	for _, r := range rs {
		if start >= r[0] && end <= r[1] {
			return true
		}
	}
	return false
}

// isSmallNumber reports whether t is a number of one or two digits: in
// pasted text a counter, an index, a line or exit code, which every log
// line has and no runbook names.
func isSmallNumber(t string) bool {
	return len(t) <= 2 && strings.TrimFunc(t, unicode.IsDigit) == ""
}
