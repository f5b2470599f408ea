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
	"github.com/spona/spona/pkg/tlsconfig"
)

// Processes are Spona's processes.
var Processes = []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks", auth.Edge}

// InitSecrets makes, in dir, what is missing of the secrets the processes
// use among themselves:
//
//	dir/principal/<process>.key          each process's principal key (PRINCIPAL_KEY_FILE)
//	dir/principal/public/<process>.pem   the public keys (PRINCIPAL_PUBLIC_KEYS_DIR)
//	dir/tls/ca.pem                       a private CA for mTLS (TLS_CA_FILE)
//	dir/tls/<process>.pem, .key          each process's certificate (TLS_CERT_FILE, TLS_KEY_FILE)
//
// `make run`, the tests and the Compose file use it; a Kubernetes
// installation uses cert-manager for the certificates and can make its
// Secrets for the principal keys from the files. What is complete is kept.
func InitSecrets(dir string) error {
	if err := tlsconfig.WriteDevPKI(filepath.Join(dir, "tls"), Processes...); err != nil {
		return err
	}
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

// chownSecrets gives the files InitSecrets makes to uid:gid (the user the
// processes run as, when it differs from the one making them), through a
// root-scoped handle so no symbolic link leads elsewhere.
func chownSecrets(dir string, uid, gid int) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer func() { _ = root.Close() }()
	paths := []string{".", "principal", filepath.Join("principal", "public"), "tls", filepath.Join("tls", "ca.pem")}
	for _, p := range Processes {
		paths = append(paths, filepath.Join("principal", p+".key"), filepath.Join("principal", "public", p+".pem"),
			filepath.Join("tls", p+".pem"), filepath.Join("tls", p+".key"))
	}
	for _, p := range paths {
		if err := root.Lchown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
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
	uid, gid := -1, -1
	if owner != "" {
		u, g, ok := strings.Cut(owner, ":")
		var err1, err2 error
		uid, err1 = strconv.Atoi(u)
		gid, err2 = strconv.Atoi(g)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("-owner %q: want UID:GID", owner)
		}
	}
	if err := InitSecrets(args[0]); err != nil {
		return err
	}
	if owner != "" {
		if err := chownSecrets(args[0], uid, gid); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "secrets ready in %s\n", args[0])
	return nil
}
