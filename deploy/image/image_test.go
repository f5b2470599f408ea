package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// maxCompressed bounds an image's size (its compressed layers): about
// 10 MiB today, the binary being almost all of it.
const maxCompressed = 20 << 20

// skopeo runs skopeo (containers/image: an implementation of the image
// formats independent of go-containerregistry, which built them).
func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("skopeo")
	if err != nil {
		t.Fatal("skopeo is not installed: tools/setup.sh (run by make test) installs it (Debian: apt-get install skopeo)")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--insecure-policy"}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestImage builds the beneficiaries image (one of six alike; building
// all takes six times as long) and checks it with skopeo: entrypoint, user,
// the files it holds (no shell, nothing but the binary, CA certificates and
// the user), its size; then runs the binary taken out of the image layer:
// -h, and the service itself against a test database, answering gRPC
// health over mTLS, as the non-root user 65532 when the test runs as root.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image and starts a service")
	}
	const n = "beneficiaries"
	out := t.TempDir()
	start := time.Now()
	res, err := build(t.Context(), options{root: devstacktest.Root(), out: out, tag: "test", arch: runtime.GOARCH, names: []string{n}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s: %s, %.1f MiB compressed", res[0].ref, time.Since(start).Round(time.Millisecond), res[0].digest, float64(res[0].size)/(1<<20))
	ref := "oci:" + filepath.Join(out, "oci") + ":spona/" + n + ":test"
	// The same sources give the same image.
	again, err := build(t.Context(), options{root: devstacktest.Root(), out: t.TempDir(), tag: "test", arch: runtime.GOARCH, names: []string{n}})
	if err != nil {
		t.Fatal(err)
	}
	if again[0].digest != res[0].digest {
		t.Errorf("built twice: digests %s and %s", res[0].digest, again[0].digest)
	}

	// The configuration, as skopeo reads it from the OCI layout and from
	// the docker-archive tarball.
	type config struct {
		Architecture string
		OS           string
		Config       struct {
			User         string
			Entrypoint   []string
			Cmd          []string
			Env          []string
			WorkingDir   string
			ExposedPorts map[string]struct{}
		}
		Rootfs struct {
			DiffIDs []string `json:"diff_ids"`
		}
	}
	var oci, archive config
	if err := json.Unmarshal(skopeo(t, "inspect", "--config", ref), &oci); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(skopeo(t, "inspect", "--config", "docker-archive:"+filepath.Join(out, n+".tar")), &archive); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(oci, archive); diff != "" {
		t.Errorf("the OCI layout and the tarball differ (-oci +archive):\n%s", diff)
	}
	if oci.OS != "linux" || oci.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", oci.OS, oci.Architecture)
	}
	c := oci.Config
	if !slices.Equal(c.Entrypoint, []string{"/app"}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q", c.Entrypoint, c.Cmd)
	}
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", c.User)
	}
	if _, ok := c.ExposedPorts["9090/tcp"]; !ok {
		t.Errorf("ports %v", c.ExposedPorts)
	}

	// The manifest: OCI media types, and the size.
	var manifest struct {
		MediaType string
		Config    struct{ MediaType string }
		Layers    []struct {
			MediaType string
			Digest    string
			Size      int64
		}
	}
	if err := json.Unmarshal(skopeo(t, "inspect", "--raw", ref), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.MediaType != "application/vnd.oci.image.manifest.v1+json" || manifest.Config.MediaType != "application/vnd.oci.image.config.v1+json" {
		t.Errorf("media types %q, config %q", manifest.MediaType, manifest.Config.MediaType)
	}
	var size int64
	for _, l := range manifest.Layers {
		if l.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
			t.Errorf("layer %s: media type %q", l.Digest, l.MediaType)
		}
		size += l.Size
	}
	t.Logf("%d layers, %.1f MiB compressed", len(manifest.Layers), float64(size)/(1<<20))
	if size > maxCompressed || size != res[0].size {
		t.Errorf("compressed size %d bytes (build said %d), want at most %d", size, res[0].size, maxCompressed)
	}

	// The files, from the layers skopeo copies out.
	blobs := t.TempDir()
	skopeo(t, "copy", "--quiet", ref, "dir:"+blobs)
	files := map[string]*tar.Header{}
	var binary []byte
	var passwd, certs []byte
	for _, l := range manifest.Layers {
		f, err := os.Open(filepath.Join(blobs, strings.TrimPrefix(l.Digest, "sha256:")))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			name := "/" + strings.TrimSuffix(h.Name, "/")
			files[name] = h
			var data []byte
			if h.Typeflag == tar.TypeReg {
				if data, err = io.ReadAll(tr); err != nil {
					t.Fatal(err)
				}
			}
			switch name {
			case entry:
				binary = data
			case "/etc/passwd":
				passwd = data
			case caFile:
				certs = data
			}
		}
		f.Close()
	}
	var regular []string
	for name, h := range files {
		base := filepath.Base(name)
		if slices.Contains([]string{"sh", "bash", "ash", "dash", "busybox", "su", "sudo"}, base) {
			t.Errorf("image holds %s", name)
		}
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
			t.Errorf("image holds a link %s -> %s", name, h.Linkname)
		}
		if h.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 {
			t.Errorf("%s is setuid/setgid (%o)", name, h.Mode)
		}
		if h.Typeflag == tar.TypeReg {
			regular = append(regular, name)
		}
	}
	slices.Sort(regular)
	if diff := cmp.Diff([]string{"/app", "/etc/group", "/etc/nsswitch.conf", "/etc/passwd", caFile}, regular); diff != "" {
		t.Errorf("files in the image (-want +got):\n%s", diff)
	}
	if h := files[entry]; h == nil || h.Uid != 0 || h.Mode&0o222 != 0 || h.Mode&0o111 == 0 {
		t.Errorf("binary header %+v: want root's, executable, not writable", h)
	}
	if !bytes.Contains(passwd, []byte(":65532:65532:")) {
		t.Errorf("/etc/passwd lacks user 65532:\n%s", passwd)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(certs) {
		t.Errorf("%s holds no certificate", caFile)
	}

	// The binary is static: no interpreter, no shared library.
	exe := filepath.Join(t.TempDir(), n)
	if err := os.WriteFile(exe, binary, 0o555); err != nil {
		t.Fatal(err)
	}
	ef, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names an interpreter: not static")
		}
	}
	if libs, _ := ef.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	ef.Close()
	if runtime.GOOS != "linux" {
		// A Linux binary; running it needs a Linux host.
		return
	}
	help, err := exec.Command(exe, "-h").Output()
	if err != nil || !bytes.Contains(help, []byte("DATABASE_URL")) {
		t.Fatalf("%s -h: %v\n%s", n, err, help)
	}
	runService(t, exe, n)
}

