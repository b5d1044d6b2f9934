//go:build js && wasm

package proposal

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/barri-city/barri/sim"
)

// MaxLinkBytes bounds the scenario file a share link may unpack to.
const MaxLinkBytes = 8 << 20

// Share packs a scenario file into a URL fragment (without the "#"):
// "p=" then the JSON compressed with raw DEFLATE, in base64url.
func Share(sc *sim.Scenario) (string, error) {
	data, err := json.Marshal(sc)
	if err != nil {
		return "", fmt.Errorf("proposal: %v", err)
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(data)
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("proposal: %v", err)
	}
	return "p=" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Unshare reads a fragment written by Share (with or without its "#") back
// into the scenario file's bytes.
func Unshare(frag string) ([]byte, error) {
	frag = strings.TrimPrefix(frag, "#")
	v, ok := strings.CutPrefix(frag, "p=")
	if !ok {
		return nil, errors.New("proposal: the link carries no proposal (its fragment does not start with p=)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("proposal: the link's proposal is damaged (base64: %v); copy the whole link", err)
	}
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), MaxLinkBytes+1))
	if err != nil {
		return nil, fmt.Errorf("proposal: the link's proposal is damaged (deflate: %v); copy the whole link", err)
	}
	if len(data) > MaxLinkBytes {
		return nil, fmt.Errorf("proposal: the link's proposal unpacks to more than %d bytes", MaxLinkBytes)
	}
	return data, nil
}
