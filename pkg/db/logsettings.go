package db

// LogPrivacySettings are the PostgreSQL server settings that keep row and
// parameter values out of the server's log; every cluster Spona runs on
// must have them (`make run` and the tests' clusters through pgcluster,
// deploy/compose and the CloudNativePG Cluster in deploy/k8s; tests/docs
// checks the manifests).
//
// By default a unique violation logs "DETAIL: Key (…, number)=(…, PX7Q4K9M2)
// already exists." and the statement, and a check violation the whole
// failing row. With these, an error is one line: its message and the
// constraint's name. The message of a failed type conversion still quotes
// the input ("invalid input syntax for type uuid: …"): the services validate
// input before it reaches SQL, so such a line is a bug to fix, and an
// operator who wants none at all sets log_min_messages = log (errors then
// reach only the services' logs, as SQLSTATE and constraint names).
var LogPrivacySettings = map[string]string{
	// No DETAIL (key values, failing rows), HINT, QUERY or CONTEXT lines.
	"log_error_verbosity": "terse",
	// No STATEMENT line after an error.
	"log_min_error_statement": "panic",
	// No statements logged, by kind or by duration (they would carry
	// parameters).
	"log_statement":              "none",
	"log_min_duration_statement": "-1",
	// No bind parameters in the lines that remain.
	"log_parameter_max_length":          "0",
	"log_parameter_max_length_on_error": "0",
}
