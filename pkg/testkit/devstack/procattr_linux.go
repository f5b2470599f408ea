package devstack

import "syscall"

// ChildProcAttr makes a child process receive sig when the process that
// started it dies (a test binary killed by its timeout, say), so that no
// service, PostgreSQL or Jaeger outlives its test.
func ChildProcAttr(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: sig}
}