// databaseRoles prepares a fresh test database as deploy/k8s does, with
// the image's binary: an administrator runs `<binary> setup-sql` (the
// process's owner, runtime and audit roles, its schema, the extensions),
// then `<binary> migrate` migrates as the owner and grants the runtime
// role. It returns the runtime role's URL, the only one the service gets.
func databaseRoles(t *testing.T, exe, n string) string {
	admin := pgtest.NewDatabase(t)
	as := func(role string) string {
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(role)
		return u.String()
	}
	setupSQL, err := exec.Command(exe, "setup-sql").Output()
	if err != nil {
		t.Fatalf("%s setup-sql: %v", n, err)
	}
	conn, err := pgx.Connect(t.Context(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), string(setupSQL)); err != nil {
		t.Fatalf("%s setup-sql: %v\n%s", n, err, setupSQL)
	}
	runtimeURL := as("spona_" + n)
	migrate := exec.Command(exe, "migrate")
	migrate.Env = []string{"DATABASE_URL=" + runtimeURL, "MIGRATE_DATABASE_URL=" + as("spona_"+n+"_owner"), "LOG_LEVEL=warn"}
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("%s migrate: %v\n%s", n, err, out)
	}
	return runtimeURL
}

// runService starts the image's binary against a fresh test database set
// up as in deploy/k8s (databaseRoles), as the image's user when the test
// runs as root, and waits for it to answer gRPC health over mTLS as
// SERVING; then stops it with SIGTERM.
func runService(t *testing.T, exe, n string) {
	dir := t.TempDir()
	asUser := os.Geteuid() == 0
	// The binary makes its own secrets (principal keys, development CA and
	// certificates), owned by the user it runs as.
	args := []string{"init-secrets", filepath.Join(dir, "secrets")}
	if asUser {
		args = []string{"init-secrets", "-owner", "65532:65532", filepath.Join(dir, "secrets")}
		// The user must reach the binary and the secrets.
		for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for d := filepath.Dir(exe); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := exec.Command(exe, args...).CombinedOutput(); err != nil {
		t.Fatalf("init-secrets: %v\n%s", err, out)
	}
	keys := filepath.Join(dir, "secrets")
	tlsFiles := tlsconfig.DevFiles(filepath.Join(keys, "tls"), n)
	grpcAddr, adminAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(exe)
	cmd.Env = []string{
		"DATABASE_URL=" + databaseRoles(t, exe, n),
		"GRPC_ADDR=" + grpcAddr,
		"ADMIN_ADDR=" + adminAddr,
		"PRINCIPAL_KEY_FILE=" + filepath.Join(keys, "principal", n+".key"),
		"PRINCIPAL_PUBLIC_KEYS_DIR=" + filepath.Join(keys, "principal", "public"),
		"TLS_CERT_FILE=" + tlsFiles.Cert, "TLS_KEY_FILE=" + tlsFiles.Key, "TLS_CA_FILE=" + tlsFiles.CA,
		// Called only when a request needs them.
		"REPORTING_ADDR=127.0.0.1:1", "REFERRALS_ADDR=127.0.0.1:1",
	}
	if asUser {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			t.Logf("%s killed: %v", n, <-done)
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", n, logs.String())
		}
	}()

	// The test calls as the edge would: its certificate from the same CA.
	src, err := tlsconfig.Load(tlsconfig.DevFiles(filepath.Join(keys, "tls"), "edge"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(src.Client(n)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("%s exited while starting: %v", n, err)
		default:
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not SERVING after 90s: %v %v", n, resp.GetStatus(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if asUser {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if err != nil || !strings.Contains(string(status), "Uid:\t65532\t65532") {
			t.Errorf("the process does not run as 65532: %v\n%s", err, status)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("%s after SIGTERM: %v", n, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s still running 30s after SIGTERM", n)
	}
}

func freeAddr(t *testing.T) string {
	addr, err := devstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestDeployUsesTheImages: every process under services/ gets an image, and
// deploy/k8s (base and prod overlay) and deploy/compose name the images
// `make images` writes: spona/<process>:<tag>, with /app as entrypoint
// wherever they give a command.
func TestDeployUsesTheImages(t *testing.T) {
	root := devstacktest.Root()
	mains, err := filepath.Glob(filepath.Join(root, "services", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for _, m := range mains {
		services = append(services, filepath.Base(filepath.Dir(m)))
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(processes)), slices.Sorted(slices.Values(services))); diff != "" {
		t.Errorf("processes with an image (-images +services/):\n%s", diff)
	}
	read := func(parts ...string) string {
		b, err := os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	compose := read("deploy", "compose", "compose.yaml")
	prod := read("deploy", "k8s", "overlays", "prod", "kustomization.yaml")
	for _, n := range processes {
		base := read("deploy", "k8s", "base", n+".yaml")
		if !strings.Contains(base, "image: spona/"+n+":dev\n") {
			t.Errorf("deploy/k8s/base/%s.yaml does not run spona/%s:dev", n, n)
		}
		if !strings.Contains(prod, "- name: spona/"+n+"\n") {
			t.Errorf("the prod overlay does not retag spona/%s", n)
		}
		if !strings.Contains(compose, "image: spona/"+n+":${SPONA_VERSION:-dev}\n") {
			t.Errorf("deploy/compose does not run spona/%s", n)
		}
	}
	for _, m := range regexp.MustCompile(`command: \[\s*"(/[^"]+)"`).FindAllStringSubmatch(strings.Join([]string{compose, read("deploy", "k8s", "base", "edge.yaml")}, "\n"), -1) {
		if m[1] != entry {
			t.Errorf("a command runs %s, not the images' %s", m[1], entry)
		}
	}
}
