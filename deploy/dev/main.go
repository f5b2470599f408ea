// Command dev runs the whole Spona system on a developer's machine
// (`make run`): a private PostgreSQL cluster kept in .data/ (unless
// DATABASE_URL names a server), the six processes (each connecting as its
// own PostgreSQL roles), and a development API key. Ctrl-C stops everything cleanly; data survives restarts.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/pgcluster"
)

func main() {
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), `dev: run the whole Spona system on this machine (make run): a private
PostgreSQL cluster in .data/pg (port 55432), the six processes on their
development ports (REST 8080, gRPC 91xx, admin 92xx), mTLS with
a development CA in .data/secrets, and development API keys. Run it from the
repository's root; Ctrl-C stops everything, data survives restarts.

Usage: dev

Environment:
  DATABASE_URL  use this PostgreSQL server instead of the private cluster
`)
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	// SIGHUP: the terminal was closed; stop as for Ctrl-C rather than die
	// leaving the PostgreSQL cluster running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	data := filepath.Join(root, ".data")
	for _, d := range []string{data, filepath.Join(data, "logs"), filepath.Join(data, "bin")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}
	unlock, err := lock(filepath.Join(data, "run.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	// The private cluster: each process connects as its own roles (made
	// by devstack). A server named by DATABASE_URL: every process connects
	// with it (its roles are the developer's to manage).
	dbURL := os.Getenv("DATABASE_URL")
	sharedRole := dbURL != ""
	if dbURL == "" {
		say("starting PostgreSQL in .data/pg (port 55432)")
		// Room for every process's pool, and for psql sessions and commands.
		c, err := pgcluster.Start(ctx, filepath.Join(data, "pg"), pgcluster.Options{
			Port: 55432, Durable: true, MaxConnections: devstack.Connections() + 50})
		if err != nil {
			return err
		}
		defer func() {
			say("stopping PostgreSQL")
			if err := c.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}()
		if err := ensureDatabase(ctx, c.URL("postgres"), "spona"); err != nil {
			return err
		}
		dbURL = c.URL("spona")
	}

	say("building the six processes")
	bin := filepath.Join(data, "bin")
	if err := devstack.Build(ctx, root, bin); err != nil {
		return err
	}
	webhookKey, err := persistent(filepath.Join(data, "webhook-secrets-key"), func() (string, error) { return randomHex(32), nil })
	if err != nil {
		return err
	}
	say("starting beneficiaries, referrals, trainings, reporting, webhooks and edge (logs in .data/logs/)")
	stack, err := devstack.Start(ctx, devstack.Options{
		BinDir: bin, DatabaseURL: dbURL, SharedRole: sharedRole, KeysDir: filepath.Join(data, "secrets"), WebhookSecretsKey: webhookKey,
		Ports: devstack.DefaultPorts(), LogDir: filepath.Join(data, "logs"),
	})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping services")
		if err := stack.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	keyFile := filepath.Join(data, "dev-api-key")
	if !keyWorks(ctx, stack.URL(), keyFile) {
		_ = os.Remove(keyFile) // made for another database
	}
	key, err := persistent(keyFile, func() (string, error) {
		key, err := stack.CreateKey(ctx, "development", devOrganisation)
		if m := uuidPattern.FindString(fmt.Sprint(err)); err != nil && m != "" {
			// The organisation is there from an earlier run: a new key for it.
			return stack.Edge(ctx, "keys", "create", "-name", "development", "-org-id", m)
		}
		return key, err
	})
	if err != nil {
		return err
	}
	adminFile := filepath.Join(data, "dev-admin-key")
	if !keyWorks(ctx, stack.URL(), adminFile) {
		_ = os.Remove(adminFile)
	}
	adminKey, err := persistent(adminFile, func() (string, error) { return stack.CreateAdminKey(ctx, "development administrator") })
	if err != nil {
		return err
	}
	org, err := organisationOf(ctx, stack.URL(), adminKey, key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, "dev-organisation-id"), []byte(org+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Print(banner(stack.URL(), key, adminKey, org))
	<-ctx.Done()
	fmt.Println()
	return nil
}

const devOrganisation = "Spona Development NGO"

// banner is what make run prints once the system is up: where the API,
// its documents and its docs page are (the docs page renders the OpenAPI
// 3.1 document, as the README says), the development keys and the
// organisation's id.
func banner(base, key, adminKey, org string) string {
	return fmt.Sprintf(`
Spona is running.

  REST API        %[1]s/v1
  OpenAPI         %[1]s/openapi/v3.json (OpenAPI 3.1; Swagger 2.0: %[1]s/openapi.json)
  API docs        %[1]s/docs (Swagger UI of the OpenAPI 3.1 document, in a browser)
  Webhooks        POST %[1]s/v1/webhooks (http:// and loopback targets allowed in development)
  API key         %[2]s      (organisation "Spona Development NGO", all partner scopes)
  organisation    %[4]s      (its id, as in the README's $ORG_A)
  admin key       %[3]s      (platform administrator: /v1/apiKeys, organisations :verify)

  curl -s -H "Authorization: Bearer %[2]s" %[1]s/v1/beneficiaries
  curl -s -H "Authorization: Bearer $(cat .data/dev-admin-key)" %[1]s/v1/apiKeys

The keys and the organisation id are in .data/dev-api-key, .data/dev-admin-key
and .data/dev-organisation-id. Press Ctrl-C to stop. Data is kept in .data/
between runs.
`, base, key, adminKey, org)
}

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func say(msg string) { fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), msg) }

// lock takes the checkout's run lock, held until unlock (or until the
// process ends, however it ends): a second `make run` in the same checkout
// is refused, naming the first, instead of stopping the cluster the first
// one serves from (pgcluster.Start stops a server it finds running, which
// is then one a run left behind).
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("already running in this checkout (process %s): stop it first (Ctrl-C in its terminal)",
				cmp.Or(strings.TrimSpace(string(pid)), "?"))
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil
}

// keyWorks reports whether the key saved in path authenticates.
func keyWorks(ctx context.Context, base, path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/organisations?page_size=1", nil) // partner and administrator keys both read the directory
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// organisationOf returns the organisation of key, as the administrator's
// key list gives it (each key's public prefix starts its secret).
func organisationOf(ctx context.Context, base, adminKey, key string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/apiKeys?page_size=1000", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list struct {
		Keys []struct {
			Prefix         string `json:"prefix"`
			OrganisationID string `json:"organisation_id"`
		} `json:"api_keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("listing the API keys: HTTP %d: %v", resp.StatusCode, err)
	}
	for _, k := range list.Keys {
		if k.Prefix != "" && strings.HasPrefix(key, k.Prefix) {
			return k.OrganisationID, nil
		}
	}
	return "", errors.New("the development key is not in the administrator's key list")
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	}
	return err
}

// persistent returns the value kept in path, creating it with make the first time.
func persistent(path string, make func() (string, error)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
