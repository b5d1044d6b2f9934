package main

import (
	"io"
)

func cmdImport(args []string, stdout, stderr io.Writer) error {
	return badInput("import: not yet")
}

func cmdBatch(args []string, stdout, stderr io.Writer) error {
	return badInput("batch: not yet")
}
