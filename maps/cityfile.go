package maps

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// cityMagic starts every city file; the byte after it is the format version.
const cityMagic = "BARRICITY"

const cityFileVersion = 1

// cityFile is what a city file holds (gob-encoded, gzip-compressed). Only
// slices, no maps: the encoding is deterministic.
type cityFile struct {
	Name      string
	Origin    orb.Point
	Zones     []sim.Zone
	Buildings []sim.Building
	Nodes     []sim.Node
	Segments  []sim.Segment
	Stops     []sim.Stop
	Amenities []sim.Amenity
}

// WriteCity writes a city in the compact city-file format.
func WriteCity(w io.Writer, c *sim.City) error {
	if _, err := io.WriteString(w, cityMagic); err != nil {
		return err
	}
	if _, err := w.Write([]byte{cityFileVersion}); err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	f := cityFile{Name: c.Name, Origin: c.Origin, Zones: c.Zones, Buildings: c.Buildings, Nodes: c.Nodes,
		Segments: c.Segments, Stops: c.Stops, Amenities: c.Amenities}
	if err := gob.NewEncoder(zw).Encode(&f); err != nil {
		return fmt.Errorf("maps: encoding city: %v", err)
	}
	return zw.Close()
}

// ReadCity reads a city written by WriteCity.
func ReadCity(r io.Reader) (*sim.City, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(cityMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil || !bytes.Equal(head[:len(cityMagic)], []byte(cityMagic)) {
		return nil, errors.New("not a Barri city file (write one with barri import)")
	}
	if head[len(cityMagic)] != cityFileVersion {
		return nil, fmt.Errorf("city file version %d is not known to this barri (it reads %d): upgrade barri", head[len(cityMagic)], cityFileVersion)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("city file is damaged: %v", err)
	}
	var f cityFile
	if err := gob.NewDecoder(io.LimitReader(zr, 4<<30)).Decode(&f); err != nil {
		return nil, fmt.Errorf("city file is damaged: %v", err)
	}
	for i := range f.Buildings {
		if z := f.Buildings[i].Zone; z < -1 || z >= len(f.Zones) {
			return nil, fmt.Errorf("city file is damaged: building %d names zone %d", i, z)
		}
	}
	return sim.NewCity(f.Name, f.Origin, f.Zones, f.Buildings, f.Nodes, f.Segments, f.Stops, f.Amenities)
}

// ReadCityFile reads a city file from disk.
func ReadCityFile(path string) (*sim.City, error) {
	// A FIFO or a device would block or never end: only regular files.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("maps: %v", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("maps: %s is not a regular file (%s): give the path of a city file written by barri import", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("maps: %v", err)
	}
	defer f.Close()
	c, err := ReadCity(f)
	if err != nil {
		return nil, fmt.Errorf("maps: %s: %v", path, err)
	}
	return c, nil
}

// WriteCityFile writes a city file to disk, atomically: a failed write leaves
// any earlier file in place.
func WriteCityFile(path string, c *sim.City) error {
	tmp, err := os.CreateTemp(dirOf(path), ".city-*.tmp")
	if err != nil {
		return fmt.Errorf("maps: %v", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	if err := WriteCity(w, c); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("maps: writing %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("maps: writing %s: %v", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("maps: %v", err)
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[:i+1]
		}
	}
	return "."
}
