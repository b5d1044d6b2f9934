// Package importer builds a city from data its user brings: GeoJSON layers
// (zones, buildings, streets, stops, amenities, building ages) and
// OpenStreetMap XML or PBF. It stands beside maps and only the command line
// uses it, so that the browser build does not link the OpenStreetMap reader.
package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Options names the input layers of an import. Every layer is optional
// except streets (from Streets or OSM). OSM also supplies buildings, stops and
// amenities where their own layer is not given.
type Options struct {
	Name      string // city name; defaults to "imported"
	Zones     string // GeoJSON polygons with statistics
	Buildings string // GeoJSON footprints
	OSM       string // OpenStreetMap .osm or .pbf
	Streets   string // GeoJSON lines with OSM-style tags
	Stops     string // GeoJSON points
	Amenities string // GeoJSON points
	Ages      string // GeoJSON polygons with a mean building age (census sections)
}

// Report tells what an import read, what it filled in, and what it dropped.
type Report struct {
	Counts   []Count
	Layers   []Layer
	Imputed  []Imputed
	Rejected []Dropped // values refused and filled in instead, by file and reason
	Dropped  []Dropped
}

// Layer tells how much of one input file the city uses.
type Layer struct {
	File, What  string
	Kept, Total int
}

// Count is the number of features of a kind in the city.
type Count struct {
	What string
	N    int
}

// Imputed counts features whose attribute was filled in, and how. Features
// names them where a person would want to check each (zones, for example).
type Imputed struct {
	Layer, Attribute, How string
	N                     int
	Features              []string
}

// Dropped lists features left out for one reason.
type Dropped struct {
	File, Reason string
	Features     []string
}

func (r *Report) impute(layer, attr, how string) {
	for i := range r.Imputed {
		if x := &r.Imputed[i]; x.Layer == layer && x.Attribute == attr && x.How == how {
			x.N++
			return
		}
	}
	r.Imputed = append(r.Imputed, Imputed{layer, attr, how, 1, nil})
}

// imputeNamed counts a fill-in and names the feature it was made for.
func (r *Report) imputeNamed(layer, attr, how, feature string) {
	r.impute(layer, attr, how)
	for i := range r.Imputed {
		if x := &r.Imputed[i]; x.Layer == layer && x.Attribute == attr && x.How == how {
			x.Features = append(x.Features, feature)
		}
	}
}

func (r *Report) drop(file, reason, feature string) {
	r.Dropped = addTo(r.Dropped, file, reason, feature)
}

// reject records a value refused and filled in instead, naming file and feature.
func (r *Report) reject(file, reason, feature string) {
	r.Rejected = addTo(r.Rejected, file, reason, feature)
}

func addTo(list []Dropped, file, reason, feature string) []Dropped {
	for i := range list {
		if d := &list[i]; d.File == file && d.Reason == reason {
			d.Features = append(d.Features, feature)
			return list
		}
	}
	return append(list, Dropped{file, reason, []string{feature}})
}

// droppedFrom sums up why a file's features were dropped: "73 zones outside
// the streets' extent; 2 not a polygon".
func (r *Report) droppedFrom(file string) string {
	var why []string
	for _, d := range r.Dropped {
		if d.File == file {
			why = append(why, fmt.Sprintf("%d %s", len(d.Features), d.Reason))
		}
	}
	if len(why) == 0 {
		return "it has no features of that kind"
	}
	return strings.Join(why, "; ")
}

// examples lists up to eight names, then how many more. Names come from
// input files: control characters (ANSI escapes included) are shown escaped
// and a long name is cut.
func examples(names []string) string {
	more := ""
	if len(names) > 8 {
		more = fmt.Sprintf(" and %d more", len(names)-8)
		names = names[:8]
	}
	shown := make([]string, len(names))
	for i, n := range names {
		shown[i] = printable(n)
	}
	return strings.Join(shown, ", ") + more
}

// printable escapes control characters and cuts a name to 80 characters.
func printable(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// Print writes the report for a person to read.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintln(w, "Imported:")
	for _, c := range r.Counts {
		fmt.Fprintf(w, "  %-22s %8d\n", c.What, c.N)
	}
	if len(r.Layers) > 0 {
		fmt.Fprintln(w, "Layers used:")
		for _, l := range r.Layers {
			fmt.Fprintf(w, "  %s (%s): kept %d of %d features\n", l.File, l.What, l.Kept, l.Total)
		}
	}
	if len(r.Imputed) > 0 {
		fmt.Fprintln(w, "Filled in (imputed):")
		for _, x := range r.Imputed {
			fmt.Fprintf(w, "  %-10s %-16s %8d  %s", x.Layer, x.Attribute, x.N, x.How)
			if len(x.Features) > 0 {
				fmt.Fprintf(w, ": %s", examples(x.Features))
			}
			fmt.Fprintln(w)
		}
	}
	if len(r.Rejected) > 0 {
		fmt.Fprintln(w, "Refused values (filled in as above):")
		for _, d := range r.Rejected {
			fmt.Fprintf(w, "  %s: %d %s: %s\n", d.File, len(d.Features), d.Reason, examples(d.Features))
		}
	}
	if len(r.Dropped) > 0 {
		fmt.Fprintln(w, "Dropped:")
		for _, d := range r.Dropped {
			fmt.Fprintf(w, "  %s: %d %s: %s\n", d.File, len(d.Features), d.Reason, examples(d.Features))
		}
	}
}

