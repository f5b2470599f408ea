package adapters

// EraseParts and EraseSQL are the erasure's statements, one by one and as
// one (no other e-mail spellings: the two arguments $1 and $2), for
// BenchmarkErase; EraseSQLNotNaming is EraseSQL without the purposes naming
// the person (as before it blanked them).
var EraseParts, EraseSQL, EraseSQLNotNaming = eraseParts, eraseStatement(namingOf("'{}'::text[]").SQL()), eraseStatement("")
