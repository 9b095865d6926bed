// Command tornpages fetches one page again and again for a while and checks
// that every answer is whole: the page's two version markers (written at the
// top and the bottom of the article by scripts/bench-live.sh) must agree, and
// no answer may be a 5xx. It prints the counts and exits 1 on any fault.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"time"
)

var marker = regexp.MustCompile(`live-marker-(top|bottom)-(\d+)`)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tornpages URL DURATION")
		os.Exit(2)
	}
	dur, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tornpages:", err)
		os.Exit(2)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var pages, torn, errs, versions int
	last := ""
	for end := time.Now().Add(dur); time.Now().Before(end); {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, os.Args[1], nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tornpages:", err)
			os.Exit(2)
		}
		res, err := client.Do(req)
		if err != nil {
			errs++
			continue
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode >= 500 {
			errs++
			continue
		}
		pages++
		m := marker.FindAllStringSubmatch(string(body), -1)
		if len(m) != 2 || m[0][1] != "top" || m[1][1] != "bottom" || m[0][2] != m[1][2] {
			torn++
			continue
		}
		if m[0][2] != last {
			versions++
			last = m[0][2]
		}
	}
	fmt.Printf("pages %d, versions seen %d, torn %d, errors or 5xx %d\n", pages, versions, torn, errs)
	if torn > 0 || errs > 0 {
		os.Exit(1)
	}
}