// occupancy is the share of dwellings with a resident household (Barcelona's
// census counts about one home in ten empty or secondary).
const occupancy = 0.9

// Import builds a city from data layers. It fails whole on unreadable or
// invalid layers (naming file and feature), and reports each feature it
// drops and each attribute it fills in.
func Import(opts Options) (*sim.City, *Report, error) {
	rep := &Report{}
	if opts.Streets == "" && opts.OSM == "" {
		return nil, nil, errors.New("importer: import needs streets: give --osm or --streets")
	}
	var osmFeats []Feature
	var err error
	if opts.OSM != "" {
		if osmFeats, err = ReadOSMFile(opts.OSM); err != nil {
			return nil, nil, err
		}
	}
	layer := func(path string, fromOSM func(*Feature) bool) ([]Feature, string, error) {
		if path != "" {
			f, err := ReadGeoJSONFile(path)
			return f, path, err
		}
		if opts.OSM == "" {
			return nil, "", nil
		}
		var out []Feature
		for i := range osmFeats {
			if fromOSM(&osmFeats[i]) {
				out = append(out, osmFeats[i])
			}
		}
		return out, opts.OSM, nil
	}
	streets, streetFile, err := layer(opts.Streets, func(f *Feature) bool { return f.Str("highway") != "" && isLine(f.Geometry) })
	if err != nil {
		return nil, nil, err
	}
	osmBuilding := func(f *Feature) bool { return f.Str("building") != "" && isArea(f.Geometry) }
	buildings, buildingFile, err := layer(opts.Buildings, osmBuilding)
	if err != nil {
		return nil, nil, err
	}
	var extraBuildings []Feature // OSM buildings beside a buildings layer
	if opts.Buildings != "" && opts.OSM != "" {
		for i := range osmFeats {
			if osmBuilding(&osmFeats[i]) {
				extraBuildings = append(extraBuildings, osmFeats[i])
			}
		}
	}
	stops, stopFile, err := layer(opts.Stops, func(f *Feature) bool { return osmStopMode(f) != "" })
	if err != nil {
		return nil, nil, err
	}
	amen, amenFile, err := layer(opts.Amenities, func(f *Feature) bool { return amenityKind(f) != "" })
	if err != nil {
		return nil, nil, err
	}
	var zoneFeats, ageFeats []Feature
	if opts.Zones != "" {
		if zoneFeats, err = ReadGeoJSONFile(opts.Zones); err != nil {
			return nil, nil, err
		}
	}
	if opts.Ages != "" {
		if ageFeats, err = ReadGeoJSONFile(opts.Ages); err != nil {
			return nil, nil, err
		}
	}

	// The origin: the centre of the streets' extent.
	var sb orb.Bound
	first := true
	for i := range streets {
		b := streets[i].Geometry.Bound()
		if first {
			sb, first = b, false
		} else {
			sb = sb.Union(b)
		}
	}
	if first {
		return nil, nil, fmt.Errorf("importer: %s: no street lines (features with a highway tag and a LineString)", streetFile)
	}
	origin := orb.Point{math.Round(sb.Center()[0]*1e6) / 1e6, math.Round(sb.Center()[1]*1e6) / 1e6}
	proj := sim.NewProjection(origin[0], origin[1])

	nodes, segs, err := importStreets(streets, streetFile, proj, rep)
	if err != nil {
		return nil, nil, err
	}
	var xyBound orb.Bound
	for i, n := range nodes {
		if i == 0 {
			xyBound = orb.Bound{Min: n.P, Max: n.P}
		}
		xyBound = xyBound.Extend(n.P)
	}
	area := xyBound.Pad(300)

	zones, zonePolys, err := importZones(zoneFeats, opts.Zones, proj, area, rep)
	if err != nil {
		return nil, nil, err
	}
	// A layer the user gave that keeps nothing is an error, not a silent
	// substitute (one default zone, the OSM buildings): the layers are
	// probably of another city, or their lon/lat swapped.
	if opts.Zones != "" && len(zones) == 0 {
		return nil, nil, noneKept(opts.Zones, "zones", len(zoneFeats), rep)
	}
	ages := importAges(ageFeats, proj)
	blds := importBuildings(buildings, buildingFile, proj, area, zones, zonePolys, ages, rep)
	if opts.Buildings != "" && len(blds) == 0 {
		return nil, nil, noneKept(opts.Buildings, "buildings", len(buildings), rep)
	}
	if buildingFile != "" {
		rep.Layers = append(rep.Layers, Layer{buildingFile, "buildings", len(blds), len(buildings)})
	}
	if len(extraBuildings) > 0 {
		// OSM buildings fill the places the buildings layer does not cover.
		more := importBuildings(extraBuildings, opts.OSM, proj, area, zones, zonePolys, ages, rep)
		var ix rtree.RTreeG[int]
		for i := range blds {
			b := blds[i].Footprint.Bound()
			ix.Insert(b.Min, b.Max, i)
		}
		for _, b := range more {
			ct := sim.Centroid(b.Footprint[0])
			covered := false
			ix.Search(ct, ct, func(_, _ [2]float64, i int) bool {
				if sim.PolygonContains(blds[i].Footprint, ct) {
					covered = true
					return false
				}
				return true
			})
			if covered {
				rep.drop(opts.OSM, "buildings already in the buildings layer", fmt.Sprintf("building at %.0f,%.0f m", ct[0], ct[1]))
				continue
			}
			blds = append(blds, b)
		}
	}
	zones, blds = finishZones(zones, blds, opts.Zones, rep)
	if opts.Zones != "" {
		if len(zones) == 0 {
			return nil, nil, noneKept(opts.Zones, "zones", len(zoneFeats), rep)
		}
		rep.Layers = append(rep.Layers, Layer{opts.Zones, "zones", len(zones), len(zoneFeats)})
	}
	if opts.Ages != "" {
		used := 0
		for _, a := range ages {
			for i := range blds {
				if ct := sim.Centroid(blds[i].Footprint[0]); a.b.Contains(ct) && sim.Area(a.poly).Contains(ct) {
					used++
					break
				}
			}
		}
		if used == 0 {
			return nil, nil, fmt.Errorf("importer: %s: none of its %d areas holds an imported building (%d have a mean age and a polygon): is it of the same city as the streets, with lon/lat in that order?",
				opts.Ages, len(ageFeats), len(ages))
		}
		rep.Layers = append(rep.Layers, Layer{opts.Ages, "building ages", used, len(ageFeats)})
	}
	st := importStops(stops, stopFile, proj, area, rep)
	if opts.Stops != "" && len(st) == 0 {
		return nil, nil, noneKept(opts.Stops, "stops", len(stops), rep)
	}
	if stopFile != "" {
		rep.Layers = append(rep.Layers, Layer{stopFile, "stops", len(st), len(stops)})
	}
	am := importAmenities(amen, amenFile, proj, area, rep)
	if opts.Amenities != "" && len(am) == 0 {
		return nil, nil, noneKept(opts.Amenities, "amenities", len(amen), rep)
	}
	if amenFile != "" {
		rep.Layers = append(rep.Layers, Layer{amenFile, "amenities", len(am), len(amen)})
	}
	if opts.Amenities != "" && opts.OSM != "" {
		// OSM points of interest add what the amenities layer lacks (shops, health).
		var more []Feature
		for i := range osmFeats {
			if amenityKind(&osmFeats[i]) != "" {
				more = append(more, osmFeats[i])
			}
		}
		am = append(am, importAmenities(more, opts.OSM, proj, area, rep)...)
	}

	for _, kind := range sim.AmenityKinds {
		found := false
		for i := range am {
			if am[i].Kind == kind {
				found = true
				break
			}
		}
		if !found {
			rep.impute("amenities", kind, "none in the inputs: every home counts as 120 minutes away; add a layer with this kind")
		}
	}
	name := opts.Name
	if name == "" {
		name = "imported"
	}
	rep.Counts = []Count{{"zones", len(zones)}, {"buildings", len(blds)}, {"street nodes", len(nodes)},
		{"street segments", len(segs)}, {"transit stops", len(st)}, {"amenities", len(am)}}
	c, err := sim.NewCity(name, origin, zones, blds, nodes, segs, st, am)
	if err != nil {
		return nil, nil, fmt.Errorf("importer: %v", err)
	}
	return c, rep, nil
}

