//go:build !unix

package main

import "time"

// selfCPU is not measured here: the load test reports the generator's CPU
// as unknown.
func selfCPU() time.Duration { return 0 }
