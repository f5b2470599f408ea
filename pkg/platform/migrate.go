package platform

import (
	"context"
	"io/fs"
	"time"

	"github.com/spona/spona/pkg/logging"
)

// MigrateConfig is the configuration of `<binary> migrate`.
type MigrateConfig struct {
	DatabaseURL        string        `env:"DATABASE_URL" secret:"true" required:"true" help:"PostgreSQL URL of the process's runtime role (only its role is used: the one the migration grants)"`
	MigrateDatabaseURL string        `env:"MIGRATE_DATABASE_URL" secret:"true" required:"true" help:"PostgreSQL URL of the schema's owner role (spona_<process>_owner), which runs the migrations"`
	DatabaseAuditRole  string        `env:"DATABASE_AUDIT_ROLE" help:"role owning the schema's append-only audit tables (default spona_<process>_audit)"`
	StartupTimeout     time.Duration `env:"STARTUP_TIMEOUT" default:"60s" min:"1s" help:"how long to wait for PostgreSQL (the migrations then take as long as they need)"`
	LogLevel           string        `env:"LOG_LEVEL" default:"info" oneof:"debug,info,warn,warning,error" help:"least severity of the log lines written"`
}

// MigrateCommand is `<binary> migrate`: migrate the process's schema as its
// owner and grant its runtime role, then exit. Run as a step of its own
// (deploy/k8s: an init container), it keeps the owner's password out of the
// serving process, which then starts without MIGRATE_DATABASE_URL and finds
// its schema current.
func MigrateCommand(name string, migrations fs.FS) Command {
	var cfg MigrateConfig
	return Command{
		Name:    "migrate",
		Summary: "migrate the schema as its owner (MIGRATE_DATABASE_URL), grant the runtime role (DATABASE_URL's), and exit",
		Config:  &cfg,
		Run: func(ctx context.Context, _ []string) error {
			return Migrate(ctx, name, cfg, migrations)
		},
	}
}

// Migrate migrates process name's schema as its owner and grants its
// runtime role what it needs (what Start does when MIGRATE_DATABASE_URL is
// set), without serving.
func Migrate(ctx context.Context, name string, cfg MigrateConfig, migrations fs.FS) error {
	b := &Base{Name: name, Log: logging.New(name, cfg.LogLevel), Config: Config{
		DatabaseURL: cfg.DatabaseURL, MigrateDatabaseURL: cfg.MigrateDatabaseURL,
		DatabaseAuditRole: cfg.DatabaseAuditRole, StartupTimeout: cfg.StartupTimeout,
	}}
	return b.migrate(ctx, migrations)
}
