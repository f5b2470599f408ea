// Package validate holds the tests that check the deployment files in
// deploy/ (see validate_test.go); it has no code of its own.
package validate
