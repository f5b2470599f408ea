package platform

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/db"
)

// Command is one thing a binary does.
type Command struct {
	// Name is what selects it on the command line, one or more words
	// ("keys revoke"); "" is the default command (also selected by "serve").
	Name    string
	Summary string
	// Flags, when set, are parsed from the arguments after the name; Run
	// gets what remains.
	Flags *flag.FlagSet
	// Config, a pointer to a configuration struct, is loaded from the
	// environment before Run; its variables are listed by help.
	Config any
	Run    func(ctx context.Context, args []string) error
}

// Main runs a binary's command line and exits: `-h`/`--help`/`help` print
// the commands and the environment variables (`COMMAND -h` those of one
// command, with its flags), `healthcheck` asks the running process's admin
// port for /readyz (for images without a shell), anything else runs a
// Command with a context cancelled on SIGINT/SIGTERM. A configuration that
// does not load (a required variable missing) is printed, naming every
// problem, and the process exits 1 without starting.
func Main(name, summary string, cmds ...Command) {
	os.Exit(Exec(name, summary, os.Args[1:], os.Stdout, os.Stderr, cmds...))
}

// ServiceMain is Main for a gRPC service process: build turns the loaded
// configuration into the Service to run.
func ServiceMain[C any](name, summary string, build func(C) Service) {
	var cfg C
	var zero C // describing the service reads no configuration yet
	Main(name, summary, Command{Summary: "serve gRPC (the default)", Config: &cfg, Run: func(ctx context.Context, _ []string) error {
		return RunService(ctx, build(cfg))
	}}, MigrateCommand(name, build(zero).Migrations))
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// Exec runs the command line args and returns the exit code (Main's body).
func Exec(name, summary string, args []string, stdout, stderr io.Writer, cmds ...Command) int {
	if len(args) > 0 && isHelp(args[0]) {
		usage(stdout, name, summary, cmds)
		return 0
	}
	if len(args) > 0 && args[0] == "init-secrets" {
		if len(args) > 1 && isHelp(args[1]) {
			fmt.Fprintf(stdout, "%s init-secrets [-owner UID:GID] DIR: %s\n", name, initSecretsSummary)
			return 0
		}
		if err := initSecrets(args[1:], stdout); err != nil {
			fmt.Fprintf(stderr, "%s init-secrets: %v\n", name, err)
			return 1
		}
		return 0
	}
	if len(args) > 0 && args[0] == "setup-sql" {
		if len(args) > 1 && isHelp(args[1]) {
			fmt.Fprintf(stdout, "%s setup-sql: %s\n", name, setupSQLSummary)
			return 0
		}
		// What an administrator runs once before the first start.
		fmt.Fprintf(stdout, "-- PostgreSQL roles, schema and extensions of %s (docs/operations.md); run as an administrator in its database\n", name)
		for _, stmt := range db.RolesFor(name).SetupSQL() {
			fmt.Fprintf(stdout, "%s;\n", stmt)
		}
		return 0
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		if len(args) > 1 && isHelp(args[1]) {
			fmt.Fprintf(stdout, "%s healthcheck: %s\n\nEnvironment:\n  ADMIN_ADDR  the admin address of the running process (as it was started with)\n", name, healthcheckSummary)
			return 0
		}
		if err := healthcheck(os.Getenv("ADMIN_ADDR")); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		return 0
	}
	cmd, rest := match(cmds, args)
	if cmd == nil {
		if group := groupOf(cmds, args); group != nil {
			// The first word of several commands ("keys"): list them.
			if len(args) > 1 && isHelp(args[1]) {
				groupUsage(stdout, name, args[0], group)
				return 0
			}
			fmt.Fprintf(stderr, "%s %s: which one?\n\n", name, args[0])
			groupUsage(stderr, name, args[0], group)
			return 2
		}
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n", name, strings.Join(args, " "))
		usage(stderr, name, summary, cmds)
		return 2
	}
	if len(rest) > 0 && isHelp(rest[0]) {
		commandUsage(stdout, name, cmd)
		return 0
	}
	if cmd.Flags != nil {
		cmd.Flags.SetOutput(stderr)
		cmd.Flags.Usage = func() { commandUsage(stderr, name, cmd) }
		if err := cmd.Flags.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		rest = cmd.Flags.Args()
	} else if len(rest) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", name, rest)
		return 2
	}
	if cmd.Config != nil {
		if err := config.Load(cmd.Config); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n(`%s --help` lists every variable)\n", name, err, name)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cmd.Run(ctx, rest)
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// match finds the command args select and the arguments after its name.
func match(cmds []Command, args []string) (*Command, []string) {
	best, n := -1, -1
	for i, c := range cmds {
		words := strings.Fields(c.Name)
		if len(words) == 0 {
			if n < 0 && (len(args) == 0 || strings.HasPrefix(args[0], "-")) {
				best, n = i, 0
			}
			if n < 1 && len(args) > 0 && args[0] == "serve" {
				best, n = i, 1
			}
			continue
		}
		if len(words) > n && len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			best, n = i, len(words)
		}
	}
	if best < 0 {
		return nil, nil
	}
	return &cmds[best], args[n:]
}

// groupOf returns the commands whose name starts with args[0] followed by
// more words ("keys" of "keys list"), when args selects none of them.
func groupOf(cmds []Command, args []string) []Command {
	if len(args) == 0 {
		return nil
	}
	var group []Command
	for _, c := range cmds {
		if words := strings.Fields(c.Name); len(words) > 1 && words[0] == args[0] {
			group = append(group, c)
		}
	}
	return group
}

func groupUsage(w io.Writer, name, word string, group []Command) {
	fmt.Fprintf(w, "Usage of %s %s:\n", name, word)
	for _, c := range group {
		fmt.Fprintf(w, "  %s %-16s %s\n", name, c.Name, c.Summary)
	}
	fmt.Fprintf(w, "  %s %-16s %s\n", name, word+" COMMAND -h", "flags and variables of one command")
}

const (
	healthcheckSummary = "exit 0 when the running process (ADMIN_ADDR) is ready"
	initSecretsSummary = "make what is missing of the processes' internal secrets in DIR (principal keys, a development CA and mTLS certificates)"
	setupSQLSummary    = "print the SQL an administrator runs once in the database: this process's roles (owner, runtime, audit), its schema, the extensions"
)

func usage(w io.Writer, name, summary string, cmds []Command) {
	fmt.Fprintf(w, "%s: %s\n\nUsage:\n", name, summary)
	for _, c := range cmds {
		n := c.Name
		if n == "" {
			n = "[serve]"
		}
		fmt.Fprintf(w, "  %s %-16s %s\n", name, n, c.Summary)
	}
	fmt.Fprintf(w, "  %s %-16s %s\n", name, "healthcheck", healthcheckSummary)
	fmt.Fprintf(w, "  %s %-16s %s\n", name, "setup-sql", setupSQLSummary)
	fmt.Fprintf(w, "  %s %-16s %s\n", name, "init-secrets DIR", initSecretsSummary)
	if len(cmds) > 1 {
		fmt.Fprintf(w, "  %s %-16s %s\n", name, "COMMAND -h", "flags and variables of one command")
	}
	for _, c := range cmds {
		if c.Name == "" && c.Config != nil {
			fmt.Fprintln(w)
			config.Usage(w, c.Config)
		}
	}
}

func commandUsage(w io.Writer, name string, c *Command) {
	n := c.Name
	if n == "" {
		n = "serve"
	}
	fmt.Fprintf(w, "%s %s: %s\n", name, n, c.Summary)
	if c.Flags != nil {
		fmt.Fprintln(w, "\nFlags:")
		c.Flags.SetOutput(w)
		c.Flags.PrintDefaults()
	}
	if c.Config != nil {
		fmt.Fprintln(w)
		config.Usage(w, c.Config)
	}
}
