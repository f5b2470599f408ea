//go:build !linux

package devstack

import "syscall"

// ChildProcAttr: only Linux signals a child when its parent dies; elsewhere
// (macOS) a child outlives a test binary that is killed, not one that ends.
func ChildProcAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}
