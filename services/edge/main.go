// Command edge serves Spona's REST/JSON API to partner systems and manages
// their API keys.
//
//	edge                      serve the API
//	edge keys create [flags]  create an API key and print it once (also: edge create-key)
//	edge keys list [flags]    list keys (never their secrets)
//	edge keys revoke [flags]  revoke a key at once, on every replica
//	edge keys rotate [flags]  give a key's client a new key; the old one works on for an overlap
//	edge migrate              migrate the edge's schema as its owner and exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/edge/internal/keys"
	"github.com/spona/spona/services/edge/migrations"
	"github.com/spona/spona/services/edge/service"
)

func main() {
	var cfg service.Config
	var kc service.KeysConfig
	create := createCommand(&kc)
	alias := createCommand(&kc)
	alias.Name, alias.Summary = "create-key", "the same as keys create"
	platform.Main("edge", "Spona's REST/JSON API for partner systems, and their API keys",
		platform.Command{Summary: "serve the REST API (the default)", Config: &cfg, Run: func(ctx context.Context, _ []string) error {
			return service.Run(ctx, cfg)
		}},
		create, alias, listCommand(&kc), revokeCommand(&kc), rotateCommand(&kc),
		platform.MigrateCommand("edge", migrations.FS),
	)
}

func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// parseDays reads a duration in whole days ("90d") or as Go writes one
// ("720h", "30m").
func parseDays(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 100*365 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

// days is a flag of a duration that may be given in days, as -expires is.
type days time.Duration

func (d *days) String() string { return time.Duration(*d).String() }

func (d *days) Set(s string) error {
	v, err := parseDays(s)
	if err != nil {
		return errors.New("give a duration in days (3d) or hours (72h)")
	}
	*d = days(v)
	return nil
}

// parseExpiry reads -expires: a duration from now ("90d", "720h"), a time
// (RFC 3339) or a date ("2027-06-30": the key works through that day, to
// 00:00 UTC of the next).
func parseExpiry(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if d, err := parseDays(s); err == nil && d > 0 {
		t := time.Now().Add(d)
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		t = t.AddDate(0, 0, 1) // the key works through the day named (UTC)
		return &t, nil
	}
	return nil, fmt.Errorf("-expires %q: give a duration (90d, 720h) or a date (2027-06-30)", s)
}

func createCommand(kc *service.KeysConfig) platform.Command {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	name := fs.String("name", "", "name of the partner system (required)")
	orgID := fs.String("org-id", "", "organisation of the key: an existing, verified directory entry")
	orgName := fs.String("org-name", "", "register a new organisation of this legal name (refused when the name is taken: use -org-id)")
	orgKind := fs.String("org-kind", "ngo", "kind of the new organisation")
	orgCountry := fs.String("org-country", "RS", "country of the new organisation (RS, BA, HR)")
	scopes := fs.String("scopes", "", "comma-separated scopes (default: "+strings.Join(auth.DefaultPartnerScopes, ",")+")")
	admin := fs.Bool("admin", false, "a key of the platform administrator ("+strings.Join(auth.AdminScopes, ", ")+"), not of an organisation")
	expires := fs.String("expires", "", "expiry: a duration (90d, 720h), a time (RFC 3339) or a last day (2027-06-30: works through it, to 00:00 UTC of the next); none by default")
	reason := fs.String("reason", "", "why (audited)")
	return platform.Command{Name: "keys create", Summary: "create an API key and print it once", Flags: fs, Config: kc,
		Run: func(ctx context.Context, _ []string) error {
			if *orgID == "" && *orgName == "" && !*admin {
				return errors.New("give -org-id, -org-name or -admin")
			}
			if err := oneOrganisation(fs); err != nil {
				return err
			}
			exp, err := parseExpiry(*expires)
			if err != nil {
				return err
			}
			// As a list is written: "a, b" is a and b.
			var sc []string
			for _, s := range strings.Split(*scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sc = append(sc, s)
				}
			}
			if *scopes != "" && len(sc) == 0 {
				return fmt.Errorf("-scopes %q names no scope: leave it out for the default ones", *scopes)
			}
			key, org, err := service.CreateKey(ctx, *kc, operator(), service.KeyRequest{
				Name: *name, OrganisationID: *orgID, OrganisationName: *orgName,
				OrganisationKind: *orgKind, OrganisationCountry: *orgCountry,
				Scopes: sc, ExpireTime: exp, Admin: *admin, Reason: *reason,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "API key for organisation %s (shown once; keep it secret):\n", org)
			fmt.Println(key)
			return nil
		}}
}

// oneOrganisation refuses flags of keys create that would be ignored: the
// new organisation's -org-name, -org-kind and -org-country beside -org-id
// (which names an existing one) or -admin (whose key belongs to the
// platform), and -org-id beside -admin.
func oneOrganisation(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var newOrg []string
	for _, n := range []string{"org-name", "org-kind", "org-country"} {
		if set[n] {
			newOrg = append(newOrg, "-"+n)
		}
	}
	switch {
	case set["admin"] && set["org-id"]:
		return errors.New("-admin makes a key of the platform, not of an organisation: leave out -org-id")
	case set["admin"] && len(newOrg) > 0:
		return fmt.Errorf("-admin makes a key of the platform, not of an organisation: leave out %s", strings.Join(newOrg, ", "))
	case set["org-id"] && len(newOrg) > 0:
		return fmt.Errorf("-org-id names an existing organisation, whose details the directory holds: leave out %s (or leave out -org-id to register a new one)", strings.Join(newOrg, ", "))
	case len(newOrg) > 0 && !set["org-name"]:
		return fmt.Errorf("%s describe a new organisation: give its -org-name", strings.Join(newOrg, ", "))
	}
	return nil
}

func listCommand(kc *service.KeysConfig) platform.Command {
	fs := flag.NewFlagSet("keys list", flag.ContinueOnError)
	orgID := fs.String("org-id", "", "only the keys of this organisation")
	all := fs.Bool("all", false, "include revoked and expired keys")
	return platform.Command{Name: "keys list", Summary: "list API keys (never their secrets)", Flags: fs, Config: kc,
		Run: func(ctx context.Context, _ []string) error {
			k, err := service.OpenKeys(ctx, *kc, operator())
			if err != nil {
				return err
			}
			defer k.Close()
			tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tORGANISATION\tSCOPES\tCREATED (UTC)\tEXPIRES (UTC)\tLAST USED (UTC)\tSTATE")
			token := ""
			// The operator's own loop: its tokens belong to no organisation.
			for {
				rows, next, err := k.List(ctx, "", keys.Filter{OrganisationID: *orgID, ShowRevoked: *all}, 500, token)
				if err != nil {
					return err
				}
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Prefix(), r.Name, r.OrganisationID,
						strings.Join(r.Scopes, ","), when(&r.CreateTime), when(r.ExpireTime), when(r.LastUseTime), state(r, time.Now()))
				}
				if token = next; token == "" {
					return tw.Flush()
				}
			}
		}}
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func state(k *keys.Key, now time.Time) string {
	switch {
	case k.RevokeTime != nil:
		return "revoked (" + k.RevokeReason + ")"
	case !k.Active(now):
		return "expired"
	case k.ReplacedBy != "":
		// Works on for its overlap only: rotate or revoke its replacement.
		return "active, replaced by " + k.ReplacedBy
	}
	return "active"
}

