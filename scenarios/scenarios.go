// Package scenarios embeds the example scenario files of the Eixample so that
// the barri binary can run them anywhere: barri run superilla-hospital-clinic.
package scenarios

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Names returns the example names (file names without .json), sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// Read returns the JSON of an example by name, with or without ".json".
func Read(name string) ([]byte, bool) {
	name = strings.TrimPrefix(name, "scenarios/")
	if !strings.HasSuffix(name, ".json") {
		name += ".json"
	}
	data, err := files.ReadFile(name)
	return data, err == nil
}
