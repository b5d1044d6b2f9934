// Package web holds the browser app: its sources in web/src (index.html, CSS,
// JS glue, translations) and the built files in web/dist, written by
// `make web` (the sources, app.wasm and app.wasm.gz, wasm_exec.js) and
// embedded into the server binary. web/dist is not committed; until it is
// built, Dist serves a page that says how to build it.
package web

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

//go:embed all:dist
var dist embed.FS

//go:embed placeholder.html
var placeholder []byte

// Dist returns the built web app: index.html at its root. When web/dist
// has not been built, it holds only a page saying to run make web.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: fs.Sub cannot fail here
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return fstest.MapFS{"index.html": &fstest.MapFile{Data: placeholder, Mode: 0o444}}
	}
	return sub
}
