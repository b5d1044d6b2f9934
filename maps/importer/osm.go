package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmgeojson"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// ReadOSMFile reads OpenStreetMap XML (.osm) or PBF (.pbf) and returns its
// features (ways as lines or polygons, multipolygon relations, tagged nodes)
// with the OSM tags as properties. Input need not be sorted.
func ReadOSMFile(path string) ([]Feature, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %v", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("importer: %s is not a regular file (%s): give the path of an .osm or .pbf file", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %v", err)
	}
	defer f.Close()
	feats, err := ReadOSM(f, strings.HasSuffix(strings.ToLower(path), ".pbf"))
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %v", path, err)
	}
	return feats, nil
}

// ReadOSM reads OpenStreetMap XML, or PBF when pbf is true.
func ReadOSM(r io.Reader, pbf bool) ([]Feature, error) {
	type scanner interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	var sc scanner
	if pbf {
		sc = osmpbf.New(context.Background(), r, runtime.GOMAXPROCS(0))
	} else {
		sc = osmxml.New(context.Background(), r)
	}
	defer sc.Close()
	o := &osm.OSM{}
	for sc.Scan() {
		switch v := sc.Object().(type) {
		case *osm.Node:
			o.Nodes = append(o.Nodes, v)
		case *osm.Way:
			o.Ways = append(o.Ways, v)
		case *osm.Relation:
			o.Relations = append(o.Relations, v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("not readable OpenStreetMap data: %v", err)
	}
	if len(o.Nodes) == 0 {
		return nil, errors.New("no OpenStreetMap nodes: is it an .osm or .pbf file?")
	}
	fc, err := osmgeojson.Convert(o, osmgeojson.NoMeta(true), osmgeojson.NoRelationMembership(true))
	if err != nil {
		return nil, err
	}
	out := make([]Feature, 0, len(fc.Features))
	for i, gf := range fc.Features {
		ft := Feature{Index: i, Geometry: gf.Geometry, Props: map[string]any{}}
		if gf.ID != nil {
			ft.ID = fmt.Sprint(gf.ID)
		}
		if gf.Geometry == nil {
			return nil, fmt.Errorf("%s has no geometry", ft.Name())
		}
		if err := checkLonLat(gf.Geometry); err != nil {
			return nil, fmt.Errorf("%s: %v", ft.Name(), err)
		}
		if err := checkAntimeridian(gf.Geometry); err != nil {
			return nil, fmt.Errorf("%s: %v", ft.Name(), err)
		}
		if tags, ok := gf.Properties["tags"].(map[string]string); ok {
			for k, v := range tags {
				ft.Props[k] = v
			}
		}
		out = append(out, ft)
	}
	return out, nil
}
