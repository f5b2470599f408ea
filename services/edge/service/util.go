package service

import (
	"strings"
)

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
