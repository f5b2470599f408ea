package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's user: the same uid/gid as distroless's nonroot.
const (
	uid  = 65532
	user = "65532:65532"
	// entry is the process's binary, as in deploy/docker/Dockerfile's
	// images (deploy/compose runs `/app create-key`, say).
	entry = "/app"
	// caFile is where Go's crypto/x509 looks first on Linux.
	caFile = "/etc/ssl/certs/ca-certificates.crt"
)

type options struct {
	root  string // the repository (default: the working directory)
	out   string
	tag   string
	arch  string
	certs string
	names []string
}

type built struct {
	name, ref, digest string
	size              int64 // compressed layers
}

// caBundles are where Linux distributions and macOS keep the system's CA
// certificates as one PEM file.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
	"/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
	"/etc/ssl/ca-bundle.pem",             // openSUSE
	"/etc/ssl/cert.pem",                  // macOS, Alpine, FreeBSD
}

// readCertificates reads the CA bundle for the images and checks it holds
// certificates.
func readCertificates(file string) ([]byte, error) {
	files := caBundles
	if file != "" {
		files = []string{file}
	}
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) && file == "" {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", f)
		}
		return pem, nil
	}
	return nil, fmt.Errorf("no CA certificates found at %s: install ca-certificates or give -ca-certificates", strings.Join(caBundles, ", "))
}

// build compiles the binaries and writes their images.
func build(ctx context.Context, o options) ([]built, error) {
	if o.root == "" {
		o.root = "."
	}
	for _, n := range o.names {
		if !isProcess(n) {
			return nil, fmt.Errorf("unknown process %q (one of %s)", n, strings.Join(processes, ", "))
		}
	}
	created := sourceDate()
	certs, err := readCertificates(o.certs)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "spona-image-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := compile(ctx, o, filepath.Join(tmp, "bin")); err != nil {
		return nil, err
	}
	base, err := layer(baseFiles(certs), created)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.out, 0o750); err != nil {
		return nil, err
	}
	// A fresh layout each time: appending to an old one would keep the
	// images it held before.
	ociDir := filepath.Join(o.out, "oci")
	next := ociDir + ".new"
	if err := os.RemoveAll(next); err != nil {
		return nil, err
	}
	lp, err := layout.Write(next, empty.Index)
	if err != nil {
		return nil, err
	}
	var out []built
	for _, n := range o.names {
		bin, err := os.ReadFile(filepath.Join(tmp, "bin", n))
		if err != nil {
			return nil, err
		}
		img, err := image(n, o, base, bin, created)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		ref := "spona/" + n + ":" + o.tag
		tag, err := name.NewTag(ref)
		if err != nil {
			return nil, err
		}
		if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": ref,
		}), layout.WithPlatform(v1.Platform{OS: "linux", Architecture: o.arch})); err != nil {
			return nil, err
		}
		if err := tarball.WriteToFile(filepath.Join(o.out, n+".tar"), tag, img); err != nil {
			return nil, err
		}
		b := built{name: n, ref: ref}
		d, err := img.Digest()
		if err != nil {
			return nil, err
		}
		b.digest = d.String()
		layers, err := img.Layers()
		if err != nil {
			return nil, err
		}
		for _, l := range layers {
			s, err := l.Size()
			if err != nil {
				return nil, err
			}
			b.size += s
		}
		out = append(out, b)
	}
	if err := os.RemoveAll(ociDir); err != nil {
		return nil, err
	}
	return out, os.Rename(next, ociDir)
}

func isProcess(n string) bool {
	for _, p := range processes {
		if p == n {
			return true
		}
	}
	return false
}

// sourceDate is the time stamped on the images and their files:
// SOURCE_DATE_EPOCH when set, else the Unix epoch, so that the same sources
// give the same image digests.
func sourceDate() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Unix(0, 0).UTC()
}

// compile builds static Linux binaries of the processes into dir.
func compile(ctx context.Context, o options, dir string) error {
	args := []string{"build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X github.com/spona/spona/pkg/platform.Version=" + o.tag,
		"-o", dir + string(os.PathSeparator)}
	for _, n := range o.names {
		args = append(args, "./services/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = o.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+o.arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// file is one entry of a layer.
type file struct {
	path string // absolute, in the image
	mode int64  // permission bits; a trailing / in path makes a directory
	uid  int
	data []byte
}

// baseFiles are the base layer's: what a static Go process needs of an
// operating system.
func baseFiles(certs []byte) []file {
	return []file{
		{path: "/etc/", mode: 0o755},
		{path: "/etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{path: "/etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		// Go's resolver reads it: the hosts file first, then DNS.
		{path: "/etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{path: "/etc/ssl/", mode: 0o755},
		{path: "/etc/ssl/certs/", mode: 0o755},
		{path: caFile, mode: 0o644, data: certs},
		{path: "/home/", mode: 0o755},
		{path: "/home/nonroot/", mode: 0o700, uid: uid},
		{path: "/tmp/", mode: 0o1777},
	}
}

// layer makes an uncompressed tar of files (parents before children) and
// the gzip-compressed OCI layer of it.
func layer(files []file, created time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name: strings.TrimPrefix(f.path, "/"), Mode: f.mode, Uid: f.uid, Gid: f.uid,
			ModTime: created, Format: tar.FormatPAX,
		}
		if f.uid == uid {
			h.Uname, h.Gname = "nonroot", "nonroot"
		} else {
			h.Uname, h.Gname = "root", "root"
		}
		if strings.HasSuffix(f.path, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// image is the process's image: the base layer, a layer with its binary,
// and its configuration.
func image(n string, o options, base v1.Layer, bin []byte, created time.Time) (v1.Image, error) {
	app, err := layer([]file{
		// Owned by root and not writable: the process cannot change itself.
		{path: entry, mode: 0o555, data: bin},
	}, created)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	at := v1.Time{Time: created}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{Created: at, CreatedBy: "deploy/image: CA certificates, /etc/passwd and /etc/group (user 65532), /etc/nsswitch.conf, /tmp", Comment: "base"}},
		mutate.Addendum{Layer: app, MediaType: types.OCILayer, History: v1.History{Created: at, CreatedBy: "deploy/image: go build -trimpath (CGO_ENABLED=0) ./services/" + n, Comment: n}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", o.arch, at
	ports := map[string]struct{}{"9091/tcp": {}} // admin: /healthz, /readyz, /metrics
	if n == "edge" {
		ports["8080/tcp"] = struct{}{} // REST
	} else {
		ports["9090/tcp"] = struct{}{} // gRPC
	}
	cf.Config = v1.Config{
		Entrypoint:   []string{entry},
		User:         user,
		WorkingDir:   "/home/nonroot",
		Env:          []string{"HOME=/home/nonroot", "SSL_CERT_FILE=" + caFile},
		ExposedPorts: ports,
		Labels: map[string]string{
			"org.opencontainers.image.title":       "spona-" + n,
			"org.opencontainers.image.version":     o.tag,
			"org.opencontainers.image.description": "Spona " + n + " (static binary, no shell; `" + n + " -h` lists its variables)",
		},
		Healthcheck: &v1.HealthConfig{
			Test:     []string{"CMD", entry, "healthcheck"},
			Interval: 10 * time.Second, Timeout: 5 * time.Second, StartPeriod: 30 * time.Second, Retries: 3,
		},
	}
	return mutate.ConfigFile(img, cf)
}
