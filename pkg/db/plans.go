package db

import "github.com/jackc/pgx/v5"

// CustomPlans returns a batch whose statements PostgreSQL plans for the
// values they are given, every time (plan_cache_mode force_custom_plan,
// set for the batch's transaction only: the implicit one of the batch, or
// the caller's). For counts and reports, whose best plan depends on the
// values (an open or a closed period, a project of ten records or of a
// million): pgx prepares every statement, and after five runs on a
// connection PostgreSQL may switch to a generic plan, made without the
// values, which for these is often a poor one. Planning anew costs
// a fraction of a millisecond; do not use it for short statements.
func CustomPlans() *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('plan_cache_mode', 'force_custom_plan', true)`)
	return b
}
