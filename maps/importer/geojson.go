package importer

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MaxLayerBytes bounds the size of one input layer.
const MaxLayerBytes = 1 << 30

// Feature is one input feature with flattened properties (OSM tags included).
type Feature struct {
	Index    int // position in its file, from 0
	ID       string
	Geometry orb.Geometry // lon/lat
	Props    map[string]any
}

// Str returns the first of the named properties that is a non-empty string
// (numbers are formatted).
func (f *Feature) Str(keys ...string) string {
	for _, k := range keys {
		switch v := f.Props[k].(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				return s
			}
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

// Num returns the first of the named properties that holds a finite number
// (numeric strings such as "5" or "12.5 m" count).
func (f *Feature) Num(keys ...string) (float64, bool) {
	for _, k := range keys {
		switch v := f.Props[k].(type) {
		case float64:
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return v, true
			}
		case string:
			s := strings.TrimSpace(v)
			if i := strings.IndexAny(s, " ;"); i > 0 {
				s = s[:i]
			}
			s = strings.Replace(s, ",", ".", 1)
			if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x, true
			}
		}
	}
	return 0, false
}

// MultiPolygon returns the feature's area as a MultiPolygon, false when its
// geometry is not a Polygon or MultiPolygon.
func (f *Feature) MultiPolygon() (orb.MultiPolygon, bool) {
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, true
	case orb.MultiPolygon:
		return g, true
	}
	return nil, false
}

// Name identifies the feature in messages: its index and its id if any.
func (f *Feature) Name() string {
	if f.ID != "" {
		return fmt.Sprintf("feature %d (%s)", f.Index, f.ID)
	}
	return fmt.Sprintf("feature %d", f.Index)
}

// ReadGeoJSONFile reads a GeoJSON FeatureCollection in WGS84 lon/lat.
func ReadGeoJSONFile(path string) ([]Feature, error) {
	// Stat before opening: opening a FIFO waits for a writer.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("importer: %v", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("importer: %s is not a regular file (%s): give the path of a GeoJSON file", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %v", err)
	}
	defer f.Close()
	feats, err := ReadGeoJSON(f)
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %v", path, err)
	}
	return feats, nil
}

// ReadGeoJSON decodes a FeatureCollection. It rejects a declared CRS other
// than WGS84 and coordinates that are not lon/lat degrees, naming the feature.
func ReadGeoJSON(r io.Reader) ([]Feature, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLayerBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxLayerBytes {
		return nil, fmt.Errorf("larger than %d bytes: split the layer", MaxLayerBytes)
	}
	var head struct {
		Type string `json:"type"`
		CRS  *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if head.Type != "FeatureCollection" {
		return nil, fmt.Errorf("type is %q: a layer must be a GeoJSON FeatureCollection", head.Type)
	}
	if head.CRS != nil {
		name := head.CRS.Properties.Name
		if !strings.Contains(name, "CRS84") && !strings.HasSuffix(name, "EPSG::4326") && !strings.HasSuffix(name, "EPSG:4326") {
			return nil, fmt.Errorf("the CRS is %q: reproject to WGS84 lon/lat (e.g. ogr2ogr -t_srs EPSG:4326)", name)
		}
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("not a valid FeatureCollection: %v", err)
	}
	out := make([]Feature, 0, len(fc.Features))
	for i, gf := range fc.Features {
		f := Feature{Index: i, Props: map[string]any{}}
		if gf.ID != nil {
			f.ID = fmt.Sprint(gf.ID)
		}
		// OSM tags nested under "tags" (as some exporters write them) come
		// first; a top-level property of the same name wins, whatever the
		// order of the keys in the file.
		if tags, ok := gf.Properties["tags"].(map[string]any); ok {
			for tk, tv := range tags {
				f.Props[tk] = tv
			}
		}
		for k, v := range gf.Properties {
			if _, ok := v.(map[string]any); ok && k == "tags" {
				continue
			}
			f.Props[k] = v
		}
		if f.ID == "" {
			f.ID = f.Str("@id", "id", "ID")
		}
		if gf.Geometry == nil {
			return nil, fmt.Errorf("%s has no geometry", f.Name())
		}
		if err := checkLonLat(gf.Geometry); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name(), err)
		}
		if err := checkAntimeridian(gf.Geometry); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name(), err)
		}
		f.Geometry = gf.Geometry
		out = append(out, f)
	}
	return out, nil
}

func checkLonLat(g orb.Geometry) error {
	var bad error
	visit := func(p orb.Point) {
		if bad != nil {
			return
		}
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			bad = fmt.Errorf("non-finite coordinate")
		} else if math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
			bad = fmt.Errorf("coordinate [%v, %v] is not lon/lat: the layer looks projected (EPSG:25831?); reproject to WGS84 (EPSG:4326)", p[0], p[1])
		}
	}
	eachPoint(g, visit)
	return bad
}

// checkAntimeridian refuses a geometry that spans more than 180° of
// longitude: it crosses the antimeridian, and read as written it would cover
// the rest of the globe. RFC 7946 §3.1.9 says to split such a geometry at
// ±180°; no city this importer builds straddles it.
func checkAntimeridian(g orb.Geometry) error {
	b := g.Bound()
	if b.Max[0]-b.Min[0] > 180 {
		return fmt.Errorf("spans longitudes %v to %v: it crosses the antimeridian; split it at ±180° (RFC 7946 §3.1.9)", b.Min[0], b.Max[0])
	}
	return nil
}

func eachPoint(g orb.Geometry, f func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		f(g)
	case orb.MultiPoint:
		for _, p := range g {
			f(p)
		}
	case orb.LineString:
		for _, p := range g {
			f(p)
		}
	case orb.MultiLineString:
		for _, l := range g {
			eachPoint(l, f)
		}
	case orb.Ring:
		for _, p := range g {
			f(p)
		}
	case orb.Polygon:
		for _, r := range g {
			eachPoint(r, f)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			eachPoint(p, f)
		}
	case orb.Collection:
		for _, x := range g {
			eachPoint(x, f)
		}
	}
}