// noneKept is the error for a layer the user gave of which nothing is kept.
func noneKept(file, what string, total int, rep *Report) error {
	if total == 0 {
		return fmt.Errorf("importer: %s: the layer has no features: give a layer with %s, or leave the flag out", file, what)
	}
	return fmt.Errorf("importer: %s: none of its %d features is kept as %s (%s): is it of the same city as the streets, with lon/lat in that order?",
		file, total, what, rep.droppedFrom(file))
}

func isLine(g orb.Geometry) bool {
	switch g.(type) {
	case orb.LineString, orb.MultiLineString:
		return true
	}
	return false
}

func isArea(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return true
	}
	return false
}

// streetClass maps an OSM highway value to a class, or "" to leave it out.
func streetClass(hw string) string {
	switch hw {
	case "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link":
		return sim.ClassPrimary
	case "secondary", "secondary_link", "tertiary", "tertiary_link":
		return sim.ClassSecondary
	case "residential", "living_street", "unclassified", "service", "road":
		return sim.ClassResidential
	case "pedestrian", "footway", "path", "steps", "cycleway", "track":
		return sim.ClassPedestrian
	}
	return ""
}

// streetDefaults are lanes and free-flow speed by class when the data lack them.
func streetDefaults(class string) (int, float64) {
	switch class {
	case sim.ClassPrimary:
		return 4, 35
	case sim.ClassSecondary:
		return 3, 30
	case sim.ClassResidential:
		return 1, 20
	}
	return 0, 10
}

