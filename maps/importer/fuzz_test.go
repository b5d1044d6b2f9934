package importer

import (
	"bytes"
	"testing"
)

func FuzzReadGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"residential","name":"A"},"geometry":{"type":"LineString","coordinates":[[2.15,41.38],[2.151,41.38]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[{"type":"Feature","properties":{"building:levels":"5"},"geometry":{"type":"Polygon","coordinates":[[[2.1,41.3],[2.2,41.3],[2.2,41.4],[2.1,41.3]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[430000,4580000]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feats, err := ReadGeoJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, ft := range feats {
			if ft.Geometry == nil {
				t.Fatal("a feature without geometry was accepted")
			}
			if err := checkLonLat(ft.Geometry); err != nil {
				t.Fatalf("accepted %s: %v", ft.Name(), err)
			}
			if err := checkAntimeridian(ft.Geometry); err != nil {
				t.Fatalf("accepted %s: %v", ft.Name(), err)
			}
		}
	})
}

func FuzzReadOSM(f *testing.F) {
	f.Add([]byte(`<osm version="0.6"><node id="1" lat="41.38" lon="2.15"/><node id="2" lat="41.381" lon="2.151"/><way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>`), false)
	f.Add([]byte(`<osm><node id="1" lat="95" lon="2.15"><tag k="amenity" v="school"/></node></osm>`), false)
	f.Add([]byte(`<osm><node id="1" lat="x"`), false)
	f.Add([]byte("\x00\x00\x00\x0d\x0a\x09OSMHeader"), true)
	f.Fuzz(func(t *testing.T, data []byte, pbf bool) {
		feats, err := ReadOSM(bytes.NewReader(data), pbf)
		if err != nil {
			return
		}
		for _, ft := range feats {
			if ft.Geometry == nil {
				t.Fatal("a feature without geometry was accepted")
			}
			if err := checkLonLat(ft.Geometry); err != nil {
				t.Fatalf("accepted %s: %v", ft.Name(), err)
			}
		}
	})
}
