// Package web holds the browser app's built files (web/dist, written by
// `make web`), embedded into the server binary. Until the app is built, dist
// holds only a page that says how to build it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built web app: index.html at its root.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: fs.Sub cannot fail here
	}
	return sub
}
