package logging

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
)

// Panic is the "panic" attribute of the log record of a recovered panic:
// the panic value's type, where it was raised (function, file:line) and
// the stack from there, one function and file:line a frame. Not the value
// itself, which is often a message formatted from a request's or a row's
// fields (a name), nor the argument words a Go traceback prints. Call it
// in the deferred function that recovered, where the panic's frames are
// still on the stack.
func Panic(recovered any) slog.Attr {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs) // from the caller of Panic
	frames := runtime.CallersFrames(pcs[:n])
	var stack []runtime.Frame
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			// Above it: the deferred function; below it, the runtime's own
			// frames of a fault (runtime.panicmem, runtime.sigpanic),
			// then the code that panicked.
			stack, panicking = stack[:0], true
		case panicking && len(stack) == 0 && strings.HasPrefix(f.Function, "runtime."):
		default:
			stack = append(stack, f)
		}
		if !more {
			break
		}
	}
	var at string
	var b strings.Builder
	for i, f := range stack {
		line := fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		if i == 0 {
			at = line
		} else {
			b.WriteString("\n")
		}
		b.WriteString(line)
	}
	return slog.Group("panic", slog.String("type", fmt.Sprintf("%T", recovered)),
		slog.String("at", at), slog.String("stack", b.String()))
}