// importStreets splits lines into segments at shared vertices, maps their
// tags, and keeps the largest connected piece of the graph.
func importStreets(feats []Feature, file string, proj sim.Projection, rep *Report) ([]sim.Node, []sim.Segment, error) {
	type key [2]float64
	type line struct {
		f   *Feature
		pts orb.LineString
	}
	var lines []line
	uses := map[key]int{}
	for i := range feats {
		f := &feats[i]
		hw := f.Str("highway")
		class := streetClass(hw)
		if hw == "" && f.Str("name") != "" {
			class = sim.ClassResidential
			rep.impute("streets", "class", "no highway tag: residential")
		}
		if class == "" {
			rep.drop(file, "not a street (highway="+hw+")", f.Name())
			continue
		}
		var parts []orb.LineString
		switch g := f.Geometry.(type) {
		case orb.LineString:
			parts = []orb.LineString{g}
		case orb.MultiLineString:
			parts = g
		default:
			rep.drop(file, "not a line", f.Name())
			continue
		}
		for _, p := range parts {
			if len(p) < 2 {
				rep.drop(file, "line with fewer than two points", f.Name())
				continue
			}
			lines = append(lines, line{f, p})
			for j, q := range p {
				w := 1
				if j == 0 || j == len(p)-1 {
					w = 2 // ends are always nodes
				}
				uses[key(q)] += w
			}
		}
	}
	nodeIdx := map[key]int{}
	var nodes []sim.Node
	node := func(q orb.Point) int {
		if id, ok := nodeIdx[key(q)]; ok {
			return id
		}
		nodeIdx[key(q)] = len(nodes)
		nodes = append(nodes, sim.Node{P: proj.ToXY(q)})
		return len(nodes) - 1
	}
	var segs []sim.Segment
	var segFeat []*Feature
	for _, l := range lines {
		f := l.f
		class := streetClass(f.Str("highway"))
		if class == "" {
			class = sim.ClassResidential
		}
		name := f.Str("name")
		if name == "" {
			name = "unnamed street"
			rep.impute("streets", "name", "no name tag: \"unnamed street\"")
		}
		lanes, speed := streetDefaults(class)
		if v, ok := f.Num("lanes"); ok && v >= 1 && v <= 12 && class != sim.ClassPedestrian {
			lanes = int(v)
		} else if class != sim.ClassPedestrian {
			rep.impute("streets", "lanes", "by class")
		}
		if v, ok := f.Num("maxspeed"); ok && v > 0 && v < speed {
			speed = v
		}
		oneway := false
		pts := l.pts
		switch f.Str("oneway") {
		case "yes", "true", "1":
			oneway = true
		case "-1", "reverse":
			oneway = true
			pts = append(orb.LineString(nil), pts...)
			pts.Reverse()
		}
		access := sim.CarFull
		if class == sim.ClassPedestrian {
			access = sim.CarNone
		}
		bike := f.Str("highway") == "cycleway"
		for _, k := range []string{"cycleway", "cycleway:left", "cycleway:right", "cycleway:both", "bicycle"} {
			if v := f.Str(k); v != "" && v != "no" && v != "none" && !(k == "bicycle" && v != "designated") {
				bike = true
			}
		}
		start := 0
		for j := 1; j < len(pts); j++ {
			if j < len(pts)-1 && uses[key(pts[j])] < 2 {
				continue
			}
			geo := make(orb.LineString, 0, j-start+1)
			for _, q := range pts[start : j+1] {
				geo = append(geo, proj.ToXY(q))
			}
			a, b := node(pts[start]), node(pts[j])
			start = j
			if a == b {
				continue // a loop back to its start: no graph link
			}
			segs = append(segs, sim.Segment{Name: name, Class: class, From: a, To: b, Geometry: geo, Lanes: lanes,
				SpeedKmh: speed, Capacity: float64(lanes) * 700, BikeLane: bike, CarAccess: access, Oneway: oneway})
			segFeat = append(segFeat, f)
		}
	}
	if len(segs) == 0 {
		return nil, nil, fmt.Errorf("importer: %s: no usable street segments", file)
	}
	// Keep the largest connected piece (ties: the one with the lowest node).
	parent := make([]int, len(nodes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, s := range segs {
		if a, b := find(s.From), find(s.To); a != b {
			if a < b {
				parent[b] = a
			} else {
				parent[a] = b
			}
		}
	}
	size := map[int]int{}
	for _, s := range segs {
		size[find(s.From)]++
	}
	best := -1
	for root, n := range size {
		if best < 0 || n > size[best] || (n == size[best] && root < best) {
			best = root
		}
	}
	keepNode := make([]int, len(nodes))
	for i := range keepNode {
		keepNode[i] = -1
	}
	var outNodes []sim.Node
	var outSegs []sim.Segment
	pieces := map[int]bool{}
	keptFeats := map[*Feature]bool{}
	for i, s := range segs {
		if find(s.From) != best {
			pieces[find(s.From)] = true
			rep.drop(file, "segments not connected to the main street graph", segFeat[i].Name())
			continue
		}
		for _, n := range []*int{&s.From, &s.To} {
			if keepNode[*n] < 0 {
				keepNode[*n] = len(outNodes)
				outNodes = append(outNodes, nodes[*n])
			}
			*n = keepNode[*n]
		}
		outSegs = append(outSegs, s)
		keptFeats[segFeat[i]] = true
	}
	rep.Layers = append(rep.Layers, Layer{file, "streets", len(keptFeats), len(feats)})
	if len(pieces) > 0 {
		rep.impute("streets", "graph", fmt.Sprintf("kept the largest of %d connected pieces", len(pieces)+1))
	}
	return outNodes, outSegs, nil
}

// zoneProps are the property names read for zone statistics, first match wins.
var zoneProps = struct{ code, name, pop, hh, income, rent, rentM2 []string }{
	code:   []string{"codi_barri", "code", "CODI_UA", "id"},
	name:   []string{"nom_barri", "name", "NOM"},
	pop:    []string{"population_2023", "population", "Hab"},
	hh:     []string{"households_2022", "households", "Dom"},
	income: []string{"disposable_income_per_capita_eur_sectionmean_2021", "disposable_income_per_capita_eur_2018", "income_per_capita_eur", "income"},
	rent:   []string{"rent_eur_month_2023", "rent_eur_month_2022", "rent_eur_month"},
	rentM2: []string{"rent_eur_m2_month_2023", "rent_eur_m2_month_2022", "rent_eur_m2_month"},
}

func importZones(feats []Feature, file string, proj sim.Projection, area orb.Bound, rep *Report) ([]sim.Zone, []orb.MultiPolygon, error) {
	var zones []sim.Zone
	var polys []orb.MultiPolygon
	for i := range feats {
		f := &feats[i]
		mp, ok := f.MultiPolygon()
		if !ok {
			return nil, nil, fmt.Errorf("importer: %s: %s is a %s: zones must be polygons", file, f.Name(), f.Geometry.GeoJSONType())
		}
		name := f.Str(zoneProps.name...)
		if name == "" {
			return nil, nil, fmt.Errorf("importer: %s: %s has no name (property %s)", file, f.Name(), strings.Join(zoneProps.name, " or "))
		}
		xy := proj.ProjectGeometry(mp).(orb.MultiPolygon)
		if !xy.Bound().Intersects(area) {
			rep.drop(file, "zones outside the streets' extent", name)
			continue
		}
		if err := validPolygons(mp); err != nil {
			rep.drop(file, "invalid zone polygon ("+err.Error()+"); its buildings are dropped too", name)
			continue
		}
		z := sim.Zone{Code: f.Str(zoneProps.code...), Name: name}
		if z.Code == "" {
			z.Code = fmt.Sprint(i)
		}
		for _, a := range []struct {
			dst  *float64
			keys []string
		}{{&z.Population, zoneProps.pop}, {&z.Households, zoneProps.hh}, {&z.IncomePerCapita, zoneProps.income},
			{&z.RentEurMonth, zoneProps.rent}, {&z.RentEurM2, zoneProps.rentM2}} {
			v, err := zoneStat(f, a.keys)
			if err != nil {
				return nil, nil, fmt.Errorf("importer: %s: zone %s (%s): %v", file, quoteName(name), f.Name(), err)
			}
			*a.dst = v
		}
		z.Boundary = xy
		zones = append(zones, z)
		polys = append(polys, xy)
	}
	return zones, polys, nil
}

// zoneStat reads a zone statistic: the first of the keys that is present. A
// value that cannot be a statistic (negative, not a number) is refused: the
// import would otherwise compute with a guess the user never sees. Missing,
// null or 0 gives 0, which finishZones fills in and reports by zone name.
func zoneStat(f *Feature, keys []string) (float64, error) {
	for _, k := range keys {
		raw, ok := f.Props[k]
		if !ok || raw == nil {
			continue
		}
		v, ok := f.Num(k)
		switch {
		case !ok:
			return 0, fmt.Errorf("%s = %s is not a number: fix the value or remove the property", k, quoteValue(raw))
		case v < 0:
			return 0, fmt.Errorf("%s = %s is negative: fix the value or remove the property", k, quoteValue(raw))
		}
		return v, nil
	}
	return 0, nil
}

// quoteName shows a name from an input file safely on a terminal: quoted,
// control characters (ANSI escapes included) escaped, cut to 80 characters.
func quoteName(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return strconv.Quote(s)
}

// validPolygons rejects empty, open or self-intersecting rings.
func validPolygons(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return errors.New("empty polygon")
	}
	for _, p := range mp {
		if len(p) == 0 {
			return errors.New("empty polygon")
		}
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return errors.New("a ring with fewer than four points or not closed")
			}
			if sim.RingSelfIntersects(r) {
				return errors.New("a ring that intersects itself")
			}
		}
		if sim.PolygonArea(p) <= 0 {
			return errors.New("a polygon with no area")
		}
	}
	return nil
}

