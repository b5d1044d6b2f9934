package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
)

// MinDwellingM2 is the least gross floor area a dwelling takes: add_housing
// refuses to put more dwellings in a building than its floor area holds.
const MinDwellingM2 = 30.0

// Retrofit levels of a building.
const (
	RetrofitNone  = 0
	RetrofitLight = 1
	RetrofitDeep  = 2
)

// BuildingState holds the attributes of a building that edits change.
type BuildingState struct {
	Floors     int
	FloorArea  float64
	Use        UseCode
	Dwellings  int
	Affordable int
	Retrofit   int
	PVCoverage float64 // share of usable roof with PV
}

// SegmentState holds the attributes of a street segment that edits change.
type SegmentState struct {
	Lanes      int
	SpeedKmh   float64
	Capacity   float64
	BikeLane   bool
	CarAccess  string
	Superblock bool
	GreenM2    float64 // public green added on the street
}

// Park is public green space added by a scenario.
type Park struct {
	Area     float64
	Centroid orb.Point
}

// State is a city with a scenario's edits applied. The City itself is shared
// and never changed.
type State struct {
	City      *City
	Params    Params
	Buildings []BuildingState
	Segments  []SegmentState
	Stops     []Stop // stops added by edits, after City.Stops
	Parks     []Park // parks added by edits
	hits      *hits  // Apply's R-tree results; not shared with clones
}

// NewState returns the baseline state of a city with the given parameters.
func NewState(c *City, p Params) *State {
	s := &State{City: c, Params: p, Buildings: make([]BuildingState, len(c.Buildings)),
		Segments: make([]SegmentState, len(c.Segments))}
	for i := range c.Buildings {
		b := &c.Buildings[i]
		s.Buildings[i] = BuildingState{Floors: b.Floors, FloorArea: b.FloorArea, Use: useCode(b.Use), Dwellings: b.Dwellings,
			PVCoverage: p[PBaselinePVCoverage]}
	}
	for i := range c.Segments {
		g := &c.Segments[i]
		s.Segments[i] = SegmentState{Lanes: g.Lanes, SpeedKmh: g.SpeedKmh, Capacity: g.Capacity, BikeLane: g.BikeLane, CarAccess: g.CarAccess}
	}
	return s
}

// Clone returns an independent copy of the state.
func (s *State) Clone() *State {
	c := *s
	c.Buildings = slices.Clone(s.Buildings)
	c.Segments = slices.Clone(s.Segments)
	c.Stops = slices.Clone(s.Stops)
	c.Parks = slices.Clone(s.Parks)
	c.hits = nil
	return &c
}

// Undo restores what one Apply changed.
type Undo struct {
	buildings []savedBuilding
	segments  []savedSegment
	nStops    int
	nParks    int
	params    Params
	// Touched lists the building and segment ids the edit changed.
	TouchedBuildings []int
	TouchedSegments  []int
}

type savedBuilding struct {
	id int
	st BuildingState
}

type savedSegment struct {
	id int
	st SegmentState
}

// Revert undoes an applied edit. Undos must be reverted in reverse order.
func (s *State) Revert(u *Undo) {
	for i := len(u.buildings) - 1; i >= 0; i-- {
		s.Buildings[u.buildings[i].id] = u.buildings[i].st
	}
	for i := len(u.segments) - 1; i >= 0; i-- {
		s.Segments[u.segments[i].id] = u.segments[i].st
	}
	s.Stops = s.Stops[:u.nStops]
	if u.nStops == 0 {
		s.Stops = nil // as before any stop was added
	}
	s.Parks = s.Parks[:u.nParks]
	if u.nParks == 0 {
		s.Parks = nil
	}
	s.Params = u.params
}

// EditError is an edit that cannot be applied to this city.
type EditError struct {
	Index int
	Op    string
	Err   error
}

func (e *EditError) Error() string {
	return fmt.Sprintf("scenario: edit %d (%s): %v", e.Index, e.Op, e.Err)
}

func (e *EditError) Unwrap() error { return e.Err }

