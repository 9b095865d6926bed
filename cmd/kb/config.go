package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"kb/content"
	"kb/search"
	"kb/tickets"
)

// config is every setting of kb, from defaults, KB_* environment variables
// and flags, in that order of precedence (flags win).
type config struct {
	Content    string // content folder; "" serves the embedded example
	Data       string // derived index and the links database
	Addr       string
	DebugAddr  string // Go's profiles (net/http/pprof); empty: none
	SearchNice int    // nice value of search threads; 0: normal priority
	Theme      string // folder overriding the default theme file by file
	LogFormat  string
	LogLevel   string
	MaxSize    int64 // overrides kb.yaml max_size when positive
	// RenderBudget bounds one file's render (kb serve, kb index); 0: none.
	RenderBudget time.Duration
	MaxFiles     int // files a load takes at most; 0: content.DefaultMaxFiles

	// beforeLoad, when set, runs after kb serve's listener opens and before
	// the first load; tests hold the load there. No flag sets it.
	beforeLoad func(context.Context)

	// MemoryLimit is kb serve's soft limit on Go's memory
	// (debug.SetMemoryLimit); 0 leaves the runtime's (GOMEMLIMIT);
	// autoMemoryLimit derives it from the live heap (memoryGuard).
	MemoryLimit int64

	// kb search
	JSON   bool
	Server string // URL of a running kb to ask instead of the index on disk
	Limit  int
	Args   []string // positional arguments (the query words)

	// kb serve: ticket links
	Store          string            // PostgreSQL URL of a fleet's shared store; "": the bbolt file in Data
	APIReadToken   bool              // reads under /api/ need a token too
	WebhookSecrets map[string]string // by source, from KB_WEBHOOK_SECRET_<SOURCE>; they win over kb.yaml

	// kb serve: sign-in (off, proxy or oidc)
	Auth              string
	ProxyTrusted      string // comma-separated CIDRs of the authenticating proxy
	ProxyUserHeader   string
	ProxyGroupsHeader string
	OIDCIssuer        string
	OIDCClientID      string
	OIDCClientSecret  string // from KB_OIDC_CLIENT_SECRET only: secrets stay out of ps
	OIDCRedirectURL   string
	OIDCGroupsClaim   string
	OIDCUserClaim     string
	OIDCScopes        string // comma-separated, beyond openid profile email
	SessionKey        string // from KB_SESSION_KEY only
	SessionLifetime   time.Duration

	// kb serve: the audit trail
	AdminGroup  string // members read /reports/audit; "": kb.yaml admin_group
	AuditLimits tickets.AuditLimits

	// kb serve: live content
	Watch        bool          // reload changed files of a content folder at once
	GitRef       string        // serve the commits of this ref instead of the working tree
	PullInterval time.Duration // fetch the remote this often in git mode; 0 never

	// kb serve: hot backups of the links database under --data/backups
	BackupInterval time.Duration // 0: none
	BackupKeep     int
}