type ageArea struct {
	poly orb.MultiPolygon
	year float64
	b    orb.Bound
}

func importAges(feats []Feature, proj sim.Projection) []ageArea {
	var out []ageArea
	for i := range feats {
		f := &feats[i]
		age, ok := f.Num("edat_mitjana_edificis_2020", "mean_age_years", "edat_mitjana_edificis_anys")
		if !ok {
			continue
		}
		mp, ok := f.MultiPolygon()
		if !ok {
			continue
		}
		xy := proj.ProjectGeometry(mp).(orb.MultiPolygon)
		out = append(out, ageArea{xy, 2020 - age, xy.Bound()})
	}
	return out
}

// residentialArea is sim.ResidentialArea of a building as built. Its use is
// one of sim.Uses: the import and the built-in cities give no other.
func residentialArea(b *sim.Building) float64 {
	u, _ := sim.UseCodeOf(b.Use)
	st := sim.BuildingState{Floors: b.Floors, FloorArea: b.FloorArea, Use: u}
	return sim.ResidentialArea(&st)
}

// buildingUse maps OSM building and other tags to a use.
func buildingUse(f *Feature) (string, bool) {
	if u := f.Str("use", "building:use"); u != "" {
		for _, x := range sim.Uses {
			if u == x {
				return u, true
			}
		}
	}
	switch f.Str("building") {
	case "apartments", "residential", "house", "detached", "terrace", "semidetached_house", "dormitory":
		if f.Str("shop") != "" {
			return sim.UseMixed, true
		}
		return sim.UseResidential, true
	case "retail", "commercial", "supermarket", "kiosk":
		return sim.UseRetail, true
	case "office":
		return sim.UseOffice, true
	case "public", "civic", "school", "university", "hospital", "church", "cathedral", "government", "train_station", "college", "kindergarten", "chapel", "stadium", "sports_hall":
		return sim.UsePublic, true
	case "industrial", "warehouse", "garage", "garages", "parking":
		return sim.UseIndustrial, true
	}
	return sim.UseMixed, false
}

