package db

import (
	"crypto/sha256"
	"encoding/hex"
)

// A create's request id is a client's text (1 to 255 printable ASCII: an
// Idempotency-Key, a request_id), and a partner may well make it of what
// identifies the person the create is about (their case number, document
// number or name). The rows about a person therefore keep only a digest
// of it (RequestKey), so that a retry of the create still answers what it
// made, even once the person is erased, and the text itself is not kept.
// The digest is marked by a character no request id may hold, so a
// client's request id never looks like one. Rows written before, or by an
// older process, may hold the request id itself: lookups find both
// (RequestIDIs), and an erasure replaces it by its digest
// (ForgetRequestID).

// RequestKey is what a row keeps of the request id it was created with:
// nil (NULL) for none, else its digest.
func RequestKey(requestID string) *string {
	if requestID == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(requestID))
	k := "\x01sha256:" + hex.EncodeToString(sum[:])
	return &k
}

// requestKeySQL is RequestKey in SQL, of the text expression e.
func requestKeySQL(e string) string {
	return `chr(1) || 'sha256:' || encode(sha256(convert_to(` + e + `, 'UTF8')), 'hex')`
}

// ForgetRequestID is the SET clause with which an erasure replaces a
// request id column col still holding a request id by its digest.
func ForgetRequestID(col string) string {
	return col + ` = CASE WHEN ` + col + ` IS NULL OR ` + col + ` LIKE chr(1) || '%' THEN ` + col +
		` ELSE ` + requestKeySQL(col) + ` END`
}

// RequestIDIs is the condition finding the row created with the request
// id param (an SQL parameter such as $2) in column col, kept as its digest
// or, by an older process, as itself.
func RequestIDIs(col, param string) string {
	return col + ` IN (` + requestKeySQL(param+`::text`) + `, ` + param + `::text)`
}
