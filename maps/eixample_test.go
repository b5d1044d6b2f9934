package maps

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/barri-city/barri/internal/shareddata"
	"github.com/barri-city/barri/maps/importer"
	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// streetKey reduces a street name to its core: accents, case, the street
// type and articles removed ("Carrer del Comte d'Urgell" -> "comte urgell").
func streetKey(name string) string {
	words := strings.Fields(sim.FoldName(name))
	drop := map[string]bool{"carrer": true, "carre": true, "avinguda": true, "av": true, "passeig": true,
		"de": true, "del": true, "la": true, "l": true, "d": true, "les": true, "els": true, "dels": true}
	var out []string
	for _, w := range words {
		if !drop[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func TestEixampleFitsOSM(t *testing.T) {
	feats, err := importer.ReadOSMFile(shareddata.Path(t, "osm/bcn_nova_esquerra_eixample_2012.osm"))
	if err != nil {
		t.Fatal(err)
	}
	c := Eixample()
	// Generated intersections: node -> street keys meeting there.
	genKeys := map[string]bool{}
	nodeKeys := make([]map[string]bool, len(c.Nodes))
	for _, s := range c.Segments {
		k := streetKey(s.Name)
		genKeys[k] = true
		for _, n := range []int{s.From, s.To} {
			if nodeKeys[n] == nil {
				nodeKeys[n] = map[string]bool{}
			}
			nodeKeys[n][k] = true
		}
	}
	gen := map[[2]string]orb.Point{}
	for n, ks := range nodeKeys {
		var list []string
		for k := range ks {
			list = append(list, k)
		}
		sort.Strings(list)
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				gen[[2]string{list[i], list[j]}] = c.Nodes[n].P
			}
		}
	}
	// Real intersections: coordinates shared by OSM ways of two named streets.
	at := map[orb.Point]map[string]bool{}
	for _, f := range feats {
		ls, ok := f.Geometry.(orb.LineString)
		if !ok || f.Str("highway") == "" {
			continue
		}
		k := streetKey(f.Str("name"))
		if !genKeys[k] {
			continue
		}
		for _, p := range ls {
			if at[p] == nil {
				at[p] = map[string]bool{}
			}
			at[p][k] = true
		}
	}
	best := map[[2]string]float64{}
	for p, ks := range at {
		if len(ks) < 2 {
			continue
		}
		var list []string
		for k := range ks {
			list = append(list, k)
		}
		sort.Strings(list)
		xy := c.Proj.ToXY(p)
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				pair := [2]string{list[i], list[j]}
				g, ok := gen[pair]
				if !ok {
					continue
				}
				d := math.Hypot(g[0]-xy[0], g[1]-xy[1])
				if old, seen := best[pair]; !seen || d < old {
					best[pair] = d
				}
			}
		}
	}
	var pairs [][2]string
	for p := range best {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool { return best[pairs[i]] > best[pairs[j]] })
	var sum float64
	for k, p := range pairs {
		if k < 12 {
			t.Logf("%s x %s: %.1f m", p[0], p[1], best[p])
		}
		sum += best[p]
		if best[p] > 25 {
			t.Errorf("%s x %s: generated intersection %.1f m from the real one (limit 25 m)", p[0], p[1], best[p])
		}
	}
	if len(pairs) < 40 {
		t.Fatalf("only %d named intersections matched the OSM extract; want at least 40", len(pairs))
	}
	t.Logf("%d named intersections matched; mean error %.1f m, worst %.1f m (%s x %s)", len(pairs), sum/float64(len(pairs)),
		best[pairs[0]], pairs[0][0], pairs[0][1])
}

