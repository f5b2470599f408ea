package platform

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/auth"
)

// Processes are Spona's processes.
var Processes = []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks", auth.Edge}

// InitSecrets makes, in dir, what is missing of the secrets the processes
// use among themselves:
//
//	dir/principal/<process>.key          each process's principal key (PRINCIPAL_KEY_FILE)
//	dir/principal/public/<process>.pem   the public keys (PRINCIPAL_PUBLIC_KEYS_DIR)
//
// `make run`, the tests and the Compose file use it; a Kubernetes
// installation can make its Secrets from the files.
func InitSecrets(dir string) error {
	keys := filepath.Join(dir, "principal")
	complete := true
	for _, p := range Processes {
		if _, err := os.Stat(filepath.Join(keys, p+".key")); err != nil {
			complete = false
		}
	}
	if complete {
		return nil
	}
	k, err := auth.GenerateKeyring(Processes...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return err
	}
	_, err = k.WriteFiles(keys)
	return err
}

// initSecrets is `<binary> init-secrets [-owner UID:GID] DIR`.
func initSecrets(args []string, out io.Writer) error {
	owner := ""
	if len(args) > 1 && args[0] == "-owner" {
		owner, args = args[1], args[2:]
	}
	if len(args) != 1 {
		return errors.New("usage: init-secrets [-owner UID:GID] DIR")
	}
	if err := InitSecrets(args[0]); err != nil {
		return err
	}
	if owner != "" {
		u, g, ok := strings.Cut(owner, ":")
		uid, err1 := strconv.Atoi(u)
		gid, err2 := strconv.Atoi(g)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("-owner %q: want UID:GID", owner)
		}
		if err := filepath.WalkDir(args[0], func(p string, _ os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "secrets ready in %s\n", args[0])
	return nil
}