// parseConfig reads the flags of command cmd (serve, index or search); each
// command gets only the flags it uses. Every flag falls back to the
// environment variable KB_<NAME>, with dashes as underscores.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{Data: "kb-data", Addr: "127.0.0.1:8080", LogFormat: "text", LogLevel: "info", Limit: 10, Watch: true, PullInterval: time.Minute,
		BackupInterval: 6 * time.Hour, BackupKeep: 7, RenderBudget: time.Second}
	flags := flag.NewFlagSet("kb "+cmd, flag.ContinueOnError)
	flags.SetOutput(stderr)
	str := func(p *string, name, help string) {
		if v := getenv(envName(name)); v != "" {
			*p = v
		}
		flags.StringVar(p, name, *p, help+" (env "+envName(name)+")")
	}
	str(&cfg.Content, "content", "content folder of Markdown files; empty means the built-in example")
	str(&cfg.Data, "data", "folder for the search index and the links database")
	var maxSize, memLimit string
	switch cmd {
	case "serve":
		str(&cfg.Addr, "addr", "address to listen on")
		str(&cfg.DebugAddr, "debug-addr", "address to serve Go's profiles on (/debug/pprof/), e.g. 127.0.0.1:6060; empty: none")
		str(&cfg.Theme, "theme", "folder whose files override the default theme")
		str(&cfg.Store, "store", "PostgreSQL database for links, tokens and feedback shared by a fleet of replicas, postgres://user@host:5432/kb; empty: the bbolt file kb.db in --data")
		readToken, err := envBool(getenv, envName("api-read-token"))
		if err != nil {
			return cfg, err
		}
		flags.BoolVar(&cfg.APIReadToken, "api-read-token", readToken, "reads under /api/ need a token too, of any scope (env "+envName("api-read-token")+")")
		cfg.WebhookSecrets = webhookSecrets(getenv)
		cfg.Auth, cfg.ProxyUserHeader, cfg.ProxyGroupsHeader, cfg.OIDCGroupsClaim, cfg.OIDCUserClaim = "off", "X-Forwarded-User", "X-Forwarded-Groups", "groups", "email"
		str(&cfg.Auth, "auth", "sign-in: off (everyone anonymous), proxy (trusted proxy headers) or oidc (OpenID Connect)")
		str(&cfg.ProxyTrusted, "auth-proxy-trusted", "proxy sign-in: comma-separated addresses (CIDR) of the proxies whose headers count, e.g. 127.0.0.1/32")
		str(&cfg.ProxyUserHeader, "auth-proxy-user-header", "proxy sign-in: header with the user name")
		str(&cfg.ProxyGroupsHeader, "auth-proxy-groups-header", "proxy sign-in: header with the groups, comma-separated")
		str(&cfg.OIDCIssuer, "oidc-issuer", "OpenID provider's issuer URL")
		str(&cfg.OIDCClientID, "oidc-client-id", "client id registered at the provider")
		str(&cfg.OIDCRedirectURL, "oidc-redirect-url", "kb's callback as browsers reach it, https://kb.example.com/auth/callback")
		str(&cfg.OIDCGroupsClaim, "oidc-groups-claim", "ID token claim holding the list of groups")
		str(&cfg.OIDCUserClaim, "oidc-user-claim", "ID token claim naming the user (else sub)")
		str(&cfg.OIDCScopes, "oidc-scopes", "scopes to ask for beyond openid profile email, comma-separated (Dex: groups)")
		cfg.OIDCClientSecret, cfg.SessionKey = getenv("KB_OIDC_CLIENT_SECRET"), getenv("KB_SESSION_KEY")
		cfg.SessionLifetime = 8 * time.Hour
		if v := getenv(envName("session-lifetime")); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("session-lifetime"), err)
			}
			cfg.SessionLifetime = d
		}
		flags.DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "oidc sign-in: how long a session lasts (env "+envName("session-lifetime")+")")
		str(&cfg.AdminGroup, "admin-group", "group whose members read the audit trail at /reports/audit; empty: kb.yaml admin_group, else nobody")
		cfg.AuditLimits = tickets.AuditLimits{}.WithDefaults()
		if v := getenv(envName("audit-max-age")); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("audit-max-age"), err)
			}
			cfg.AuditLimits.MaxAge = d
		}
		flags.DurationVar(&cfg.AuditLimits.MaxAge, "audit-max-age", cfg.AuditLimits.MaxAge, "audit entries older than this are pruned (env "+envName("audit-max-age")+")")
		if v := getenv(envName("audit-max-entries")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("audit-max-entries"), err)
			}
			cfg.AuditLimits.MaxEntries = n
		}
		flags.IntVar(&cfg.AuditLimits.MaxEntries, "audit-max-entries", cfg.AuditLimits.MaxEntries, "audit entries kept at most; the oldest are pruned (env "+envName("audit-max-entries")+")")
		cfg.SearchNice = search.DefaultThreadNice
		if v := getenv(envName("search-nice")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("search-nice"), err)
			}
			cfg.SearchNice = n
		}
		flags.IntVar(&cfg.SearchNice, "search-nice", cfg.SearchNice, "nice value (1-19) of the threads searches run on, so pages go first; 0: searches at normal priority, for a kb sharing its scheduling group with busy work (env "+envName("search-nice")+")")
		memLimit = defaultMemoryLimit
		if getenv("GOMEMLIMIT") != "" {
			memLimit = "0" // the Go runtime's own setting wins over kb's default
		}
		str(&memLimit, "memory-limit", "soft limit on kb's memory, e.g. 512MiB; garbage is collected more often near it; auto: twice the live heap plus 64MiB, at least 256MiB, following the content as it loads and grows; 0 leaves Go's default (GOMEMLIMIT)")
		str(&cfg.GitRef, "git-ref", "serve the commits of this git ref (e.g. origin/main) instead of the working tree")
		watch, err := envBool(getenv, envName("watch"))
		if err != nil {
			return cfg, err
		}
		if getenv(envName("watch")) != "" {
			cfg.Watch = watch
		}
		flags.BoolVar(&cfg.Watch, "watch", cfg.Watch, "working-tree mode: reload changed files at once, and open pages with them (env "+envName("watch")+")")
		if v := getenv(envName("pull-interval")); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("pull-interval"), err)
			}
			cfg.PullInterval = d
		}
		flags.DurationVar(&cfg.PullInterval, "pull-interval", cfg.PullInterval, "git mode: fetch the remote this often; 0 only on the push webhook (env "+envName("pull-interval")+")")
		if v := getenv(envName("backup-interval")); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("backup-interval"), err)
			}
			cfg.BackupInterval = d
		}
		flags.DurationVar(&cfg.BackupInterval, "backup-interval", cfg.BackupInterval, "take a hot backup of the links database under --data/backups this often; 0 never (env "+envName("backup-interval")+")")
		if v := getenv(envName("backup-keep")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("backup-keep"), err)
			}
			cfg.BackupKeep = n
		}
		flags.IntVar(&cfg.BackupKeep, "backup-keep", cfg.BackupKeep, "backups kept; older ones are removed (env "+envName("backup-keep")+")")
		fallthrough
	case "index":
		str(&cfg.LogFormat, "log-format", "log format: text or json")
		str(&cfg.LogLevel, "log-level", "log level: debug, info, warn or error")
		if v := getenv(envName("render-budget")); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("render-budget"), err)
			}
			cfg.RenderBudget = d
		}
		flags.DurationVar(&cfg.RenderBudget, "render-budget", cfg.RenderBudget, "longest one file may take to render; a slower file is shown as too slow to render; 0 no bound (env "+envName("render-budget")+")")
		if v := getenv(envName("max-files")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", envName("max-files"), err)
			}
			cfg.MaxFiles = n
		}
		flags.IntVar(&cfg.MaxFiles, "max-files", content.DefaultMaxFiles, "most files (articles and attachments) a load takes; a larger folder is refused and the content loaded before is kept (env "+envName("max-files")+")")
		maxSize = getenv(envName("max-size"))
		flags.StringVar(&maxSize, "max-size", maxSize, "largest Markdown file rendered, e.g. 2MiB; overrides kb.yaml max_size (env "+envName("max-size")+")")
	case "search":
		flags.BoolVar(&cfg.JSON, "json", false, "print results as JSON, as GET /api/v1/search answers")
		str(&cfg.Server, "server", "URL of a running kb to ask, e.g. http://127.0.0.1:8080 (default: the index in --data, or the kb serving it)")
		flags.IntVar(&cfg.Limit, "limit", cfg.Limit, "number of results")
	}
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return cfg, err
	}
	cfg.Args = pos
	if cmd != "search" && len(pos) > 0 {
		return cfg, fmt.Errorf("kb %s takes no arguments, got %q", cmd, pos)
	}
	if maxSize != "" {
		n, err := content.ParseByteSize(maxSize)
		if err != nil {
			return cfg, fmt.Errorf("--max-size: %w", err)
		}
		cfg.MaxSize = n
	}
	if memLimit != "" {
		n, err := parseMemoryLimit(memLimit)
		if err != nil {
			return cfg, err
		}
		cfg.MemoryLimit = n
	}
	return cfg, cfg.validate()
}

