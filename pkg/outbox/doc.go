// Package outbox is Spona's event backbone, on PostgreSQL alone: every
// service writes its domain events (package events) to an outbox table in
// its own schema, in the transaction of the change (Write); serves them as
// spona.events.v1.EventFeedService (Feed); and consumes other services'
// feeds with a cursor kept in its own schema (Consumer).
//
// # Tables (each service's migration creates them)
//
//	outbox          id bigint identity, event_id, type, aggregate_type,
//	                aggregate_id, organisation_ids, data jsonb, traceparent,
//	                create_time
//	outbox_feed     one row: feed_id (random, in every cursor) and
//	                pruned_through (positions up to it were deleted)
//	outbox_cursors  consumer name -> cursor of the feed it consumes
//
// # Order is commit order
//
// An identity value is taken when a row is inserted, not when its
// transaction commits: with two writers A (id 10) and B (id 11), B can commit
// first, and a reader that then serves 11 and moves its cursor past it skips
// 10 for ever when A commits. Write therefore takes a transaction-level
// advisory lock (one per schema) before it inserts, as the last step of the
// transaction. The lock is released only after the commit is visible
// (PostgreSQL makes a transaction visible before it releases its locks), so
// a writer gets its ids only once every earlier writer's events are visible
// or rolled back. Hence:
//
//   - positions are handed out in commit order;
//   - when a reader's snapshot sees position p, every lower position is
//     either visible in it or will never exist, so the highest visible
//     position is a safe high-water mark, and a cursor never skips an event.
//
// The price is that event-writing transactions of one service serialise for
// the time between their outbox insert and their commit (one statement and
// the commit). The alternative of filtering rows by xid below the snapshot's
// xmin orders by transaction start rather than commit and lets one long
// transaction anywhere in the database hold every feed back; the lock keeps
// both cursor and per-aggregate order simple.
//
// # Cursors and retention
//
// A cursor encodes the feed id and a position. ListEvents refuses a cursor
// that does not decode, belongs to another feed or lies beyond any position
// ever assigned (INVALID_ARGUMENT), and one older than the retention
// (OUT_OF_RANGE, naming the oldest cursor available in the message and in
// ErrorInfo metadata "oldest_cursor"). Events older than the retention are
// pruned by Feed.Run.
//
// # Waking watchers
//
// Write notifies channel spona_outbox_<schema> (delivered at commit). Each
// Feed holds one LISTEN connection and wakes all its WatchEvents streams;
// without notifications (listener reconnecting) streams poll every
// PollEvery.
package outbox