func revokeCommand(kc *service.KeysConfig) platform.Command {
	fs := flag.NewFlagSet("keys revoke", flag.ContinueOnError)
	id := fs.String("id", "", "id of the key (keys list)")
	reason := fs.String("reason", "", "why (required; audited and shown on the key)")
	return platform.Command{Name: "keys revoke", Summary: "revoke a key at once, on every edge replica (a client's current key with the keys it replaced)", Flags: fs, Config: kc,
		Run: func(ctx context.Context, _ []string) error {
			k, err := service.OpenKeys(ctx, *kc, operator())
			if err != nil {
				return err
			}
			defer k.Close()
			r, with, err := k.Revoke(ctx, k.Actor, *id, *reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "revoked %s (%s) at %s\n", r.ID, r.Prefix(), when(r.RevokeTime))
			for _, w := range with {
				fmt.Fprintf(os.Stderr, "revoked with it %s (%s), which it had replaced and which worked until %s\n", w.ID, w.Prefix(), when(w.ExpireTime))
			}
			return nil
		}}
}

func rotateCommand(kc *service.KeysConfig) platform.Command {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	id := fs.String("id", "", "id of the key to replace (keys list)")
	overlap := days(keys.DefaultOverlap)
	fs.Var(&overlap, "overlap", "how long the old key keeps working: 3d, 72h (at most 30d; never past the new key's expiry)")
	expires := fs.String("expires", "", "expiry of the new key, as keys create -expires takes it (default: the old key's)")
	reason := fs.String("reason", "", "why (audited)")
	return platform.Command{Name: "keys rotate", Summary: "give a key's client a new key and print it once; the old one works on for the overlap", Flags: fs, Config: kc,
		Run: func(ctx context.Context, _ []string) error {
			exp, err := parseExpiry(*expires)
			if err != nil {
				return err
			}
			k, err := service.OpenKeys(ctx, *kc, operator())
			if err != nil {
				return err
			}
			defer k.Close()
			next, secret, prev, err := k.Rotate(ctx, k.Actor, *id, (*time.Duration)(&overlap), exp, *reason, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "new key %s for client %s (shown once; keep it secret); the old key %s works until %s:\n",
				next.ID, next.ClientID, prev.ID, when(prev.ExpireTime))
			fmt.Println(secret)
			return nil
		}}
}
