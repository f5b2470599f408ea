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
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/services/edge/service"
)

func main() {
	var cfg service.Config
	var keys service.KeysConfig
	create := flag.NewFlagSet("create-key", flag.ContinueOnError)
	name := create.String("name", "", "name of the partner system (required)")
	orgID := create.String("org-id", "", "id of the key's organisation in the directory")
	orgName := create.String("org-name", "", "register (or reuse) an organisation of this name when -org-id is not given")
	orgKind := create.String("org-kind", "ngo", "kind of the organisation to register")
	orgCountry := create.String("org-country", "RS", "country of the organisation to register (RS, BA, HR)")
	scopes := create.String("scopes", strings.Join(auth.DefaultPartnerScopes, ","), "comma-separated scopes")
	platform.Main("edge", "Spona's REST/JSON API for partner systems, and their API keys",
		platform.Command{Summary: "serve the REST API (the default)", Config: &cfg, Run: func(ctx context.Context, _ []string) error {
			return service.Run(ctx, cfg)
		}},
		platform.Command{Name: "create-key", Summary: "create an API key and print it once", Flags: create, Config: &keys,
			Run: func(ctx context.Context, _ []string) error {
				if *orgID == "" && *orgName == "" {
					return fmt.Errorf("give -org-id or -org-name")
				}
				key, org, err := service.CreateKey(ctx, keys, service.KeyRequest{
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
			}},
	)
}
