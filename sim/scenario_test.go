package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const square = `{"type":"Polygon","coordinates":[[[2.15,41.38],[2.16,41.38],[2.16,41.39],[2.15,41.39],[2.15,41.38]]]}`

func TestParseScenario(t *testing.T) {
	for _, tc := range []struct {
		name, json, err string
	}{
		{"minimal", `{"barri":1,"name":"x","city":"eixample","edits":[]}`, ""},
		{"version 0 is upgraded", `{"name":"x","city":"eixample","edits":[]}`, ""},
		{"all ops", `{"barri":1,"city":"eixample","edits":[
			{"op":"superblock","area":` + square + `},
			{"op":"pedestrianize","streets":{"name":"Carrer d'Enric Granados"}},
			{"op":"green_axis","streets":{"ids":[1,2]}},
			{"op":"bike_lane","streets":{"name":"Carrer de Mallorca","within":` + square + `}},
			{"op":"rezone","area":` + square + `,"use":"residential","add_floors":1,"affordable_share":0.3},
			{"op":"add_housing","building":3,"dwellings":10},
			{"op":"retrofit","area":` + square + `,"level":"deep"},
			{"op":"solar","area":` + square + `,"roof_coverage":0.6},
			{"op":"park","area":` + square + `},
			{"op":"transit_stop","at":[2.158,41.38],"mode":"bus","headway_min":6},
			{"op":"param","name":"car_cost_eur_km","value":0.35}]}`, ""},
		{"future version", `{"barri":99,"city":"eixample","edits":[]}`, "version 99"},
		{"syntax", "{\"barri\":1,\n\"city\": eixample}", "line 2"},
		{"unknown op", `{"barri":1,"city":"eixample","edits":[{"op":"teleport"}]}`, `edit 0 (teleport): unknown op "teleport"`},
		{"unknown field", `{"barri":1,"city":"eixample","edits":[{"op":"park","aera":{}}]}`, `edit 0 (park): line 1, column 52: unknown field "aera"`},
		{"unknown top-level field", "{\"barri\":1,\n\"city\":\"eixample\",\n\"bogus\":3}", `line 3, column 1: unknown field "bogus"`},
		{"null seed", "{\"barri\":1,\"city\":\"eixample\",\n\"seed\": null}", `line 2, column 9: "seed" is null`},
		{"null parameter", `{"barri":1,"city":"eixample","params":{"car_cost_eur_km":null}}`, `"params.car_cost_eur_km" is null`},
		{"null in an edit", `{"barri":1,"city":"eixample","edits":[{"op":"param","name":"bpr_beta","value":null}]}`, `edit 0 (param): line 1, column 79: "edits[0].value" is null`},
		{"byte order mark", "\xef\xbb\xbf" + `{"barri":1,"city":"eixample","edits":[]}`, ""},
		{"top-level array", `[{"city":"eixample"}]`, "the file holds an array: a scenario is a JSON object"},
		{"top-level string", `"eixample"`, "the file holds a string"},
		{"keys ignore case as before", `{"barri":1,"City":"eixample","Edits":[]}`, ""},
		{"name of 200 characters", `{"barri":1,"city":"eixample","name":"` + strings.Repeat("城", 200) + `"}`, ""},
		{"name of 201 characters", `{"barri":1,"city":"eixample","name":"` + strings.Repeat("城", 201) + `"}`, "the name has 201 characters"},
		{"missing city", `{"barri":1,"edits":[]}`, `"city" is empty`},
		{"share out of range", `{"barri":1,"city":"eixample","edits":[{"op":"solar","area":` + square + `,"roof_coverage":1.5}]}`, "edit 0 (solar): roof_coverage = 1.5"},
		{"projected area", `{"barri":1,"city":"eixample","edits":[{"op":"park","area":{"type":"Polygon","coordinates":[[[430000,4580000],[431000,4580000],[431000,4581000],[430000,4580000]]]}}]}`, "not lon/lat"},
		{"antimeridian", `{"barri":1,"city":"eixample","edits":[{"op":"solar","roof_coverage":0.5,"area":{"type":"Polygon","coordinates":[[[179,41],[-179,41],[-179,42],[179,42],[179,41]]]}}]}`, "crosses the antimeridian"},
		{"bow tie", `{"barri":1,"city":"eixample","edits":[{"op":"park","area":{"type":"Polygon","coordinates":[[[2.15,41.38],[2.16,41.39],[2.16,41.38],[2.15,41.39],[2.15,41.38]]]}}]}`, "intersects itself"},
		{"unknown param", `{"barri":1,"city":"eixample","params":{"warp_speed":9},"edits":[]}`, `unknown parameter "warp_speed"`},
		{"huge number", `{"barri":1,"city":"eixample","edits":[{"op":"solar","area":` + square + `,"roof_coverage":1e999}]}`, "roof_coverage"},
		{"selector both", `{"barri":1,"city":"eixample","edits":[{"op":"bike_lane","streets":{"ids":[1],"name":"x"}}]}`, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tc.json))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			case err != nil && !strings.HasPrefix(err.Error(), "sim: "):
				t.Fatalf("error %q does not start with the package", err)
			}
		})
	}
}

