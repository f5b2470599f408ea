package adapters

// EraseParts and EraseSQL are the erasure's statements, one by one and as
// one, for BenchmarkErase.
var EraseParts, EraseSQL = eraseParts, eraseSQL