// defaultMemoryLimit follows the content: a fixed 256MiB sat below the live
// heap at 10,000 articles (~280 MB), and the collector then never stopped
// (40% of a cold start's CPU, half of a search run's).
const defaultMemoryLimit = "auto"

// autoMemoryLimit is config.MemoryLimit for --memory-limit auto.
const autoMemoryLimit = -1

func parseMemoryLimit(s string) (int64, error) {
	switch s {
	case "0":
		return 0, nil
	case "auto":
		return autoMemoryLimit, nil
	}
	n, err := content.ParseByteSize(s)
	if err != nil {
		return 0, fmt.Errorf("--memory-limit: %w", err)
	}
	if n < 32<<20 {
		return 0, fmt.Errorf("--memory-limit %s: want auto, 0 (Go's default) or at least 32MiB", s)
	}
	return n, nil
}

func envName(flagName string) string {
	return "KB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (c config) validate() error {
	var errs []error
	if c.Content != "" {
		if info, err := os.Stat(c.Content); err != nil || !info.IsDir() {
			errs = append(errs, fmt.Errorf("--content %s: not a folder", c.Content))
		}
	}
	if c.Theme != "" {
		if info, err := os.Stat(c.Theme); err != nil || !info.IsDir() {
			errs = append(errs, fmt.Errorf("--theme %s: not a folder", c.Theme))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT, such as 127.0.0.1:8080 or :8080", c.Addr))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.PullInterval < 0 || c.PullInterval > 0 && c.PullInterval < time.Second {
		errs = append(errs, fmt.Errorf("--pull-interval %s: want 0 (off) or at least 1s", c.PullInterval))
	}
	if c.BackupInterval < 0 || c.BackupInterval > 0 && c.BackupInterval < time.Minute {
		errs = append(errs, fmt.Errorf("--backup-interval %s: want 0 (off) or at least 1m", c.BackupInterval))
	}
	if c.RenderBudget < 0 || c.RenderBudget > 0 && c.RenderBudget < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("--render-budget %s: want 0 (no bound) or at least 10ms", c.RenderBudget))
	}
	if c.MaxFiles < 0 {
		errs = append(errs, fmt.Errorf("--max-files %d: want a positive number", c.MaxFiles))
	}
	if c.BackupKeep < 1 || c.BackupKeep > 1000 {
		errs = append(errs, fmt.Errorf("--backup-keep %d: want 1 to 1000", c.BackupKeep))
	}
	if c.Store != "" && !isPostgresURL(c.Store) {
		errs = append(errs, fmt.Errorf("--store %q: want a PostgreSQL URL, postgres://user@host:5432/db (or nothing for the bbolt file in --data)", redact(c.Store)))
	}
	switch c.Auth {
	case "", "off":
	case "proxy":
		if _, err := c.trustedProxies(); err != nil {
			errs = append(errs, err)
		}
	case "oidc":
		if c.OIDCIssuer == "" || c.OIDCClientID == "" || c.OIDCRedirectURL == "" {
			errs = append(errs, errors.New("--auth oidc needs --oidc-issuer, --oidc-client-id and --oidc-redirect-url"))
		}
		if len(c.SessionKey) < 32 {
			errs = append(errs, errors.New("--auth oidc needs KB_SESSION_KEY, a secret of at least 32 bytes shared by every replica (openssl rand -base64 32)"))
		}
		if c.SessionLifetime < time.Minute {
			errs = append(errs, fmt.Errorf("--session-lifetime %s: want at least 1m", c.SessionLifetime))
		}
	default:
		errs = append(errs, fmt.Errorf("--auth %q: want off, proxy or oidc", c.Auth))
	}
	if c.GitRef != "" && c.Content == "" {
		errs = append(errs, errors.New("--git-ref needs --content: the git checkout or mirror to read commits from"))
	}
	if c.Limit < 1 || c.Limit > 100 {
		errs = append(errs, fmt.Errorf("--limit %d: want 1 to 100", c.Limit))
	}
	if c.Server != "" {
		if u, err := url.Parse(c.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--server %q: want a URL such as http://127.0.0.1:8080", c.Server))
		}
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger returns the logger of the whole program.
func newLogger(c config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel) // checked by validate
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// trustedProxies parses --auth-proxy-trusted: addresses or CIDRs.
func (c config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(c.ProxyTrusted, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("--auth-proxy-trusted %q: want addresses or CIDRs such as 127.0.0.1/32, 10.0.0.0/8", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		return nil, errors.New("--auth proxy needs --auth-proxy-trusted: the addresses of the proxies whose headers count")
	}
	return out, nil
}