// TestFoldName pins what names fold to, so that a function that folds
// everything alike (or to nothing) fails, and checks that different streets
// stay apart.
func TestFoldName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Carrer d'Enric Granados", "carrer d enric granados"},
		{"carrer d’enric granados", "carrer d enric granados"},
		{"CARRER DE CÒRSEGA", "carrer de corsega"},
		{"Carrer de Llançà", "carrer de llanca"},
		{"Plaça de l'Il·lustració", "placa de l illustracio"},
		{"  Gran Via de les Corts Catalanes ", "gran via de les corts catalanes"},
		{"Passeig de Gràcia", "passeig de gracia"},
		{"Carrer d'Aragó, 255", "carrer d arago 255"},
		{"", ""},
	} {
		if got := FoldName(tc.in); got != tc.want {
			t.Errorf("FoldName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if FoldName("Carrer de Mallorca") == FoldName("Carrer de Provença") {
		t.Error("two different streets fold to the same name")
	}
}

func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(`{"barri":1,"name":"x","city":"eixample","edits":[{"op":"park","area":` + square + `}]}`))
	f.Add([]byte(`{"city":"eixample","edits":[{"op":"transit_stop","at":[2.1,41.3],"mode":"bus","headway_min":6}]}`))
	f.Add([]byte(`{"barri":1,"city":"x","params":{"bpr_beta":4},"edits":[{"op":"bike_lane","streets":{"ids":[1,2]}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sim: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("a decoding error that is not ErrInvalid: %v", err)
			}
			// A browser says every error in the reader's language.
			if m, ok := MessageOf(err); !ok || !strings.HasSuffix(err.Error(), m.Text) {
				t.Fatalf("the error %q has no code, or its message %+v is not its end", err, m)
			}
			return
		}
		if sc.Check() != nil {
			t.Fatal("a parsed scenario fails its own check")
		}
	})
}

// FuzzParseArea checks the hand-written coordinates reader against
// encoding/json: wherever both read an area, they read the same points.
func FuzzParseArea(f *testing.F) {
	f.Add([]byte(square))
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[2.15,41.38],[2.16,41.38],[2.16,41.39],[2.15,41.38]]],[[[2.1,41.3],[2.2,41.3],[2.2,41.4],[2.1,41.3]]]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[2.15,41.38,12],[2.16e0,41.38],[ 2.16 , 41.39 ],[2.15,41.38]]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[2.15],[2.16,41.38]]]}`))
	f.Add([]byte(`{"bbox":[1,2,3,4],"crs":{"type":"name","properties":{"name":"x,]}"}},"Type":"Polygon","coordinates":null,"coordinates":[[]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseArea(data)
		if err != nil {
			if m, ok := MessageOf(err); !ok || !strings.HasSuffix(err.Error(), m.Text) {
				t.Fatalf("the error %q has no code, or its message %+v is not its end", err, m)
			}
		}
		var g struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		}
		if json.Unmarshal(data, &g) != nil {
			return
		}
		if pg, err := parseGeometry(data); err == nil && bytes.IndexByte(data, '\\') < 0 {
			if pg.Type != g.Type || !bytes.Equal(pg.Coordinates, g.Coordinates) {
				t.Fatalf("parseGeometry reads type %q, coordinates %q; encoding/json %q, %q", pg.Type, pg.Coordinates, g.Type, g.Coordinates)
			}
		}
		if g.Type != "Polygon" {
			return
		}
		var ref [][][]float64
		if json.Unmarshal(g.Coordinates, &ref) != nil || err != nil {
			return
		}
		if len(got) != 1 || len(got[0]) != len(ref) {
			t.Fatalf("%d rings, encoding/json reads %d", len(got[0]), len(ref))
		}
		for ri, ring := range ref {
			for pi, pt := range ring {
				if q := got[0][ri][pi]; q[0] != pt[0] || q[1] != pt[1] {
					t.Fatalf("ring %d point %d: %v, encoding/json reads %v", ri, pi, q, pt)
				}
			}
		}
	})
}
