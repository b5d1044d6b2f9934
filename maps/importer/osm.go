package importer

import (
	"context"
	"fmt"
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
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %v", err)
	}
	defer f.Close()
	type scanner interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	var sc scanner
	if strings.HasSuffix(strings.ToLower(path), ".pbf") {
		sc = osmpbf.New(context.Background(), f, runtime.GOMAXPROCS(0))
	} else {
		sc = osmxml.New(context.Background(), f)
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
		return nil, fmt.Errorf("importer: %s: not readable OpenStreetMap data: %v", path, err)
	}
	if len(o.Nodes) == 0 {
		return nil, fmt.Errorf("importer: %s: no OpenStreetMap nodes: is it an .osm or .pbf file?", path)
	}
	fc, err := osmgeojson.Convert(o, osmgeojson.NoMeta(true), osmgeojson.NoRelationMembership(true))
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %v", path, err)
	}
	out := make([]Feature, 0, len(fc.Features))
	for i, gf := range fc.Features {
		ft := Feature{Index: i, Geometry: gf.Geometry, Props: map[string]any{}}
		if gf.ID != nil {
			ft.ID = fmt.Sprint(gf.ID)
		}
		if err := checkAntimeridian(gf.Geometry); err != nil {
			return nil, fmt.Errorf("importer: %s: %s: %v", path, ft.Name(), err)
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
