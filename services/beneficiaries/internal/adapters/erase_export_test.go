package adapters

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EraseParts and EraseSQL are the erasure's statements, one by one and as
// one, for BenchmarkErase; EraseSQLNotNaming is EraseSQL without the
// purposes naming the person (as before it blanked them).
var EraseParts, EraseSQL, EraseSQLNotNaming = eraseParts, eraseSQL, eraseSQLNotNaming

// ErasePatterns are EraseSQL's $3 and $4 for the persons ids, as Erase
// reads and folds them.
func ErasePatterns(ctx context.Context, pool *pgxpool.Pool, ids []string) (words, unspaced []string, err error) {
	n, err := NewPostgres(pool).namingOf(ctx, ids)
	words, unspaced = n.Patterns()
	return words, unspaced, err
}
