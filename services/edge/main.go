// Command edge serves Spona's REST/JSON API to partner systems and manages
// their API keys.
//
//	edge                       serve the API
//	edge create-key [flags]    create an API key and print it once
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/config"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/edge/service"
)

func main() { platform.Main("edge", run) }

func run(ctx context.Context) error {
	var cfg service.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	if len(os.Args) < 2 || os.Args[1] == "serve" {
		return service.Run(ctx, cfg)
	}
	switch os.Args[1] {
	case "create-key":
		return createKey(ctx, cfg, os.Args[2:])
	default:
		return fmt.Errorf("unknown command %q; use serve or create-key", os.Args[1])
	}
}

func createKey(ctx context.Context, cfg service.Config, args []string) error {
	fs := flag.NewFlagSet("create-key", flag.ContinueOnError)
	name := fs.String("name", "", "name of the partner system (required)")
	orgID := fs.String("org-id", "", "id of the key's organisation in the directory")
	orgName := fs.String("org-name", "", "register (or reuse) an organisation of this name when -org-id is not given")
	orgKind := fs.String("org-kind", "ngo", "kind of the organisation to register")
	orgCountry := fs.String("org-country", "RS", "country of the organisation to register (RS, BA, HR)")
	scopes := fs.String("scopes", strings.Join(auth.DefaultPartnerScopes, ","), "comma-separated scopes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *orgID == "" && *orgName == "" {
		return fmt.Errorf("give -org-id or -org-name")
	}
	cfg.LogLevel = "warn"
	key, org, err := service.CreateKey(ctx, cfg, service.KeyRequest{
		Name: *name, OrganisationID: *orgID, OrganisationName: *orgName,
		OrganisationKind: *orgKind, OrganisationCountry: *orgCountry,
		Scopes: strings.Split(*scopes, ","),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "API key for organisation %s (shown once; keep it secret):\n", org)
	fmt.Println(key)
	return nil
}
