package maps

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/barri-city/barri/sim"
)

// housingResult evaluates 40 dwellings added to a building of the Eixample.
func housingResult(t *testing.T) *sim.Result {
	t.Helper()
	c := Eixample()
	n := 40
	id := c.Buildings[len(c.Buildings)/3].ID
	r, err := sim.Evaluate(c, &sim.Scenario{City: c.Name, Edits: []sim.Edit{{Op: "add_housing", Building: &id, Dwellings: &n}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestZonesCSVPopulation: zones.csv begins each zone's rows with its
// population and households, baseline, scenario and delta, as the report
// has them; added dwellings add households to their zone and to no other.
func TestZonesCSVPopulation(t *testing.T) {
	r := housingResult(t)
	var buf bytes.Buffer
	if err := WriteZonesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]float64{}
	for _, row := range rows[1:] {
		if row[2] == "population" || row[2] == "households" {
			var v [3]float64
			for k := range v {
				v[k], _ = strconv.ParseFloat(row[3+k], 64)
			}
			got[row[0]+" "+row[2]] = v
		}
	}
	grew := 0
	var pop float64
	for z := range r.Scenario.Zones {
		b, s := &r.Baseline.Zones[z], &r.Scenario.Zones[z]
		pop += s.Population
		for k, want := range map[string][2]float64{"population": {b.Population, s.Population}, "households": {b.Households, s.Households}} {
			v, ok := got[s.Code+" "+k]
			if !ok {
				t.Fatalf("zone %s has no %s row", s.Code, k)
			}
			if !near(v[0], want[0]) || !near(v[1], want[1]) || v[0] <= 0 {
				t.Errorf("zone %s %s: csv %v, report %v", s.Code, k, v, want)
			}
		}
		if s.Households > b.Households {
			grew++
		}
	}
	if grew != 1 {
		t.Errorf("%d zones gained households: want the one with the added dwellings", grew)
	}
	if d := pop - r.Scenario.Population; d*d > 1e-12*pop*pop {
		t.Errorf("zones' population sums to %v, the city's is %v", pop, r.Scenario.Population)
	}
}

// near reports whether a, written with 10 significant digits, reads as b.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }

// TestIndicatorsJSONPopulation: indicators.json carries the population and
// households of the city and of each zone, baseline and scenario.
func TestIndicatorsJSONPopulation(t *testing.T) {
	r := housingResult(t)
	var buf bytes.Buffer
	if err := WriteIndicatorsJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Baseline, Scenario struct {
			Population, Households float64
			Zones                  []struct{ Population, Households float64 }
		}
		ZoneDelta []struct{ Households float64 } `json:"zone_delta"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Baseline.Population <= 0 || doc.Baseline.Households <= 0 || doc.Scenario.Households <= doc.Baseline.Households {
		t.Errorf("city: baseline %v residents, %v households; scenario %v households", doc.Baseline.Population, doc.Baseline.Households, doc.Scenario.Households)
	}
	for z, zr := range doc.Scenario.Zones {
		if zr.Population <= 0 || zr.Households <= 0 || zr.Households-doc.Baseline.Zones[z].Households != doc.ZoneDelta[z].Households {
			t.Errorf("zone %d: %+v, delta %+v", z, zr, doc.ZoneDelta[z])
		}
	}
}
