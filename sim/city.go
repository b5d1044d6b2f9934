package sim

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Zone is a neighbourhood with its published statistics.
type Zone struct {
	ID         int
	Code       string  // the publisher's code, e.g. "07" for la Dreta de l'Eixample
	Name       string  // official name
	Population float64 // residents
	Households float64
	// IncomePerCapita is the mean disposable income per person, euros per year.
	IncomePerCapita float64
	// RentEurMonth is the mean monthly rent of new contracts, euros.
	RentEurMonth float64
	// RentEurM2 is the mean monthly rent per square metre, euros.
	RentEurM2 float64
	// MeanBuildingYear is the mean construction year of the zone's buildings.
	MeanBuildingYear float64
	Boundary         orb.MultiPolygon // metres; may be empty
}

// Use values of a building.
const (
	UseResidential = "residential"
	UseMixed       = "mixed" // residential above, shops on the ground floor
	UseOffice      = "office"
	UseRetail      = "retail"
	UsePublic      = "public"
	UseIndustrial  = "industrial"
)

// Uses lists the valid building uses.
var Uses = []string{UseResidential, UseMixed, UseOffice, UseRetail, UsePublic, UseIndustrial}

// UseCode is a building's use in a State: its index in Uses. A state holds
// codes, not names, so that its buildings hold no pointers: a state copies
// as plain memory and the collector never scans it (on js/wasm the
// collector runs on the one thread, and an Evaluate copies the state).
type UseCode uint8

// The codes of Uses, in its order.
const (
	codeResidential UseCode = iota
	codeMixed
	codeOffice
	codeRetail
	codePublic
	codeIndustrial
)

// UseCodeOf returns the code of a use named in Uses; ok is false for any
// other name.
func UseCodeOf(name string) (code UseCode, ok bool) {
	for i, u := range Uses {
		if u == name {
			return UseCode(i), true
		}
	}
	return 0, false
}

// String returns the name of the use.
func (u UseCode) String() string {
	if int(u) < len(Uses) {
		return Uses[u]
	}
	return fmt.Sprintf("use(%d)", uint8(u))
}

// useCode returns the code of a use that NewCity or Edit.check has checked.
func useCode(name string) UseCode {
	u, ok := UseCodeOf(name)
	if !ok {
		panic(fmt.Sprintf("sim: use %q is not one of %v", name, Uses))
	}
	return u
}

// Building is a footprint with its attributes.
type Building struct {
	ID        int
	Footprint orb.Polygon // metres
	Floors    int
	FloorArea float64 // gross floor area over all floors, m²
	Use       string
	Dwellings int
	Year      int     // construction year
	RoofArea  float64 // m² of roof
	Zone      int     // index into City.Zones, -1 when outside every zone
	Centroid  orb.Point
}

// Street classes.
const (
	ClassPrimary     = "primary"
	ClassSecondary   = "secondary"
	ClassResidential = "residential"
	ClassPedestrian  = "pedestrian"
)

// Car access levels of a segment.
const (
	CarFull  = "full"
	CarLocal = "local" // local access only: no through traffic
	CarNone  = "none"
)

// Node is a junction of the street graph.
type Node struct {
	ID int
	P  orb.Point // metres
}

// Segment is one street link between two junctions.
type Segment struct {
	ID       int
	Name     string
	Class    string
	From, To int            // node indexes
	Geometry orb.LineString // metres, From to To
	Length   float64        // metres
	Lanes    int
	SpeedKmh float64
	// Capacity is vehicles per hour over all lanes.
	Capacity  float64
	BikeLane  bool
	CarAccess string
	// Oneway is true when cars may only drive From -> To.
	Oneway bool
}

// Transit modes of stops.
const (
	ModeBus   = "bus"
	ModeMetro = "metro"
	ModeTram  = "tram"
	ModeRail  = "rail"
)

// Stop is a public-transport stop.
type Stop struct {
	ID         int
	Name       string
	Mode       string
	P          orb.Point
	HeadwayMin float64
}

