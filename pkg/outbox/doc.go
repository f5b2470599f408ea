// Package outbox is Spona's event backbone, on PostgreSQL alone: every
// service writes its domain events (package events) to an outbox table in
// its own schema, in the transaction of the change (Write); serves them as
// spona.events.v1.EventFeedService (Feed); and consumes other services'
// feeds with a cursor kept in its own schema (Consumer).
//
// # Tables (each service's migrations create them)
//
//	outbox          id bigint identity (insertion order), pos (feed
//	                position, NULL until stamped), event_id, type,
//	                aggregate_type, aggregate_id, organisation_ids, data
//	                jsonb, traceparent, create_time
//	outbox_feed     one row: feed_id (random, in every cursor),
//	                pruned_through (positions up to it were deleted) and
//	                sequenced_through (the last position handed out)
//	outbox_cursors  consumer name -> cursor of the feed it consumes
//
// # Order is commit order
//
// An identity value is taken when a row is inserted, not when its
// transaction commits: with two writers A (id 10) and B (id 11), B can commit
// first, and a reader that then serves 11 and moves its cursor past it skips
// 10 for ever when A commits. The feed therefore does not page by id but by
// a position handed out after the commit. Writers insert their events
// without one and wait for nobody (no lock, no notification: both would be
// held through the commit and serialise every writer of the service, or,
// for NOTIFY, of the whole PostgreSQL cluster). The feed then stamps
// committed events, in id order, with the positions after
// outbox_feed.sequenced_through, in a transaction that locks that row, so
// stamping transactions commit one after the other. Hence:
//
//   - a position is given only to a committed event, so nothing can appear
//     behind a position already served;
//   - when a reader's snapshot sees position p it sees every lower position,
//     so sequenced_through is a safe high-water mark, and a cursor never
//     skips an event;
//   - per aggregate, positions follow commit order: two transactions that
//     change one aggregate are ordered by its row lock and insert their
//     events after taking it (Write's contract), so the later one's events
//     have the higher ids, and any snapshot that sees the later commit sees
//     the earlier one.
//
// Transaction ids would not do: ordering by the writing transaction's id
// below the snapshot's xmin orders by when a transaction first wrote, not
// by when it committed (a transaction that wrote something else, then
// waited for an aggregate's lock, would put its event before the one it
// waited for), and one long transaction anywhere in the database would hold
// every feed back.
//
// Who stamps: Feed.Run, as soon as a pipelined transaction of its own
// process that wrote events commits (db.Pipe.AfterCommit), and every
// PollEvery for other writers; ListEvents, and WatchEvents when it starts
// or polls, when they find committed events without a position. Stamping
// notifies channel spona_outbox_<schema> (delivered at its commit).
// Positions given before the positions migration are the events' ids, so
// cursors stored then keep their meaning.
//
// # Cursors and retention
//
// A cursor encodes the feed id and a position. ListEvents refuses a cursor
// that does not decode, belongs to another feed or lies beyond any position
// ever assigned (INVALID_ARGUMENT), and one older than the retention
// (OUT_OF_RANGE, naming the oldest cursor available in the message and in
// ErrorInfo metadata "oldest_cursor"). Events older than the retention are
// pruned by Feed.PruneExpired, which each service runs every minute.
//
// # Waking watchers
//
// Stamping notifies channel spona_outbox_<schema> (delivered at commit),
// once per batch of events, naming the types it stamped. Each Feed holds
// one LISTEN connection and wakes its WatchEvents streams: a stream that
// filters by type reads only when a wake named one of its types (or named
// none: a listener that reconnected), and otherwise at its next poll, when
// it moves past what it filtered out. Most events interest no consumer (a
// beneficiary created, say), so the consumers of a busy feed do not read it
// once per stamping. Without notifications (listener reconnecting) streams
// poll every PollEvery.
package outbox