func inZone(polys []orb.MultiPolygon, p orb.Point) int {
	for i, mp := range polys {
		if sim.Area(mp).Contains(p) {
			return i
		}
	}
	return -1
}

func importBuildings(feats []Feature, file string, proj sim.Projection, area orb.Bound, zones []sim.Zone, zonePolys []orb.MultiPolygon,
	ages []ageArea, rep *Report) []sim.Building {
	var out []sim.Building
	flats := map[int]bool{}
	for i := range feats {
		f := &feats[i]
		mp, ok := f.MultiPolygon()
		if !ok {
			rep.drop(file, "not a polygon", f.Name())
			continue
		}
		if err := validPolygons(mp); err != nil {
			rep.drop(file, "invalid footprint ("+err.Error()+")", f.Name())
			continue
		}
		xy := proj.ProjectGeometry(mp).(orb.MultiPolygon)
		// A multipolygon building keeps its largest part.
		best := 0
		for k := range xy {
			if sim.PolygonArea(xy[k]) > sim.PolygonArea(xy[best]) {
				best = k
			}
		}
		fp := xy[best]
		ct := sim.Centroid(fp[0])
		if !area.Contains(ct) {
			rep.drop(file, "outside the street network", f.Name())
			continue
		}
		zone := -1
		if len(zonePolys) > 0 {
			if zone = inZone(zonePolys, ct); zone < 0 {
				rep.drop(file, "outside every zone", f.Name())
				continue
			}
		}
		fa := sim.PolygonArea(fp)
		if fa < 10 {
			rep.drop(file, "footprint under 10 m² (a kiosk or a drawing error)", f.Name())
			continue
		}
		floors := 0
		if v, ok := f.checkedNum(file, "floor count from 1 to 200: floors filled in", 1, 200, rep, "building:levels", "levels", "floors"); ok {
			floors = int(math.Round(v))
		} else if h, ok := f.checkedNum(file, "height from 2 to 800 m: floors filled in", 2, 800, rep, "height"); ok {
			floors = max(1, int(math.Round(h/3.2)))
			rep.impute("buildings", "floors", "from height / 3.2 m")
		}
		use, known := buildingUse(f)
		if !known {
			rep.impute("buildings", "use", "building="+f.Str("building")+": mixed (homes over shops)")
		}
		year := 0
		if v, ok := f.Num("start_date", "year", "construction_year"); ok && v > 1000 && v < 2100 {
			year = int(v)
		} else {
			for _, a := range ages {
				if a.b.Contains(ct) && sim.Area(a.poly).Contains(ct) {
					year = int(math.Round(a.year))
					rep.impute("buildings", "year", "census section mean building age")
					break
				}
			}
		}
		b := sim.Building{Footprint: fp, Floors: floors, Use: use, Year: year, RoofArea: fa, Zone: zone}
		if v, ok := f.checkedNum(file, "dwelling count from 0 to 9999: dwellings filled in", 0, 9999, rep, "building:flats", "dwellings"); ok {
			b.Dwellings = int(v)
			flats[len(out)] = true
		}
		out = append(out, b)
	}
	// Floors: the median of known floors in the zone, else of all, else 5.
	median := func(zone int) int {
		var v []int
		for _, b := range out {
			if b.Floors > 0 && (zone < 0 || b.Zone == zone) {
				v = append(v, b.Floors)
			}
		}
		if len(v) == 0 {
			return 0
		}
		sort.Ints(v)
		return v[len(v)/2]
	}
	cityMedian := median(-1)
	zoneMedian := map[int]int{}
	for i := range out {
		b := &out[i]
		if b.Floors == 0 {
			m, ok := zoneMedian[b.Zone]
			if !ok {
				m = median(b.Zone)
				zoneMedian[b.Zone] = m
			}
			switch {
			case m > 0 && b.Zone >= 0:
				b.Floors = m
				rep.impute("buildings", "floors", "median of known floors in the zone")
			case cityMedian > 0:
				b.Floors = cityMedian
				rep.impute("buildings", "floors", "median of known floors")
			default:
				b.Floors = 5
				rep.impute("buildings", "floors", "default 5")
			}
		}
		b.FloorArea = sim.PolygonArea(b.Footprint) * float64(b.Floors)
		if b.Year == 0 {
			b.Year = 1960
			rep.impute("buildings", "year", "default 1960")
		}
		res := residentialArea(b)
		if !flats[i] {
			b.Dwellings = int(math.Round(res / sim.DefaultParams()[sim.PDwellingM2]))
			rep.impute("buildings", "dwellings", "residential floor area / gross dwelling size")
		}
	}
	return out
}