// Apply applies one edit, checking it against the city, and returns how to
// undo it. On error the state is unchanged.
func (s *State) Apply(e *Edit) (*Undo, error) {
	parsed, err := e.parse()
	if err != nil {
		return nil, err
	}
	u := &Undo{nStops: len(s.Stops), nParks: len(s.Parks), params: s.Params}
	c := s.City
	saveB := func(id int) *BuildingState {
		u.buildings = append(u.buildings, savedBuilding{id, s.Buildings[id]})
		u.TouchedBuildings = append(u.TouchedBuildings, id)
		return &s.Buildings[id]
	}
	saveS := func(id int) *SegmentState {
		u.segments = append(u.segments, savedSegment{id, s.Segments[id]})
		u.TouchedSegments = append(u.TouchedSegments, id)
		return &s.Segments[id]
	}
	var area Area
	if parsed != nil {
		a, err := s.areaOf(parsed)
		if err != nil {
			return nil, err
		}
		area = a
	}
	buildingsIn := func() ([]int, error) {
		if s.hits == nil {
			s.hits = newHits()
		}
		ids := c.buildingsIn(area, s.hits)
		if len(ids) == 0 {
			return nil, errors.New("the area holds no building")
		}
		u.buildings = make([]savedBuilding, 0, len(ids))
		u.TouchedBuildings = make([]int, 0, len(ids))
		return ids, nil
	}
	switch e.Op {
	case "superblock":
		ids := s.interiorSegments(area)
		if len(ids) == 0 {
			return nil, errors.New("the area holds no interior street: draw it around at least two blocks (streets within 25 m of its edge are the perimeter)")
		}
		for _, id := range ids {
			g := saveS(id)
			g.Superblock = true
			g.CarAccess = CarLocal
			g.SpeedKmh = min(g.SpeedKmh, 10)
			g.Capacity = float64(g.Capacity) * 0.2
		}
	case "pedestrianize", "green_axis", "bike_lane":
		ids, err := s.selectStreets(e.Streets)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			g := saveS(id)
			seg := &c.Segments[id]
			switch e.Op {
			case "pedestrianize":
				g.CarAccess = CarNone
				g.Capacity = 0
				g.SpeedKmh = 10
				g.Lanes = 0
			case "green_axis":
				g.CarAccess = CarLocal
				if g.Lanes > 1 {
					g.Capacity = g.Capacity / float64(g.Lanes)
				}
				g.Lanes = min(g.Lanes, 1)
				g.SpeedKmh = min(g.SpeedKmh, 20)
				g.GreenM2 = float64(seg.Length * 6)
			case "bike_lane":
				if g.BikeLane {
					continue
				}
				g.BikeLane = true
				if g.Lanes > 1 {
					g.Capacity = g.Capacity * float64(g.Lanes-1) / float64(g.Lanes)
					g.Lanes--
				}
			}
		}
	case "rezone":
		ids, err := buildingsIn()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			b := saveB(id)
			fp := PolygonArea(c.Buildings[id].Footprint)
			if e.Use != "" {
				b.Use = useCode(e.Use)
			}
			if e.AddFloors != nil {
				b.Floors = max(1, b.Floors+*e.AddFloors)
				b.FloorArea = float64(fp * float64(b.Floors))
			}
			share := 0.0
			if e.AffordableShare != nil {
				share = *e.AffordableShare
			}
			s.setDwellings(b, s.dwellingCapacity(b), share, e.AffordableShare != nil)
		}
	case "add_housing":
		var ids []int
		if e.Building != nil {
			if *e.Building < 0 || *e.Building >= len(c.Buildings) {
				return nil, fmt.Errorf("building %d does not exist (ids 0..%d)", *e.Building, len(c.Buildings)-1)
			}
			ids = []int{*e.Building}
		} else {
			var err error
			if ids, err = buildingsIn(); err != nil {
				return nil, err
			}
		}
		// Spread the dwellings over the buildings by floor area, largest remainder first.
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
				return nil, fmt.Errorf("building %d can hold at most %d dwellings (%.0f m² of floor, %.0f m² each at least); it has %d and would get %d more",
					id, limit, s.Buildings[id].FloorArea, MinDwellingM2, s.Buildings[id].Dwellings, shares[i])
			}
		}
		for i, id := range ids {
			if shares[i] == 0 {
				continue
			}
			b := saveB(id)
			if b.Use != codeResidential && b.Use != codeMixed {
				b.Use = codeMixed
			}
			b.Dwellings += shares[i]
			b.Affordable += int(math.Round(float64(shares[i]) * share))
		}
	case "retrofit":
		ids, err := buildingsIn()
		if err != nil {
			return nil, err
		}
		lvl := RetrofitLight
		if e.Level == "deep" {
			lvl = RetrofitDeep
		}
		for _, id := range ids {
			if s.Buildings[id].Retrofit < lvl {
				saveB(id).Retrofit = lvl
			}
		}
	case "solar":
		ids, err := buildingsIn()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			saveB(id).PVCoverage = *e.RoofCoverage
		}
	case "park":
		m2 := area.SquareMetres()
		if m2 > 5e6 {
			return nil, fmt.Errorf("a park of %.0f m² is larger than the 5 km² allowed", m2)
		}
		var x, y, n float64
		for _, p := range area {
			ct := Centroid(p[0])
			w := PolygonArea(p)
			x += float64(ct[0] * w)
			y += float64(ct[1] * w)
			n += w
		}
		s.Parks = append(s.Parks, Park{Area: m2, Centroid: orb.Point{x / n, y / n}})
	case "transit_stop":
		p := c.Proj.ToXY(orb.Point{e.At[0], e.At[1]})
		if !c.Bound.Pad(500).Contains(p) {
			return nil, fmt.Errorf("at [%v, %v] is outside the city", e.At[0], e.At[1])
		}
		s.Stops = append(s.Stops, Stop{ID: len(c.Stops) + len(s.Stops), Name: "new " + e.Mode + " stop", Mode: e.Mode, P: p, HeadwayMin: *e.HeadwayMin})
	case "param":
		if err := s.Params.Set(e.Name, *e.Value); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// dwellingCapacity is the number of dwellings the residential floor area of a building holds.
