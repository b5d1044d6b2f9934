package sim

import (
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// opDef is everything about one edit op in one place: its name, the checks
// of its fields that need no city, and its effect on a state. Adding an op
// means adding one opDef to opDefs (and its meaning to DESIGN.md §3 and
// docs/MODELS.md).
type opDef struct {
	name string
	// check validates the edit's own fields without a city. area.need
	// parses and checks the "area" field (and errors when it is missing);
	// an op with an area calls it, so that the area is parsed once.
	check func(e *Edit, area *areaParser) error
	// apply changes the state through x, which records what it changed so
	// that the edit can be undone. On error the state must be unchanged:
	// check everything before the first change.
	apply func(x *applying) error
}

// opDefs are the edit ops, in the order of Ops.
var opDefs = []opDef{
	{name: "superblock", check: needArea, apply: applySuperblock},
	{name: "pedestrianize", check: needStreets, apply: applyStreets(pedestrianize)},
	{name: "green_axis", check: needStreets, apply: applyStreets(greenAxis)},
	{name: "bike_lane", check: needStreets, apply: applyStreets(bikeLane)},
	{name: "rezone", check: checkRezone, apply: applyRezone},
	{name: "add_housing", check: checkAddHousing, apply: applyAddHousing},
	{name: "retrofit", check: checkRetrofit, apply: applyRetrofit},
	{name: "solar", check: checkSolar, apply: applySolar},
	{name: "park", check: needArea, apply: applyPark},
	{name: "transit_stop", check: checkTransitStop, apply: applyTransitStop},
	{name: "param", check: checkParam, apply: applyParam},
}

// Ops lists the edit operations.
var Ops = func() []string {
	names := make([]string, len(opDefs))
	for i := range opDefs {
		names[i] = opDefs[i].name
	}
	return names
}()

// lookupOp returns the definition of an op, or an error naming the ops.
func lookupOp(op string) (*opDef, error) {
	for i := range opDefs {
		if opDefs[i].name == op {
			return &opDefs[i], nil
		}
	}
	if op == "" {
		return nil, bad("op", "op.missing", `"op" is missing: one of %s`, strings.Join(Ops, ", "))
	}
	return nil, bad("op", "op.unknown", "unknown op %q: one of %s", op, strings.Join(Ops, ", "))
}

// applying is one edit being applied to a state: the area it names,
// projected, and the undo record of what it changed.
type applying struct {
	s    *State
	e    *Edit
	u    *Undo
	area Area // nil when the edit has none
}

// building returns building id's state for changing, saving it for undo.
func (x *applying) building(id int) *BuildingState {
	x.u.buildings = append(x.u.buildings, savedBuilding{id, x.s.Buildings[id]})
	x.u.TouchedBuildings = append(x.u.TouchedBuildings, id)
	return &x.s.Buildings[id]
}

// segment returns segment id's state for changing, saving it for undo.
func (x *applying) segment(id int) *SegmentState {
	x.u.segments = append(x.u.segments, savedSegment{id, x.s.Segments[id]})
	x.u.TouchedSegments = append(x.u.TouchedSegments, id)
	return &x.s.Segments[id]
}

// buildingsIn returns the buildings whose centroid lies in the edit's area,
// sorted, and sizes the undo record for them; none is an error.
func (x *applying) buildingsIn() ([]int, error) {
	s := x.s
	if s.hits == nil {
		s.hits = newHits()
	}
	ids := s.City.buildingsIn(x.area, s.hits)
	if len(ids) == 0 {
		return nil, bad("area", "area.no_building", "the area holds no building")
	}
	x.u.buildings = make([]savedBuilding, 0, len(ids))
	x.u.TouchedBuildings = make([]int, 0, len(ids))
	return ids, nil
}

// needArea checks an op whose only field is its area.
func needArea(_ *Edit, area *areaParser) error { return area.need() }

// needStreets checks an op whose only field is its street selector.
func needStreets(e *Edit, _ *areaParser) error {
	if e.Streets == nil {
		return bad("streets", "streets.required", `"streets" is required: {"ids": [...]} or {"name": ..., "within": polygon}`)
	}
	return e.Streets.check()
}

// superblock: the interior streets of the area lose through traffic and
// most of their capacity (local access only, 10 km/h, a fifth of the
// capacity). A street already in a superblock is left as it is, so the
// same superblock drawn twice changes nothing more.
func applySuperblock(x *applying) error {
	ids := x.s.interiorSegments(x.area)
	if len(ids) == 0 {
		return bad("area", "superblock.no_interior", "the area holds no interior street: draw it around at least two blocks (streets within 25 m of its edge are the perimeter)")
	}
	for _, id := range ids {
		if x.s.Segments[id].Superblock {
			continue
		}
		g := x.segment(id)
		g.Superblock = true
		g.CarAccess = CarLocal
		g.SpeedKmh = min(g.SpeedKmh, 10)
		g.Capacity = float64(g.Capacity) * 0.2
	}
	return nil
}

// applyStreets applies change to every street the edit's selector picks.
func applyStreets(change func(x *applying, id int)) func(x *applying) error {
	return func(x *applying) error {
		ids, err := x.s.selectStreets(x.e.Streets)
		if err != nil {
			return err
		}
		x.u.segments = slices.Grow(x.u.segments, len(ids)) // the undo record, sized once
		x.u.TouchedSegments = slices.Grow(x.u.TouchedSegments, len(ids))
		for _, id := range ids {
			change(x, id)
		}
		return nil
	}
}

// pedestrianize: no cars at all.
func pedestrianize(x *applying, id int) {
	g := x.segment(id)
	g.CarAccess = CarNone
	g.Capacity = 0
	g.SpeedKmh = 10
	g.Lanes = 0
}

// greenAxis: one calmed lane for local access at 20 km/h, and the rest of
// the street's width (6 m along its length) green.
func greenAxis(x *applying, id int) {
	g := x.segment(id)
	g.CarAccess = CarLocal
	if g.Lanes > 1 {
		g.Capacity = g.Capacity / float64(g.Lanes)
	}
	g.Lanes = min(g.Lanes, 1)
	g.SpeedKmh = min(g.SpeedKmh, 20)
	g.GreenM2 = float64(x.s.City.Segments[id].Length * 6)
}

// bikeLane: a lane becomes a protected bike lane (a street of one lane
// keeps it and shares it); a street that has one already is left as it is.
func bikeLane(x *applying, id int) {
	if x.s.Segments[id].BikeLane {
		return
	}
	g := x.segment(id)
	g.BikeLane = true
	if g.Lanes > 1 {
		g.Capacity = g.Capacity * float64(g.Lanes-1) / float64(g.Lanes)
		g.Lanes--
	}
}

func checkRezone(e *Edit, area *areaParser) error {
	if err := area.need(); err != nil {
		return err
	}
	if e.Use != "" && !contains(Uses, e.Use) {
		return bad("use", "rezone.use", "use %q is not one of %s", e.Use, strings.Join(Uses, ", "))
	}
	if e.AddFloors != nil && (*e.AddFloors < -20 || *e.AddFloors > 20) {
		return bad("add_floors", "rezone.add_floors", "add_floors = %d is outside -20..20", *e.AddFloors)
	}
	if e.Use == "" && e.AddFloors == nil && e.AffordableShare == nil {
		return bad("", "rezone.nothing", "rezone changes nothing: give use, add_floors or affordable_share")
	}
	return checkRange("affordable_share", e.AffordableShare, 0, 1, false)
}

// rezone: the buildings of the area take the use and the floors given.
// Their dwellings change by as many as their residential floor area gains
// or loses room for (none are left without residential floor), so a rezone
// of +2 floors and one of -2 cancel exactly; the affordable share goes with
// the dwellings added or taken away (setDwellings). Floors add up: +1 twice
// is +2. A rezone with only affordable_share makes at least that share of
// each building's dwellings affordable.
func applyRezone(x *applying) error {
	ids, err := x.buildingsIn()
	if err != nil {
		return err
	}
	s, e, c := x.s, x.e, x.s.City
	share, explicit := 0.0, e.AffordableShare != nil
	if explicit {
		share = *e.AffordableShare
	}
	for _, id := range ids {
		b := x.building(id)
		before := s.dwellingCapacity(b)
		fp := PolygonArea(c.Buildings[id].Footprint)
		if e.Use != "" {
			b.Use = useCode(e.Use)
		}
		if e.AddFloors != nil {
			b.Floors = max(1, b.Floors+*e.AddFloors)
			b.FloorArea = float64(fp * float64(b.Floors))
		}
		n := max(0, b.Dwellings+s.dwellingCapacity(b)-before)
		if ResidentialArea(b) == 0 {
			n = 0
		}
		if n == b.Dwellings && explicit {
			b.Affordable = max(b.Affordable, int(math.Round(float64(b.Dwellings)*share)))
			continue
		}
		s.setDwellings(b, n, share, explicit)
	}
	return nil
}

func checkAddHousing(e *Edit, area *areaParser) error {
	if (e.Building == nil) == (len(e.Area) == 0) {
		return bad("building", "housing.building_or_area", `give exactly one of "building" (an id) or "area"`)
	}
	if len(e.Area) > 0 {
		if err := area.need(); err != nil {
			return err
		}
	}
	if e.Dwellings == nil || *e.Dwellings < 1 || *e.Dwellings > 100000 {
		return bad("dwellings", "housing.dwellings", `"dwellings" must be a whole number from 1 to 100000`)
	}
	return checkRange("affordable_share", e.AffordableShare, 0, 1, false)
}

// add_housing: the dwellings given, spread over the buildings by floor area
// (largest remainder first), 30% of them affordable unless said otherwise;
// refused where a building would hold more than its floor area allows.
func applyAddHousing(x *applying) error {
	s, e, c := x.s, x.e, x.s.City
	var ids []int
	if e.Building != nil {
		if *e.Building < 0 || *e.Building >= len(c.Buildings) {
			return bad("building", "building.unknown", "building %d does not exist (ids 0..%d)", *e.Building, len(c.Buildings)-1)
		}
		ids = []int{*e.Building}
	} else {
		var err error
		if ids, err = x.buildingsIn(); err != nil {
			return err
		}
	}
	var total float64
	for _, id := range ids {
		total += s.Buildings[id].FloorArea
	}
	left := *e.Dwellings
	shares := make([]int, len(ids))
	for i, id := range ids {
		shares[i] = int(math.Floor(float64(*e.Dwellings) * s.Buildings[id].FloorArea / max(total, 1)))
		left -= shares[i]
	}
	for i := 0; left > 0; i = (i + 1) % len(ids) {
		shares[i]++
		left--
	}
	share := 0.3
	if e.AffordableShare != nil {
		share = *e.AffordableShare
	}
	for i, id := range ids {
		if limit := int(s.Buildings[id].FloorArea / MinDwellingM2); s.Buildings[id].Dwellings+shares[i] > limit {
			return bad("dwellings", "housing.capacity", "building %d can hold at most %d dwellings (%v m² of floor, %v m² each at least); it has %d and would get %d more",
				id, limit, Decimal{s.Buildings[id].FloorArea, 0}, Decimal{MinDwellingM2, 0}, s.Buildings[id].Dwellings, shares[i])
		}
	}
	for i, id := range ids {
		if shares[i] == 0 {
			continue
		}
		b := x.building(id)
		if b.Use != codeResidential && b.Use != codeMixed {
			b.Use = codeMixed
		}
		b.Dwellings += shares[i]
		b.Affordable += int(math.Round(float64(shares[i]) * share))
	}
	return nil
}

func checkRetrofit(e *Edit, area *areaParser) error {
	if err := area.need(); err != nil {
		return err
	}
	if e.Level != "light" && e.Level != "deep" {
		return bad("level", "retrofit.level", `level %q must be "light" or "deep"`, e.Level)
	}
	return nil
}

// retrofit: the buildings of the area are insulated to the level given; a
// building already at that level or deeper is left as it is.
func applyRetrofit(x *applying) error {
	ids, err := x.buildingsIn()
	if err != nil {
		return err
	}
	lvl := RetrofitLight
	if x.e.Level == "deep" {
		lvl = RetrofitDeep
	}
	for _, id := range ids {
		if x.s.Buildings[id].Retrofit < lvl {
			x.building(id).Retrofit = lvl
		}
	}
	return nil
}

func checkSolar(e *Edit, area *areaParser) error {
	if err := area.need(); err != nil {
		return err
	}
	return checkRange("roof_coverage", e.RoofCoverage, 0, 1, true)
}

// solar: the buildings of the area cover the share given of their usable roof with PV.
func applySolar(x *applying) error {
	ids, err := x.buildingsIn()
	if err != nil {
		return err
	}
	for _, id := range ids {
		x.building(id).PVCoverage = *x.e.RoofCoverage
	}
	return nil
}

// park: the area becomes public green space (5 km² at most). An area that
// overlaps a park the scenario already added is refused: its green would be
// counted twice.
func applyPark(x *applying) error {
	m2 := x.area.SquareMetres()
	if m2 > 5e6 {
		return bad("area", "park.too_large", "a park of %v m² is larger than the 5 km² allowed", Decimal{m2, 0})
	}
	for i := range x.s.Parks {
		if overlaps(x.area, x.s.Parks[i].Shape) {
			return bad("area", "park.overlap", "the area overlaps a park this scenario already adds: draw the park once, or around what is not a park yet")
		}
	}
	var cx, cy, n float64
	for _, p := range x.area {
		ct := Centroid(p[0])
		w := PolygonArea(p)
		cx += float64(ct[0] * w)
		cy += float64(ct[1] * w)
		n += w
	}
	x.s.Parks = append(x.s.Parks, Park{Area: m2, Centroid: orb.Point{cx / n, cy / n}, Shape: x.area})
	return nil
}

func checkTransitStop(e *Edit, _ *areaParser) error {
	if len(e.At) != 2 || !finite(e.At[0]) || !finite(e.At[1]) || math.Abs(e.At[0]) > 180 || math.Abs(e.At[1]) > 90 {
		return bad("at", "stop.at", `"at" must be [lon, lat] in degrees`)
	}
	if e.Mode != ModeBus && e.Mode != ModeTram && e.Mode != ModeMetro && e.Mode != ModeRail {
		return bad("mode", "stop.mode", "mode %q must be bus, tram, metro or rail", e.Mode)
	}
	return checkRange("headway_min", e.HeadwayMin, 1, 120, true)
}

// transit_stop: a new stop of the mode and headway given, within 500 m of
// the city. A stop of the same mode within 20 m of one the scenario already
// adds is refused: it would count the same stop twice.
func applyTransitStop(x *applying) error {
	s, e, c := x.s, x.e, x.s.City
	p := c.Proj.ToXY(orb.Point{e.At[0], e.At[1]})
	if !c.Bound.Pad(500).Contains(p) {
		return bad("at", "stop.outside", "at [%v, %v] is outside the city", e.At[0], e.At[1])
	}
	for i := range s.Stops {
		if s.Stops[i].Mode == e.Mode && dist(s.Stops[i].P, p) < 20 {
			return bad("at", "stop.near", "this scenario already adds a %s stop within 20 m of [%v, %v]", e.Mode, e.At[0], e.At[1])
		}
	}
	s.Stops = append(s.Stops, Stop{ID: len(c.Stops) + len(s.Stops), Name: "new " + e.Mode + " stop", Mode: e.Mode, P: p, HeadwayMin: *e.HeadwayMin})
	return nil
}

func checkParam(e *Edit, _ *areaParser) error {
	if e.Value == nil {
		return bad("value", "param.value_required", `"value" is required`)
	}
	p := DefaultParams()
	return p.Set(e.Name, *e.Value)
}

// param: a model parameter takes the value given.
func applyParam(x *applying) error {
	return x.s.Params.Set(x.e.Name, *x.e.Value)
}