// Amenity kinds for 15-minute access.
const (
	KindSchool  = "school"
	KindHealth  = "health"
	KindGrocery = "grocery"
	KindPark    = "park"
	KindCulture = "culture"
	KindSport   = "sport"
)

// AmenityKinds lists the amenity kinds in a fixed order.
var AmenityKinds = []string{KindSchool, KindHealth, KindGrocery, KindPark, KindCulture, KindSport}

// Amenity is a point of daily life.
type Amenity struct {
	ID   int
	Name string
	Kind string
	P    orb.Point
	Area float64 // m² of public green for parks, else 0
}

// City is an immutable snapshot of a city. Build it with NewCity; never modify
// it afterwards: scenarios hold their changes in their own State.
type City struct {
	Name       string
	Origin     orb.Point // lon/lat of the projection origin
	Proj       Projection
	Zones      []Zone
	Buildings  []Building
	Nodes      []Node
	Segments   []Segment
	Stops      []Stop
	Amenities  []Amenity
	Bound      orb.Bound // metres
	Boundary   orb.Bound // lon/lat
	buildingIx rtree.RTreeG[int]
	segmentIx  rtree.RTreeG[int]
	stopIx     rtree.RTreeG[int]
	amenityIx  rtree.RTreeG[int]
	cache      cityCache
}

// NewCity checks the parts, fills derived fields (centroids, lengths, bounds),
// and builds the R-tree indexes. The slices become owned by the city.
func NewCity(name string, origin orb.Point, zones []Zone, buildings []Building, nodes []Node,
	segments []Segment, stops []Stop, amenities []Amenity) (*City, error) {
	c := &City{Name: name, Origin: origin, Proj: NewProjection(origin[0], origin[1]),
		Zones: zones, Buildings: buildings, Nodes: nodes, Segments: segments, Stops: stops, Amenities: amenities}
	if len(nodes) == 0 || len(segments) == 0 {
		return nil, invalidf("city.no_streets", "sim: city %q has no streets: import a street layer", name)
	}
	if err := c.checkFinite(); err != nil {
		return nil, err
	}
	bound := orb.Bound{Min: nodes[0].P, Max: nodes[0].P}
	for i := range c.Zones {
		c.Zones[i].ID = i
	}
	for i := range c.Nodes {
		c.Nodes[i].ID = i
		bound = bound.Extend(c.Nodes[i].P)
	}
	for i := range c.Buildings {
		b := &c.Buildings[i]
		b.ID = i
		if len(b.Footprint) == 0 || len(b.Footprint[0]) < 4 {
			return nil, invalidf("city.building_footprint", "sim: building %d has no footprint", i)
		}
		if _, ok := UseCodeOf(b.Use); !ok {
			return nil, invalidf("city.building_use", "sim: building %d has use %q: give one of %s", i, b.Use, strings.Join(Uses, ", "))
		}
		b.Centroid = Centroid(b.Footprint[0])
		if b.Zone >= len(zones) {
			return nil, invalidf("city.building_zone", "sim: building %d names zone %d of %d", i, b.Zone, len(zones))
		}
		bb := b.Footprint.Bound()
		bound = bound.Union(bb)
		c.buildingIx.Insert(bb.Min, bb.Max, i)
	}
	for i := range c.Segments {
		s := &c.Segments[i]
		s.ID = i
		if s.From < 0 || s.From >= len(nodes) || s.To < 0 || s.To >= len(nodes) {
			return nil, invalidf("city.segment_node", "sim: segment %d joins a missing node", i)
		}
		if len(s.Geometry) < 2 {
			s.Geometry = orb.LineString{nodes[s.From].P, nodes[s.To].P}
		}
		if s.Length == 0 {
			for j := 1; j < len(s.Geometry); j++ {
				s.Length += dist(s.Geometry[j-1], s.Geometry[j])
			}
		}
		if s.Length <= 0 || math.IsNaN(s.Length) {
			s.Length = 1
		}
		bb := s.Geometry.Bound()
		c.segmentIx.Insert(bb.Min, bb.Max, i)
	}
	for i := range c.Stops {
		c.Stops[i].ID = i
		c.stopIx.Insert(c.Stops[i].P, c.Stops[i].P, i)
	}
	for i := range c.Amenities {
		c.Amenities[i].ID = i
		c.amenityIx.Insert(c.Amenities[i].P, c.Amenities[i].P, i)
	}
	c.Bound = bound
	c.Boundary = orb.Bound{Min: c.Proj.ToLonLat(bound.Min), Max: c.Proj.ToLonLat(bound.Max)}
	return c, nil
}

