package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type common struct {
	Addr   string        `env:"ADDR" default:":9000"`
	Secret string        `env:"SECRET" secret:"true"`
	DB     string        `env:"DATABASE_URL" secret:"true"`
	Wait   time.Duration `env:"WAIT" default:"5s"`
}

type svc struct {
	common
	Common   common
	Peers    []string `env:"PEERS"`
	Debug    bool     `env:"DEBUG" default:"false"`
	Required string   `env:"NEEDED" required:"true"`
	N        int      `env:"N" default:"3"`
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadFromDefaultsAndOverrides(t *testing.T) {
	var c svc
	err := LoadFrom(&c, env(map[string]string{
		"NEEDED": "x", "WAIT": "250ms", "PEERS": "a, b,,c", "DEBUG": "true",
		"DATABASE_URL": "postgres://u:pw@db:5432/x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Common.Addr != ":9000" || c.Common.Wait != 250*time.Millisecond || !c.Debug || c.N != 3 {
		t.Fatalf("unexpected config %+v", c)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, c.Peers); diff != "" {
		t.Fatalf("peers (-want +got):\n%s", diff)
	}
	logged := LogValue(&c).String()
	if strings.Contains(logged, "pw") {
		t.Fatalf("secret leaked in %s", logged)
	}
	if !strings.Contains(logged, "db:5432") {
		t.Fatalf("masked URL lost its host: %s", logged)
	}
	// The start line of a process: a JSON log shows durations as written,
	// not as nanoseconds (EVENT_RETENTION 604800000000000).
	var line strings.Builder
	slog.New(slog.NewJSONHandler(&line, nil)).Info("starting", slog.Any("config", LogValue(c)))
	if !strings.Contains(line.String(), `"WAIT":"250ms"`) {
		t.Errorf("start line: %s", line.String())
	}
}

func TestLoadFromReportsEveryProblem(t *testing.T) {
	var c svc
	err := LoadFrom(&c, env(map[string]string{"WAIT": "soon", "N": "many"}))
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"WAIT", "N:", "NEEDED is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// An operator's mistake in a number or a duration (a negative interval, a
// pool size beyond its type, NaN) is a start error naming the variable,
// never a value a ticker or a pool panics on later.
func TestLoadFromRefusesImpossibleNumbers(t *testing.T) {
	type numbers struct {
		Interval time.Duration `env:"SCAN_INTERVAL" default:"15s"`
		Flush    time.Duration `env:"FLUSH" default:"30s" min:"1ms"`
		Conns    int32         `env:"DB_MAX_CONNS" default:"0"`
		Workers  int           `env:"WORKERS" default:"4"`
		Rate     float64       `env:"RATE" default:"1"`
		TTL      time.Duration `env:"TTL" default:"30s" min:"1s" max:"30s"`
		Level    string        `env:"LOG_LEVEL" default:"info" oneof:"debug,info,warn,error"`
	}
	for _, tc := range []struct {
		name, env, value string
	}{
		{"negative duration", "SCAN_INTERVAL", "-5s"},
		{"negative int", "WORKERS", "-1"},
		{"negative float", "RATE", "-0.5"},
		{"not a number", "RATE", "NaN"},
		{"beyond int32", "DB_MAX_CONNS", "3000000000"},
		{"below its minimum", "FLUSH", "0s"},
		{"above its maximum", "TTL", "31s"},
		{"unknown word", "LOG_LEVEL", "verbose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c numbers
			err := LoadFrom(&c, env(map[string]string{tc.env: tc.value}))
			if err == nil {
				t.Fatalf("%s=%s loaded as %+v, want an error", tc.env, tc.value, c)
			}
			if !strings.Contains(err.Error(), tc.env+":") {
				t.Fatalf("error %q does not name %s", err, tc.env)
			}
		})
	}
	var c numbers
	if err := LoadFrom(&c, env(map[string]string{"SCAN_INTERVAL": "0s", "FLUSH": "1ms", "DB_MAX_CONNS": "0", "RATE": "0",
		"TTL": "30s", "LOG_LEVEL": "WARN"})); err != nil {
		t.Fatalf("zero, the minimum, the maximum and a listed word are settings: %v", err)
	}
	if c.Level != "WARN" {
		t.Fatalf("LOG_LEVEL loaded as %q", c.Level)
	}
	// The help (and docs/operations.md) tell the bounds.
	var help strings.Builder
	Usage(&help, numbers{})
	for _, want := range []string{"(at least 1ms)", "(at least 1s, at most 30s)", "(one of debug, info, warn, error)"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help does not say %q:\n%s", want, help.String())
		}
	}
}

// A key set fetched over plain http can be replaced by anyone in between,
// who then signs tokens of their own (administrator scopes included): a URL
// tagged https must be https, or http to a loopback host (tests, make run).
func TestLoadFromRefusesPlainHTTPURLs(t *testing.T) {
	type urls struct {
		JWKS string `env:"JWKS_URL" https:"true"`
	}
	for _, bad := range []string{"http://idp.example.org/jwks", "HTTP://10.0.0.5/jwks", "http://127.0.0.1.example.org/jwks",
		"ftp://idp.example.org/jwks", "idp.example.org/jwks", "https:///jwks", "http://[::2]/jwks"} {
		var c urls
		err := LoadFrom(&c, env(map[string]string{"JWKS_URL": bad}))
		if err == nil || !strings.Contains(err.Error(), "JWKS_URL: must be an https URL") {
			t.Errorf("JWKS_URL=%s: %v, want a refusal naming JWKS_URL", bad, err)
		}
	}
	for _, good := range []string{"", "https://idp.example.org/jwks", "http://127.0.0.1:8080/jwks", "http://127.8.9.1/jwks",
		"http://[::1]:9000/jwks", "http://localhost:5556/keys", "http://LOCALHOST/keys"} {
		var c urls
		if err := LoadFrom(&c, env(map[string]string{"JWKS_URL": good})); err != nil {
			t.Errorf("JWKS_URL=%s: %v", good, err)
		}
	}
	var help strings.Builder
	Usage(&help, urls{})
	if !strings.Contains(help.String(), "(https; http only to a loopback host)") {
		t.Errorf("help does not tell the bound:\n%s", help.String())
	}
}

// Settings that work only together (OIDC's issuer, audience and key set):
// some of them without the others was accepted here, and the edge refused
// only after connecting to PostgreSQL, migrating and dialling the
// services, with "oidc: issuer, audience and JWKS URL are all required",
// naming no variable. Now the load refuses, naming each one given and what
// is missing.
func TestLoadFromRefusesPartOfAGroup(t *testing.T) {
	type oidc struct {
		Issuer   string        `env:"ISSUER" together:"oidc"`
		Audience string        `env:"AUDIENCE" together:"oidc"`
		JWKS     string        `env:"JWKS" together:"oidc"`
		Leeway   time.Duration `env:"LEEWAY" default:"30s"`
	}
	for _, c := range []struct {
		given   map[string]string
		missing string
	}{
		{map[string]string{"ISSUER": "https://idp.example.org"}, "AUDIENCE and JWKS"},
		{map[string]string{"ISSUER": "https://idp.example.org", "JWKS": "https://idp.example.org/jwks"}, "AUDIENCE"},
		{map[string]string{"AUDIENCE": "spona", "LEEWAY": "1m"}, "ISSUER and JWKS"},
	} {
		var cfg oidc
		err := LoadFrom(&cfg, env(c.given))
		if err == nil {
			t.Errorf("%v: loaded", c.given)
			continue
		}
		for k, v := range c.given {
			if k == "LEEWAY" {
				continue
			}
			if want := k + ": must be set together with " + c.missing; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), v) {
				t.Errorf("%v: %v, want %q and the value", c.given, err, want)
			}
		}
	}
	for _, good := range []map[string]string{{}, {"LEEWAY": "1m"},
		{"ISSUER": "https://idp.example.org", "AUDIENCE": "spona", "JWKS": "https://idp.example.org/jwks"}} {
		var cfg oidc
		if err := LoadFrom(&cfg, env(good)); err != nil {
			t.Errorf("%v: %v", good, err)
		}
	}
}

