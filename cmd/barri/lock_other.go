//go:build !unix

package main

import (
	"errors"
	"os"
)

// errLocked: another process holds the lock.
var errLocked = errors.New("locked by another process")

// lockFile does nothing where flock(2) is missing: two batches on one
// output there are the user's to avoid.
func lockFile(f *os.File) error { return nil }

func unlockFile(f *os.File) {}
