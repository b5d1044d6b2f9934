// Package shareddata finds the shared Barcelona data that tests read from
// ../shared/data beside the repository. Where it is absent (a user's clone)
// tests skip with a message; under CI=true they fail, since CI always has it.
package shareddata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the shared data directory, or skips (fails under CI) the test.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dir := filepath.Join(root, "..", "shared", "data")
	if env := os.Getenv("BARRI_DATA"); env != "" {
		dir = env
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data not found at %s: CI must have ../shared/data beside the repository", dir)
		}
		t.Skipf("shared data not found at %s (set BARRI_DATA or place ../shared/data beside the repository)", dir)
	}
	return dir
}

// Path returns a file inside the shared data directory.
func Path(t testing.TB, rel string) string {
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}