// An address is host:port (or a gRPC target such as dns:///host:port): a
// URL, a host without its port (gRPC would dial port 443) or a port alone
// is refused by name at start; before, the process started and every call
// to that service failed.
func TestLoadFromRefusesAddressesThatAreNotHostPort(t *testing.T) {
	type addrs struct {
		Listen string `env:"GRPC_ADDR" hostport:"true"`
		Dial   string `env:"REFERRALS_ADDR" hostport:"true"`
	}
	for _, bad := range []string{"http://referrals:9090", "referrals", "9090", "referrals:grpc", "referrals:99999", "referrals:9090/", "grpc://referrals:9090"} {
		var cfg addrs
		err := LoadFrom(&cfg, env(map[string]string{"REFERRALS_ADDR": bad}))
		if err == nil || !strings.Contains(err.Error(), "REFERRALS_ADDR: must be host:port") || !strings.Contains(err.Error(), bad) {
			t.Errorf("REFERRALS_ADDR=%s: %v; want a refusal by name", bad, err)
		}
	}
	for _, good := range []string{"referrals:9090", "0.0.0.0:9090", ":9090", "[::1]:9090", "10.0.0.7:9090", "dns:///referrals-headless:9090", "unix:/run/spona/referrals.sock"} {
		var cfg addrs
		if err := LoadFrom(&cfg, env(map[string]string{"REFERRALS_ADDR": good, "GRPC_ADDR": good})); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}

// The start line shows each secret URL with its host and database, for the
// operator to see where a process connects, but never a password: not in
// the user part, not as a parameter (libpq's URLs take ?password=,
// ?sslpassword= and ?user=), not when a password written unescaped makes
// the URL read oddly.
func TestSecretURLsMaskedInTheStartLine(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"postgres://u:hunter2@db:5432/spona", "postgres://***@db:5432/spona"},
		{"postgres://u@db:5432/spona?password=hunter2&sslmode=require",
			"postgres://***@db:5432/spona?password=***&sslmode=***"},
		{"postgres://db:5432/spona?user=spona_edge&password=hunter2", "postgres://db:5432/spona?user=***&password=***"},
		{"postgres://u:pw@db1:5432,db2:5432/spona?sslpassword=hunter2&target_session_attrs=read-write",
			"postgres://***@db1:5432,db2:5432/spona?sslpassword=***&target_session_attrs=***"},
		{"postgres:///spona?host=/run/postgresql&password=hunter2", "postgres:///spona?host=***&password=***"},
		{"postgres://u:p@ss@db/spona?password=h@nter2", "postgres://***@db/spona?password=***"},
		// Passwords with an unescaped "/", "?" or "#": the URL reads as
		// another host or path; nothing of it is shown.
		{"postgres://u:1234/hunter2@db/spona", "postgres://***"},
		{"postgres://u:12?hunter2@db/spona", "postgres://***"},
		{"postgres://u:12#hunter2@db/spona", "postgres://***"},
		{"postgres://u:hu nter2%zz@db/spona", "postgres://***"},
		{"host=db password=hunter2", "***"},
	} {
		var c struct {
			DB string `env:"DATABASE_URL" secret:"true"`
		}
		if err := LoadFrom(&c, env(map[string]string{"DATABASE_URL": tc.url})); err != nil {
			t.Fatal(err)
		}
		var line strings.Builder
		slog.New(slog.NewJSONHandler(&line, nil)).Info("starting", slog.Any("config", LogValue(c)))
		if strings.Contains(line.String(), "hunter2") || strings.Contains(line.String(), "nter") {
			t.Errorf("%s: the password is in the start line %s", tc.url, line.String())
		}
		if got := LogValue(c).Group()[0].Value.String(); got != tc.want {
			t.Errorf("%s: shown as %s, want %s", tc.url, got, tc.want)
		}
	}
}

type Ruled struct {
	Rate  float64 `env:"RATE" default:"1"`
	Burst int     `env:"BURST" default:"5"`
}

func (r Ruled) CheckConfig() []string {
	if r.Rate > 0 && r.Burst == 0 {
		return []string{"BURST: must be at least 1 while RATE is above 0 (got 0)"}
	}
	return nil
}

type withRuled struct {
	Ruled
	Name string `env:"NAME" required:"true"`
}

// TestLoadFromRunsChecks: a Checker's rules across variables are refused
// with the other problems, once, when its struct is embedded too.
func TestLoadFromRunsChecks(t *testing.T) {
	var c withRuled
	err := LoadFrom(&c, env(map[string]string{"BURST": "0"}))
	want := "config: NAME is required; BURST: must be at least 1 while RATE is above 0 (got 0)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if err := LoadFrom(&c, env(map[string]string{"BURST": "0", "RATE": "0", "NAME": "x"})); err != nil {
		t.Errorf("rule off: %v", err)
	}
}