// finishZones drops zones without buildings, fills missing statistics from
// the other zones, and scales households and population to the dwellings
// imported (a layer may cover only part of a zone). With no zone layer, one
// zone holds every building.
func finishZones(zones []sim.Zone, blds []sim.Building, file string, rep *Report) ([]sim.Zone, []sim.Building) {
	if len(zones) == 0 {
		zones = []sim.Zone{{Code: "all", Name: "whole city", IncomePerCapita: 22994, RentEurMonth: 1193, RentEurM2: 16.22}}
		rep.impute("zones", "statistics", "no zone layer: one zone with Barcelona's city-wide means")
		for i := range blds {
			blds[i].Zone = 0
		}
	}
	dw := make([]float64, len(zones))
	year := make([]float64, len(zones))
	n := make([]float64, len(zones))
	for _, b := range blds {
		dw[b.Zone] += float64(b.Dwellings)
		year[b.Zone] += float64(b.Year)
		n[b.Zone]++
	}
	mean := func(get func(*sim.Zone) float64) float64 {
		var s, k float64
		for i := range zones {
			if v := get(&zones[i]); v > 0 && n[i] > 0 {
				s += v
				k++
			}
		}
		if k == 0 {
			return 0
		}
		return s / k
	}
	fill := func(name string, get func(*sim.Zone) *float64, def float64) {
		m := mean(func(z *sim.Zone) float64 { return *get(z) })
		how := "missing or 0: mean of the other zones"
		if m == 0 {
			m, how = def, fmt.Sprintf("missing or 0 in every zone: Barcelona's %g", def)
		}
		for i := range zones {
			if *get(&zones[i]) <= 0 && n[i] > 0 {
				*get(&zones[i]) = m
				if file != "" {
					rep.imputeNamed("zones", name, how, zones[i].Name)
				}
			}
		}
	}
	fill("income", func(z *sim.Zone) *float64 { return &z.IncomePerCapita }, 22994)
	fill("rent", func(z *sim.Zone) *float64 { return &z.RentEurMonth }, 1193)
	fill("rent_m2", func(z *sim.Zone) *float64 { return &z.RentEurM2 }, 16.22)
	remap := make([]int, len(zones))
	var out []sim.Zone
	for i := range zones {
		z := zones[i]
		if n[i] == 0 {
			remap[i] = -1
			if file != "" {
				rep.drop(file, "zones with no building in the imported layers", z.Name)
			}
			continue
		}
		size := 2.42 // Barcelona's mean household size (Q)
		if z.Households > 0 && z.Population > 0 {
			size = z.Population / z.Households
		} else if file != "" {
			rep.imputeNamed("zones", "household size", "population or households missing or 0: Barcelona's 2.42", z.Name)
		}
		z.Households = dw[i] * occupancy
		z.Population = z.Households * size
		z.MeanBuildingYear = year[i] / n[i]
		remap[i] = len(out)
		out = append(out, z)
	}
	for i := range blds {
		blds[i].Zone = remap[blds[i].Zone]
	}
	if len(out) > 0 && file != "" {
		rep.impute("zones", "households", "scaled to the dwellings imported (the layers may cover part of a zone)")
	}
	return out, blds
}

// osmStopMode returns the transit mode of an OSM feature or a stop layer's
// feature, "" when it is not a stop.
func osmStopMode(f *Feature) string {
	if _, ok := f.Geometry.(orb.Point); !ok {
		return ""
	}
	if m := f.Str("mode"); m != "" {
		return m
	}
	layer := strings.ToLower(f.Str("nom_capa", "NOM_CAPA"))
	switch {
	case strings.Contains(layer, "metro"):
		return sim.ModeMetro
	case strings.Contains(layer, "tramvia"):
		return sim.ModeTram
	case strings.Contains(layer, "autobus") || strings.Contains(layer, "bus"):
		if strings.Contains(layer, "nocturn") {
			return "" // night buses do not serve the day's trips
		}
		return sim.ModeBus
	case strings.Contains(layer, "fgc") || strings.Contains(layer, "renfe") || strings.Contains(layer, "tren"):
		return sim.ModeRail
	case layer != "":
		return ""
	}
	switch {
	case f.Str("highway") == "bus_stop":
		return sim.ModeBus
	case f.Str("railway") == "subway_entrance", f.Str("station") == "subway":
		return sim.ModeMetro
	case f.Str("railway") == "tram_stop":
		return sim.ModeTram
	case f.Str("railway") == "station", f.Str("railway") == "halt":
		return sim.ModeRail
	}
	return ""
}

