package adapters

// EraseParts and EraseSQL are the erasure's statements, one by one and as
// one, for BenchmarkErase; EraseSQLNotNaming is EraseSQL without the
// purposes naming the person (as before it blanked them).
var EraseParts, EraseSQL, EraseSQLNotNaming = eraseParts, eraseSQL, eraseStatement("")
