package db

// Null maps "" to SQL NULL for optional text and uuid columns.
func Null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NullInt maps 0 to SQL NULL.
func NullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// Strings maps a nil slice to an empty array for NOT NULL array columns.
func Strings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
