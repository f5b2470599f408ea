// Command image builds Spona's container images without a Docker engine
// (`make images`): one image per process, each a static Go binary (CGO off)
// on an empty base that holds only CA certificates, /etc/passwd and
// /etc/group naming the non-root user 65532, /etc/nsswitch.conf, and /tmp
// — no shell, no package manager, no libc. Images are assembled with
// go-containerregistry and written to OUT:
//
//	OUT/oci/             one OCI image layout holding every image, each
//	                     named (org.opencontainers.image.ref.name)
//	                     spona/<process>:<tag>; the base layer is stored once
//	OUT/<process>.tar    the same image as a docker-archive tarball tagged
//	                     spona/<process>:<tag> (docker load, podman load,
//	                     kind load image-archive, k3s ctr images import)
//
// The entrypoint is /app (the process's binary, as in the images
// deploy/docker/Dockerfile builds with a Docker engine), the user
// 65532:65532; the image's healthcheck runs `/app healthcheck`. deploy/k8s
// and deploy/compose use the names spona/<process>:<tag>.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// processes are the binaries that get an image, from services/<name>.
var processes = []string{"beneficiaries", "referrals", "trainings", "reporting", "webhooks", "edge"}

func main() {
	o := options{}
	flag.StringVar(&o.out, "out", ".data/images", "directory to write the OCI layout (oci/) and the tarballs (<process>.tar) to")
	flag.StringVar(&o.tag, "tag", "dev", "image tag, and the version the binaries report (platform.Version)")
	flag.StringVar(&o.arch, "arch", runtime.GOARCH, "CPU architecture of the images (GOARCH: amd64, arm64)")
	flag.StringVar(&o.certs, "ca-certificates", "", "PEM bundle of CA certificates to put in the images (default: this machine's, e.g. /etc/ssl/certs/ca-certificates.crt)")
	flag.Usage = func() {
		w := flag.CommandLine.Output()
		fmt.Fprintf(w, `image: build Spona's container images without a Docker engine (make images)

One image per process (%s): the static binary on an empty base with CA
certificates and the non-root user 65532, written as an OCI image layout
(OUT/oci) and docker-archive tarballs (OUT/<process>.tar), named
spona/<process>:TAG.

Usage: image [flags] [process...]

Flags:
`, strings.Join(processes, ", "))
		flag.PrintDefaults()
	}
	flag.Parse()
	o.names = flag.Args()
	if len(o.names) == 0 {
		o.names = processes
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	built, err := build(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	for _, b := range built {
		fmt.Printf("%-32s %s  %5.1f MiB compressed  %s\n", b.ref, b.digest, float64(b.size)/(1<<20), filepath.Join(o.out, b.name+".tar"))
	}
	fmt.Printf("OCI layout: %s (%s)\n", filepath.Join(o.out, "oci"), time.Since(start).Round(100*time.Millisecond))
}
