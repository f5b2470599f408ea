// Package testkit is the root of Spona's test harness: private PostgreSQL
// clusters (pgcluster, pgtest), real service processes in tests
// (servicetest, devstack), a REST client (resttest), a test OIDC issuer
// (oidctest), an OTLP receiver (otlptest) and free loopback ports for the
// servers they start (loopback) and a relay counting the round trips a
// service makes to PostgreSQL (pgwire).
//
// Nothing under pkg/testkit ships: the service binaries never import it
// (a depguard rule in `make lint` enforces this). Only tests and the
// developer tools under deploy/ (`make run`, `make load`) use it.
package testkit