// TestEixampleBlocksMatchBoundaries checks the barri block ranges against the
// barri boundaries of Open Data BCN: the barri holding each block's centre.
func TestEixampleBlocksMatchBoundaries(t *testing.T) {
	feats, err := importer.ReadGeoJSONFile(shareddata.Path(t, "boundaries/barris.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	proj := sim.NewProjection(eixampleOrigin[0], eixampleOrigin[1])
	type barri struct {
		code string
		area sim.Area
	}
	var barris []barri
	for _, f := range feats {
		mp, _ := f.MultiPolygon()
		code := f.Str("BARRI")
		barris = append(barris, barri{code, sim.Area(proj.ProjectGeometry(mp).(orb.MultiPolygon))})
	}
	total, agree := 0, 0
	for j := 0; j+1 < len(eixampleRows); j++ {
		for i := 0; i+1 < len(eixampleColumns); i++ {
			p := uvToXY((eixampleColumns[i].pos+eixampleColumns[i+1].pos)/2, (eixampleRows[j].pos+eixampleRows[j+1].pos)/2)
			want := ""
			for _, b := range barris {
				if b.area.Contains(p) && b.code >= "05" && b.code <= "10" {
					want = b.code
				}
			}
			got := EixampleBlockZone(i, j)
			if want == "" && got == "" {
				continue
			}
			total++
			if want == got {
				agree++
			} else {
				t.Errorf("block %s: ranges say barri %q, the boundaries %q", EixampleBlockKey(i, j), got, want)
			}
		}
	}
	if total < 350 {
		t.Fatalf("only %d Eixample blocks: the grid does not cover the district", total)
	}
	t.Logf("%d of %d blocks agree", agree, total)
}

// TestEixampleZoneStatistics checks the built-in statistics against the
// published indicators.
func TestEixampleZoneStatistics(t *testing.T) {
	data, err := os.ReadFile(shareddata.Path(t, "housing/barris_indicators.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	c := Eixample()
	for _, z := range c.Zones {
		found := false
		for _, f := range fc.Features {
			p := f.Properties
			if p["codi_barri"] != z.Code {
				continue
			}
			found = true
			checks := map[string]float64{"population_2023": z.Population, "households_2022": z.Households,
				"disposable_income_per_capita_eur_sectionmean_2021": z.IncomePerCapita, "rent_eur_month_2023": z.RentEurMonth,
				"rent_eur_m2_month_2023": z.RentEurM2}
			for k, v := range checks {
				if want, _ := p[k].(float64); math.Abs(want-v) > 0.01 {
					t.Errorf("%s %s: built-in %v, published %v", z.Name, k, v, want)
				}
			}
			if p["nom_barri"] != z.Name {
				t.Errorf("zone %s: name %q, published %q", z.Code, z.Name, p["nom_barri"])
			}
		}
		if !found {
			t.Errorf("zone %s (%s) is not in the published indicators", z.Code, z.Name)
		}
	}
}

func TestEixampleShape(t *testing.T) {
	c := Eixample()
	if len(c.Zones) != 6 {
		t.Fatalf("%d zones, want the six barris of the Eixample", len(c.Zones))
	}
	var dw [6]int
	for _, b := range c.Buildings {
		dw[b.Zone] += b.Dwellings
	}
	for z, zone := range c.Zones {
		// Dwellings hold the published households at 90% occupancy (rounding aside).
		want := zone.Households / 0.9
		if math.Abs(float64(dw[z])-want) > 0.02*want {
			t.Errorf("%s: %d dwellings, want about %.0f", zone.Name, dw[z], want)
		}
	}
	names := map[string]bool{}
	for _, s := range c.Segments {
		names[s.Name] = true
	}
	for _, n := range []string{"Gran Via de les Corts Catalanes", "Passeig de Gràcia", "Avinguda Diagonal", "Carrer d'Aragó",
		"Carrer d'Enric Granados", "Carrer del Consell de Cent", "Carrer de Casp", "Carrer de Sepúlveda"} {
		if !names[n] {
			t.Errorf("street %q is missing", n)
		}
	}
	// The columns run in their real order along the grid axis.
	for i := 1; i < len(eixampleColumns); i++ {
		if eixampleColumns[i].pos <= eixampleColumns[i-1].pos {
			t.Errorf("column %s is not after %s", eixampleColumns[i].name, eixampleColumns[i-1].name)
		}
	}
	// Deterministic: generated twice, the same city.
	d := Eixample()
	for i := range c.Buildings {
		if c.Buildings[i].Floors != d.Buildings[i].Floors || c.Buildings[i].Footprint[0][0] != d.Buildings[i].Footprint[0][0] {
			t.Fatalf("building %d differs between two generations", i)
		}
	}
}

// TestEixampleStreetsMissRealBuildings checks the Dreta side of the grid,
// fitted to the gaps between real footprints: no generated street may run
// through the real buildings of ../shared/data/buildings.
func TestEixampleStreetsMissRealBuildings(t *testing.T) {
	feats, err := importer.ReadGeoJSONFile(shareddata.Path(t, "buildings/eixample_osm_buildings_2026.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	c := Eixample()
	inside, hit := 0, 0
	for _, f := range feats {
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok {
			continue
		}
		p := c.Proj.ToXY(sim.Centroid(poly[0]))
		if c.ZoneAt(p) < 0 {
			continue
		}
		inside++
		if _, d, _ := c.NearestSegment(p); d < 8 {
			hit++
			if hit <= 5 {
				t.Logf("%s: centroid %.1f m from a generated street", f.Name(), d)
			}
		}
	}
	if inside < 1000 {
		t.Fatalf("only %d real buildings fall in the generated blocks", inside)
	}
	if share := float64(hit) / float64(inside); share > 0.02 {
		t.Errorf("%d of %d real buildings (%.1f%%) stand on a generated street; want under 2%%", hit, inside, 100*share)
	}
	t.Logf("%d real buildings in the generated barris, %d within 8 m of a generated street", inside, hit)
}

// TestEixampleOneWaysMatchOSM checks the generated one-way directions against
// the oneway tags of the OpenStreetMap extract, by length of street.
func TestEixampleOneWaysMatchOSM(t *testing.T) {
	feats, err := importer.ReadOSMFile(shareddata.Path(t, "osm/bcn_nova_esquerra_eixample_2012.osm"))
	if err != nil {
		t.Fatal(err)
	}
	c := Eixample()
	// A street tagged one-way both ways (a dual carriageway such as the Gran
	// Via) is a two-way street.
	type piece struct {
		key  string
		a, b orb.Point
	}
	var pieces []piece
	both := map[string][2]float64{}
	for _, f := range feats {
		ls, ok := f.Geometry.(orb.LineString)
		ow := f.Str("oneway")
		if !ok || f.Str("highway") == "" || (ow != "yes" && ow != "-1") {
			continue
		}
		key := streetKey(f.Str("name"))
		for k := 1; k < len(ls); k++ {
			a, b := c.Proj.ToXY(ls[k-1]), c.Proj.ToXY(ls[k])
			if ow == "-1" {
				a, b = b, a
			}
			if math.Hypot(b[0]-a[0], b[1]-a[1]) < 20 {
				continue
			}
			pieces = append(pieces, piece{key, a, b})
			// Direction along the grid: u (45°) or v (135°), whichever dominates.
			du, dv := (b[0]-a[0]+b[1]-a[1])/math.Sqrt2, (b[0]-a[0]-b[1]+a[1])/math.Sqrt2
			x := both[key]
			if (math.Abs(du) > math.Abs(dv) && du > 0) || (math.Abs(dv) >= math.Abs(du) && dv > 0) {
				x[0] += math.Hypot(du, dv)
			} else {
				x[1] += math.Hypot(du, dv)
			}
			both[key] = x
		}
	}
	var agree, total float64
	for _, pc := range pieces {
		a, b := pc.a, pc.b
		l := math.Hypot(b[0]-a[0], b[1]-a[1])
		mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		best, bd := -1, 30.0
		for _, id := range c.SegmentsNear(mid, 30) {
			s := c.Segments[id]
			if streetKey(s.Name) != pc.key {
				continue
			}
			if d, _ := distToSeg(mid, c.Nodes[s.From].P, c.Nodes[s.To].P); d < bd {
				best, bd = id, d
			}
		}
		if best < 0 {
			continue
		}
		s := c.Segments[best]
		g := [2]float64{c.Nodes[s.To].P[0] - c.Nodes[s.From].P[0], c.Nodes[s.To].P[1] - c.Nodes[s.From].P[1]}
		x := both[pc.key]
		dual := math.Min(x[0], x[1]) > 0.25*(x[0]+x[1])
		total += l
		switch {
		case dual && !s.Oneway, !dual && s.Oneway && g[0]*(b[0]-a[0])+g[1]*(b[1]-a[1]) > 0:
			agree += l
		default:
			t.Logf("%s: OSM one-way (dual carriageway %v), generated one-way %v", s.Name, dual, s.Oneway)
		}
	}
	if total < 5000 {
		t.Fatalf("only %.0f m of one-way streets compared", total)
	}
	if share := agree / total; share < 0.85 {
		t.Errorf("one-way directions agree with OSM over %.0f%% of %.0f m; want at least 85%%", 100*share, total)
	}
	t.Logf("one-way directions agree with OSM over %.0f of %.0f m (%.0f%%)", agree, total, 100*agree/total)
}

func distToSeg(p, a, b orb.Point) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	tt := 0.0
	if l2 > 0 {
		tt = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-tt*dx, p[1]-a[1]-tt*dy), tt
}