// collect runs a search and returns the ids found, sorted, so that callers
// never depend on the R-tree's internal order.
func collect(search func(func(min, max [2]float64, id int) bool)) []int {
	ids := make([]int, 0, 64) // a block's worth: one allocation for most searches
	search(func(_, _ [2]float64, id int) bool { ids = append(ids, id); return true })
	sort.Ints(ids)
	return ids
}

// hits gathers the ids an R-tree search finds into a slice it reuses: one
// per State, so that an edit's search allocates nothing.
type hits struct {
	ids []int
	add func(min, max [2]float64, id int) bool // appends to ids
}

func newHits() *hits {
	h := &hits{ids: make([]int, 0, 64)}
	h.add = func(_, _ [2]float64, id int) bool { h.ids = append(h.ids, id); return true }
	return h
}

// BuildingsIn returns the ids of buildings whose centroid lies in area, sorted.
func (c *City) BuildingsIn(a Area) []int { return c.buildingsIn(a, newHits()) }

// buildingsIn is BuildingsIn, its result in h's slice.
func (c *City) buildingsIn(a Area, h *hits) []int {
	b := a.Bound()
	h.ids = h.ids[:0]
	c.buildingIx.Search(b.Min, b.Max, h.add)
	ids := h.ids
	sort.Ints(ids)
	out := ids[:0]
	for _, id := range ids {
		if a.Contains(c.Buildings[id].Centroid) {
			out = append(out, id)
		}
	}
	return out
}

// SegmentsIn returns the ids of segments whose midpoint lies in area, sorted.
func (c *City) SegmentsIn(a Area) []int {
	b := a.Bound()
	var out []int
	for _, id := range collect(func(f func(min, max [2]float64, id int) bool) { c.segmentIx.Search(b.Min, b.Max, f) }) {
		if a.Contains(c.SegmentMid(id)) {
			out = append(out, id)
		}
	}
	return out
}

// SegmentMid returns the midpoint of a segment's end nodes.
func (c *City) SegmentMid(id int) orb.Point {
	s := &c.Segments[id]
	a, b := c.Nodes[s.From].P, c.Nodes[s.To].P
	return orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
}

// SegmentsNear returns the ids of segments with a bounding box within r metres of p, sorted.
func (c *City) SegmentsNear(p orb.Point, r float64) []int {
	return collect(func(f func(min, max [2]float64, id int) bool) {
		c.segmentIx.Search([2]float64{p[0] - r, p[1] - r}, [2]float64{p[0] + r, p[1] + r}, f)
	})
}

// NearestSegment returns the segment closest to p, the distance, and the
// position along it (0 at From, 1 at To). Ties go to the lower id.
func (c *City) NearestSegment(p orb.Point) (id int, d, t float64) {
	// Search boxes of growing size; a hit inside the box's inscribed circle
	// is certainly the nearest, one beyond it may not be.
	for r := 50.0; r < 1e7; r *= 4 {
		id, d, t = -1, math.Inf(1), 0
		for _, s := range c.SegmentsNear(p, r) {
			seg := &c.Segments[s]
			for j := 1; j < len(seg.Geometry); j++ {
				dd, tt := pointSegDist(p, seg.Geometry[j-1], seg.Geometry[j])
				if dd < d {
					id, d = s, dd
					t = (float64(j-1) + tt) / float64(len(seg.Geometry)-1)
				}
			}
		}
		if id >= 0 && d <= r {
			return id, d, t
		}
	}
	return id, d, t
}

