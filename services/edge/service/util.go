package service

import (
	"slices"
	"strings"
)

func contains(xs []string, x string) bool { return slices.Contains(xs, x) }

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