// defaultHeadway is the peak headway in minutes by mode when the data lack it.
func defaultHeadway(mode string) float64 {
	switch mode {
	case sim.ModeMetro:
		return 4
	case sim.ModeTram:
		return 8
	case sim.ModeRail:
		return 10
	}
	return 10
}

func importStops(feats []Feature, file string, proj sim.Projection, area orb.Bound, rep *Report) []sim.Stop {
	var out []sim.Stop
	for i := range feats {
		f := &feats[i]
		mode := osmStopMode(f)
		switch mode {
		case sim.ModeBus, sim.ModeMetro, sim.ModeTram, sim.ModeRail:
		default:
			rep.drop(file, "not a day-time transit stop", f.Name())
			continue
		}
		p := proj.ToXY(f.Geometry.(orb.Point))
		if !area.Contains(p) {
			rep.drop(file, "outside the city", f.Name())
			continue
		}
		h, ok := f.Num("headway_min")
		if !ok || h <= 0 || h > 120 {
			h = defaultHeadway(mode)
			rep.impute("stops", "headway", "by mode (metro 4, tram 8, rail 10, bus 10 min)")
		}
		name := f.Str("name", "equipament", "NOM")
		out = append(out, sim.Stop{Name: name, Mode: mode, P: p, HeadwayMin: h})
	}
	return out
}

// amenityKind maps a feature to an amenity kind, "" when it is none.
func amenityKind(f *Feature) string {
	if k := f.Str("kind"); k != "" {
		for _, x := range sim.AmenityKinds {
			if k == x {
				return k
			}
		}
	}
	switch f.Str("category") { // Open Data BCN equipment categories
	case "Parks and gardens", "Playgrounds":
		return sim.KindPark
	case "Libraries", "Theaters", "Museums", "Municipal museums", "Cinemas", "Auditoriums":
		return sim.KindCulture
	case "Sports facilities", "Swimming":
		return sim.KindSport
	case "Universities":
		return sim.KindSchool
	}
	switch f.Str("amenity") {
	case "school", "kindergarten", "college":
		return sim.KindSchool
	case "hospital", "clinic", "doctors", "pharmacy":
		return sim.KindHealth
	case "marketplace":
		return sim.KindGrocery
	case "library", "theatre", "arts_centre", "cinema", "community_centre":
		return sim.KindCulture
	}
	switch f.Str("shop") {
	case "supermarket", "convenience", "greengrocer", "bakery", "butcher":
		return sim.KindGrocery
	}
	switch f.Str("leisure") {
	case "park", "playground", "garden":
		return sim.KindPark
	case "sports_centre", "pitch", "fitness_centre", "swimming_pool":
		return sim.KindSport
	}
	return ""
}

func importAmenities(feats []Feature, file string, proj sim.Projection, area orb.Bound, rep *Report) []sim.Amenity {
	var out []sim.Amenity
	for i := range feats {
		f := &feats[i]
		kind := amenityKind(f)
		if kind == "" {
			rep.drop(file, "not an amenity kind of daily life", f.Name())
			continue
		}
		var p orb.Point
		m2 := 0.0
		switch g := f.Geometry.(type) {
		case orb.Point:
			p = g
		case orb.Polygon, orb.MultiPolygon:
			p = g.Bound().Center()
			if mp, ok := g.(orb.MultiPolygon); ok && len(mp) > 0 {
				m2 = sim.Area(proj.ProjectGeometry(mp).(orb.MultiPolygon)).SquareMetres()
			} else if pg, ok := g.(orb.Polygon); ok {
				m2 = sim.PolygonArea(proj.ProjectGeometry(pg).(orb.Polygon))
			}
		default:
			p = g.Bound().Center()
		}
		xy := proj.ToXY(p)
		if !area.Contains(xy) {
			rep.drop(file, "outside the city", f.Name())
			continue
		}
		a := sim.Amenity{Name: f.Str("name"), Kind: kind, P: xy}
		if kind == sim.KindPark {
			if m2 == 0 {
				m2 = 2000
				if f.Str("category") == "Playgrounds" || f.Str("leisure") == "playground" {
					m2 = 400
				}
				rep.impute("amenities", "park area", "point park: 2,000 m² (playground 400 m²)")
			}
			a.Area = m2
		}
		out = append(out, a)
	}
	return out
}

// checkedNum returns the first of the named properties that is present, when
// it is a number from lo to hi. A value present but outside the range or not
// a number is recorded in the report with the file, the feature and the
// value, so that a person can check it; the caller fills the attribute in.
func (f *Feature) checkedNum(file, want string, lo, hi float64, rep *Report, keys ...string) (float64, bool) {
	for _, k := range keys {
		raw, ok := f.Props[k]
		if !ok || raw == nil {
			continue
		}
		if v, ok := f.Num(k); ok && v >= lo && v <= hi {
			return v, true
		}
		rep.reject(file, k+" not a "+want, fmt.Sprintf("%s: %s = %s", f.Name(), k, quoteValue(raw)))
		return 0, false
	}
	return 0, false
}

// quoteValue shows a property value as it was in the file, cut to 40 characters.
func quoteValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strconv.Quote(x)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}