// StopsNear returns the ids of stops within r metres of p, sorted.
func (c *City) StopsNear(p orb.Point, r float64) []int {
	var out []int
	for _, id := range collect(func(f func(min, max [2]float64, id int) bool) {
		c.stopIx.Search([2]float64{p[0] - r, p[1] - r}, [2]float64{p[0] + r, p[1] + r}, f)
	}) {
		if dist(c.Stops[id].P, p) <= r {
			out = append(out, id)
		}
	}
	return out
}

// AmenitiesNear returns the ids of amenities within r metres of p, sorted.
func (c *City) AmenitiesNear(p orb.Point, r float64) []int {
	var out []int
	for _, id := range collect(func(f func(min, max [2]float64, id int) bool) {
		c.amenityIx.Search([2]float64{p[0] - r, p[1] - r}, [2]float64{p[0] + r, p[1] + r}, f)
	}) {
		if dist(c.Amenities[id].P, p) <= r {
			out = append(out, id)
		}
	}
	return out
}

// ZoneAt returns the zone whose boundary contains p, or -1.
func (c *City) ZoneAt(p orb.Point) int {
	for i := range c.Zones {
		for _, poly := range c.Zones[i].Boundary {
			if PolygonContains(poly, p) {
				return i
			}
		}
	}
	return -1
}

func finitePoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0) &&
		math.Abs(p[0]) < 1e8 && math.Abs(p[1]) < 1e8
}

// checkFinite rejects coordinates that are not finite or absurdly far (over
// 100,000 km) from the origin: the indexes and models need real places.
func (c *City) checkFinite() error {
	if !finitePoint(c.Origin) || math.Abs(c.Origin[0]) > 180 || math.Abs(c.Origin[1]) > 90 {
		return invalidf("city.origin", "sim: city %q has origin %v, not lon/lat", c.Name, c.Origin)
	}
	for i, n := range c.Nodes {
		if !finitePoint(n.P) {
			return invalidf("city.node_coordinate", "sim: node %d has coordinate %v", i, n.P)
		}
	}
	for i := range c.Buildings {
		for _, r := range c.Buildings[i].Footprint {
			for _, p := range r {
				if !finitePoint(p) {
					return invalidf("city.building_coordinate", "sim: building %d has coordinate %v", i, p)
				}
			}
		}
		b := &c.Buildings[i]
		if b.Floors < 0 || b.Dwellings < 0 || math.IsNaN(b.FloorArea) || b.FloorArea < 0 || math.IsNaN(b.RoofArea) {
			return invalidf("city.building_attributes", "sim: building %d has negative or missing attributes", i)
		}
	}
	for i := range c.Segments {
		for _, p := range c.Segments[i].Geometry {
			if !finitePoint(p) {
				return invalidf("city.segment_coordinate", "sim: segment %d has coordinate %v", i, p)
			}
		}
		s := &c.Segments[i]
		if math.IsNaN(s.SpeedKmh) || s.SpeedKmh < 0 || math.IsNaN(s.Capacity) || s.Capacity < 0 || math.IsNaN(s.Length) || s.Length < 0 {
			return invalidf("city.segment_attributes", "sim: segment %d has negative or missing attributes", i)
		}
	}
	for i, s := range c.Stops {
		if !finitePoint(s.P) || !(s.HeadwayMin > 0) {
			return invalidf("city.stop", "sim: stop %d has coordinate %v, headway %v", i, s.P, s.HeadwayMin)
		}
	}
	for i, a := range c.Amenities {
		if !finitePoint(a.P) || math.IsNaN(a.Area) || a.Area < 0 {
			return invalidf("city.amenity", "sim: amenity %d has coordinate %v", i, a.P)
		}
	}
	for i, z := range c.Zones {
		for _, v := range []float64{z.Population, z.Households, z.IncomePerCapita, z.RentEurMonth, z.RentEurM2} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return invalidf("city.zone_statistic", "sim: zone %d (%s) has statistic %v", i, z.Name, v)
			}
		}
	}
	return nil
}
