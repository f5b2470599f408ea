// Package pagination implements keyset page tokens for List methods.
//
// A token is opaque to callers: it carries the sort key of the last row
// returned and a fingerprint of the request's filters, so a token cannot be
// reused with different filters, and of the organisation it was issued to,
// so it cannot be used by another. Each list declares the kind of its sort
// key (Key); Parse refuses a token whose key is not of that kind, so a
// forged position never reaches a query. Lists never use OFFSET.
package pagination

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
)

const (
	DefaultSize = 50
	MaxSize     = 500
)

// Page is what a List method needs to fetch one page.
type Page struct {
	Size  int    // rows to return
	After string // sort key of the last row already returned; "" for the first page
	query string // fingerprint of the filters
	org   string // fingerprint of the caller's organisation
}

type token struct {
	After string `json:"a"`
	Query string `json:"q"`
	Org   string `json:"o"`
}

// Key is the kind of sort key a list pages by: it reports whether a
// token's position is one of its rows' keys could be. A custom kind is a
// func, e.g. Key(func(s string) bool { _, ok := domain.ParseX(s); return ok }).
type Key func(after string) bool

var (
	// UUIDKey: the row's id, a UUID.
	UUIDKey Key = ids.Valid
	// IntKey: a bigint id, in decimal without sign or leading zeros.
	IntKey Key = func(s string) bool {
		n, err := strconv.ParseInt(s, 10, 64)
		return err == nil && n >= 0 && strconv.FormatInt(n, 10) == s
	}
	// TextKey: any text (a code compared as text).
	TextKey Key = func(string) bool { return true }
)

// Fingerprint summarises the filters of a request; pass every filter value,
// after the list's name when another list of the same kind of key could
// have the same filters (a token is refused by every list but its own).
func Fingerprint(filters ...any) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%q", filters)))
	return hex.EncodeToString(h[:8])
}

// Parse validates page_size and page_token: a token must have been issued
// by this list (Next) to org, the caller's organisation, for the same
// filters (fingerprint), and carry a position of the list's kind of key.
// Anything else is a page_token field violation.
func Parse(size int32, pageToken string, key Key, org, fingerprint string) (Page, error) {
	var v errs.Violations
	p := Page{Size: int(size), query: fingerprint, org: Fingerprint("org", org)}
	switch {
	case size < 0:
		v.Add("page_size", "must not be negative")
	case size == 0:
		p.Size = DefaultSize
	case size > MaxSize:
		p.Size = MaxSize
	}
	if pageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(pageToken)
		var t token
		if err == nil {
			err = json.Unmarshal(raw, &t)
		}
		switch {
		case err != nil || t.After == "" || len(t.After) > 512 || !utf8.ValidString(t.After) || strings.ContainsRune(t.After, 0) ||
			t.Org != p.org || !key(t.After):
			v.Add("page_token", "is not a token returned by this method")
		case t.Query != fingerprint:
			v.Add("page_token", "was issued for different filters")
		default:
			p.After = t.After
		}
	}
	return p, v.Err()
}

// Limit is the number of rows to fetch: one more than the page size, so the
// caller knows whether another page exists.
func (p Page) Limit() int { return p.Size + 1 }

// Next trims rows to the page size and returns the token for the next page,
// "" when this is the last one. key returns the sort key of a row.
func Next[T any](p Page, rows []T, key func(T) string) ([]T, string) {
	if len(rows) <= p.Size {
		return rows, ""
	}
	rows = rows[:p.Size]
	raw, _ := json.Marshal(token{After: key(rows[len(rows)-1]), Query: p.query, Org: p.org})
	return rows, base64.RawURLEncoding.EncodeToString(raw)
}
