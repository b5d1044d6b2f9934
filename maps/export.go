package maps

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// WriteIndicatorsJSON writes a result as indented JSON.
func WriteIndicatorsJSON(w io.Writer, r *sim.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteZonesCSV writes one row per zone and indicator: baseline, scenario,
// delta. Each zone's rows begin with its population and households and end
// with its groups' indicators, named group/indicator (income.q1/energy.poverty_share).
func WriteZonesCSV(w io.Writer, r *sim.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"zone", "name", "indicator", "baseline", "scenario", "delta"})
	for z := range r.Scenario.Zones {
		bz, sz := &r.Baseline.Zones[z], &r.Scenario.Zones[z]
		cw.Write([]string{sz.Code, sz.Name, "population", fmtFloat(bz.Population), fmtFloat(sz.Population), fmtFloat(sz.Population - bz.Population)})
		cw.Write([]string{sz.Code, sz.Name, "households", fmtFloat(bz.Households), fmtFloat(sz.Households), fmtFloat(sz.Households - bz.Households)})
		for i, k := range sim.IndicatorKeys() {
			b, s := r.Baseline.Zones[z].Values[i], r.Scenario.Zones[z].Values[i]
			cw.Write([]string{r.Scenario.Zones[z].Code, r.Scenario.Zones[z].Name, k, fmtFloat(b), fmtFloat(s), fmtFloat(s - b)})
		}
		for g, gk := range sim.GroupKeys() {
			for i, k := range sim.GroupIndicatorKeys() {
				b, s := bz.Groups[g][i], sz.Groups[g][i]
				cw.Write([]string{sz.Code, sz.Name, gk + "/" + k, fmtFloat(b), fmtFloat(s), fmtFloat(s - b)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

// The exporters write GeoJSON with encoding/json alone: orb's geojson package
// links a BSON codec that the browser build does not need.

// feature is a GeoJSON Feature; properties are written with sorted keys.
type feature struct {
	Type       string         `json:"type"`
	Geometry   geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// geometry is a GeoJSON LineString or Polygon in lon/lat.
type geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// featureCollection is a GeoJSON FeatureCollection.
type featureCollection struct {
	Features []feature `json:"features"`
	Type     string    `json:"type"`
}

func lineGeometry(l orb.LineString) geometry {
	pts := make([][2]float64, len(l))
	for i, p := range l {
		pts[i] = p
	}
	return geometry{"LineString", pts}
}

func polygonGeometry(pg orb.Polygon) geometry {
	rings := make([][][2]float64, len(pg))
	for i, r := range pg {
		rings[i] = make([][2]float64, len(r))
		for j, p := range r {
			rings[i][j] = p
		}
	}
	return geometry{"Polygon", rings}
}

// WriteStreetsGeoJSON writes the street segments in lon/lat with baseline and
// scenario traffic.
func WriteStreetsGeoJSON(w io.Writer, c *sim.City, r *sim.Result) error {
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, 0, len(c.Segments))}
	for i := range c.Segments {
		s := &c.Segments[i]
		g := lineGeometry(c.Proj.UnprojectGeometry(s.Geometry).(orb.LineString))
		b, sc := r.Baseline.Streets[i], r.Scenario.Streets[i]
		fc.Features = append(fc.Features, feature{"Feature", g, map[string]any{"id": i, "name": s.Name, "class": s.Class, "length_m": round(s.Length, 1),
			"car_flow_veh_day": round(sc.CarFlow, 1), "car_flow_baseline": round(b.CarFlow, 1),
			"speed_kmh": round(sc.SpeedKmh, 2), "volume_capacity": round(sc.VC, 4)}})
	}
	return writeFC(w, &fc)
}

// WriteBuildingsGeoJSON writes the buildings in lon/lat with their results:
// homes, rent, energy, PV and CO₂, and the walking minutes to the nearest
// amenity of each kind.
func WriteBuildingsGeoJSON(w io.Writer, c *sim.City, r *sim.Result) error {
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, 0, len(c.Buildings))}
	for i := range c.Buildings {
		b := &c.Buildings[i]
		g := polygonGeometry(c.Proj.UnprojectGeometry(b.Footprint).(orb.Polygon))
		res, _ := r.Scenario.Building(i)
		base, _ := r.Baseline.Building(i)
		zone := ""
		if b.Zone >= 0 {
			zone = c.Zones[b.Zone].Code
		}
		props := map[string]any{"id": i, "zone": zone, "use": b.Use, "floors": b.Floors, "year": b.Year,
			"dwellings": res.Dwellings, "affordable_dwellings": res.Affordable, "rent_eur_month": round(res.Rent, 2),
			"energy_kwh_year": round(res.EnergyKWh, 1), "pv_kwh_year": round(res.PVKWh, 1),
			"energy_kwh_year_baseline": round(base.EnergyKWh, 1), "co2_kg_year": round(res.CO2Kg, 1)}
		// One flat property per amenity kind (walk_min_school, ...), as GIS
		// tools read properties best.
		for k, kind := range sim.AmenityKinds {
			props["walk_min_"+kind] = round(res.WalkMin[k], 1)
		}
		fc.Features = append(fc.Features, feature{"Feature", g, props})
	}
	return writeFC(w, &fc)
}

func round(v float64, digits int) float64 {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	out, _ := strconv.ParseFloat(s, 64)
	return out
}

func writeFC(w io.Writer, fc *featureCollection) error {
	data, err := json.Marshal(fc)
	if err != nil {
		return fmt.Errorf("maps: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