func (s *State) dwellingCapacity(b *BuildingState) int {
	return int(math.Floor(ResidentialArea(b) / s.Params[PDwellingM2]))
}

// setDwellings changes a building's dwellings to n; new dwellings get the
// affordable share (the 30% rule applies above 600 m² when no share is given).
func (s *State) setDwellings(b *BuildingState, n int, share float64, explicit bool) {
	added := n - b.Dwellings
	if added > 0 {
		if !explicit && float64(added)*s.Params[PDwellingM2] > 600 {
			share = 0.3
		}
		b.Affordable += int(math.Round(float64(added) * share))
	} else if b.Affordable > n {
		b.Affordable = n
	}
	b.Dwellings = n
}

// ResidentialArea is the floor area of a building used for homes.
func ResidentialArea(b *BuildingState) float64 {
	switch b.Use {
	case codeResidential:
		return b.FloorArea
	case codeMixed:
		if b.Floors <= 1 {
			return 0
		}
		return b.FloorArea * float64(b.Floors-1) / float64(b.Floors)
	}
	return 0
}

// area converts a lon/lat GeoJSON area to metres and checks it overlaps the city.
func (s *State) area(raw []byte) (Area, error) {
	mp, err := ParseArea(raw)
	if err != nil {
		return nil, err
	}
	return s.areaOf(mp)
}

// areaOf projects a lon/lat area just parsed, in place, and checks it
// overlaps the city.
func (s *State) areaOf(mp orb.MultiPolygon) (Area, error) {
	a := s.City.Proj.projectInPlace(mp)
	if !a.Bound().Intersects(s.City.Bound) {
		return nil, fmt.Errorf("the area lies outside the city %q (which spans lon %.4f..%.4f, lat %.4f..%.4f)", s.City.Name,
			s.City.Boundary.Min[0], s.City.Boundary.Max[0], s.City.Boundary.Min[1], s.City.Boundary.Max[1])
	}
	return a, nil
}

// interiorSegments returns the car streets inside a superblock area, leaving
// out its perimeter: segments whose midpoint lies within 25 m of the edge.
func (s *State) interiorSegments(a Area) []int {
	var out []int
	for _, id := range s.City.SegmentsIn(a) {
		if s.Segments[id].CarAccess == CarNone {
			continue
		}
		m := s.City.SegmentMid(id)
		near := false
		for _, poly := range a {
			for _, r := range poly {
				for j := 1; j < len(r) && !near; j++ {
					if d, _ := pointSegDist(m, r[j-1], r[j]); d < 25 {
						near = true
					}
				}
			}
		}
		if !near {
			out = append(out, id)
		}
	}
	return out
}

// selectStreets resolves a street selector to segment ids, sorted.
func (s *State) selectStreets(sel *StreetSelector) ([]int, error) {
	c := s.City
	if len(sel.IDs) > 0 {
		seen := map[int]bool{}
		var out []int
		for _, id := range sel.IDs {
			if id < 0 || id >= len(c.Segments) {
				return nil, fmt.Errorf("street %d does not exist (ids 0..%d)", id, len(c.Segments)-1)
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		sort.Ints(out)
		return out, nil
	}
	want := FoldName(sel.Name)
	var cand []int
	if len(sel.Within) > 0 {
		a, err := s.area(sel.Within)
		if err != nil {
			return nil, fmt.Errorf("within: %v", err)
		}
		cand = c.SegmentsIn(a)
	} else {
		cand = make([]int, len(c.Segments))
		for i := range cand {
			cand[i] = i
		}
	}
	var out []int
	fold := c.prep().segFold
	for _, id := range cand {
		if fold[id] == want {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no street named %q in the selection", sel.Name)
	}
	return out, nil
}

// FoldName lowers case, strips accents and folds punctuation so that
// "Carrer d'Enric Granados" matches "carrer d’enric granados".
func FoldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if f, ok := foldAccents[r]; ok {
			r = f
		}
		switch {
		case unicode.Is(unicode.Mn, r) || r == '·':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// foldAccents maps accented Latin letters to their base letter. sim keeps to
// the standard library, so this small table stands in for Unicode decomposition.
var foldAccents = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâäãåāăą", 'A': "ÀÁÂÄÃÅĀĂĄ", 'e': "èéêëēĕėęě", 'E': "ÈÉÊËĒĔĖĘĚ",
		'i': "ìíîïĩīĭį", 'I': "ÌÍÎÏĨĪĬĮ", 'o': "òóôöõøōŏő", 'O': "ÒÓÔÖÕØŌŎŐ",
		'u': "ùúûüũūŭůűų", 'U': "ÙÚÛÜŨŪŬŮŰŲ", 'c': "çćĉċč", 'C': "ÇĆĈĊČ", 'n': "ñńņňŉ", 'N': "ÑŃŅŇ",
		'l': "ŀł", 'L': "ĿŁ", 'y': "ýÿ", 'Y': "ÝŸ", 's': "śŝşš", 'S': "ŚŜŞŠ", 'z': "źżž", 'Z': "ŹŻŽ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
