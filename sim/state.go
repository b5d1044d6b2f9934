package sim

import (
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
	Area     float64   // m²
	Centroid orb.Point // metres
	Shape    Area      // its polygons, in metres
}

// State is a city with a scenario's edits applied. The City itself is shared
// and never changed.
type State struct {
	City      *City
	Params    Params
	Buildings []BuildingState
	Segments  []SegmentState
	Stops     []Stop        // stops added by edits, after City.Stops
	Parks     []Park        // parks added by edits
	hits      *hits         // Apply's R-tree results; not shared with clones
	scratch   *applyScratch // Apply's working space; not shared with clones
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
	c.hits, c.scratch = nil, nil
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

// Apply applies one edit, checking it against the city, and returns how to
// undo it. On error the state is unchanged; the error matches ErrInvalid and
// names the field at fault when there is one (Evaluate and the Evaluator
// wrap it in an *EditError with the edit's index).
func (s *State) Apply(e *Edit) (*Undo, error) {
	if s.scratch == nil {
		s.scratch = &applyScratch{}
	}
	sc := s.scratch
	defer func() { *sc = applyScratch{} }() // keep nothing of e
	sc.parser = areaParser{e: e}
	def, err := e.parseWith(&sc.parser)
	if err != nil {
		return nil, err
	}
	x := &sc.x
	*x = applying{s: s, e: e, u: &Undo{nStops: len(s.Stops), nParks: len(s.Parks), params: s.Params}}
	if sc.parser.area != nil {
		if x.area, err = s.areaOf(sc.parser.area); err != nil {
			return nil, &fieldError{field: "area", err: err}
		}
	}
	if err := def.apply(x); err != nil {
		s.Revert(x.u) // an op checks before it changes; this only makes sure
		return nil, err
	}
	return x.u, nil
}

// applyScratch is the working space of State.Apply, kept by the state so
// that an edit allocates only its undo record: the calls through an op's
// functions would otherwise move these to the heap each time.
type applyScratch struct {
	parser areaParser
	x      applying
}

// dwellingCapacity is the number of dwellings the residential floor area of a building holds.
func (s *State) dwellingCapacity(b *BuildingState) int {
	return int(math.Floor(ResidentialArea(b) / s.Params[PDwellingM2]))
}

// setDwellings changes a building's dwellings to n. The dwellings added get
// the affordable share, and the dwellings taken away took it with them, so
// that opposite rezones cancel: without an explicit share, the 2018 rule's
// 30% applies when more than 600 m² of homes come or go, else none. The
// affordable dwellings stay between 0 and n.
func (s *State) setDwellings(b *BuildingState, n int, share float64, explicit bool) {
	changed := n - b.Dwellings
	if !explicit {
		share = 0
		if float64(max(changed, -changed))*s.Params[PDwellingM2] > 600 {
			share = 0.3
		}
	}
	b.Affordable += int(math.Round(float64(changed) * share))
	b.Affordable = min(max(b.Affordable, 0), n)
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
	mp, err := parseArea(raw)
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
		b := s.City.Boundary
		return nil, msg("area.outside", "the area lies outside the city %q (which spans lon %v..%v, lat %v..%v)", s.City.Name,
			Decimal{b.Min[0], 4}, Decimal{b.Max[0], 4}, Decimal{b.Min[1], 4}, Decimal{b.Max[1], 4})
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

// selectStreets resolves a street selector to segment ids, sorted, in the
// state's slice of search results (valid until its next search).
func (s *State) selectStreets(sel *StreetSelector) ([]int, error) {
	c := s.City
	if s.hits == nil {
		s.hits = newHits()
	}
	out := s.hits.ids[:0]
	defer func() { s.hits.ids = out[:0] }() // keep its array for the next edit
	if len(sel.IDs) > 0 {
		for _, id := range sel.IDs {
			if id < 0 || id >= len(c.Segments) {
				return nil, bad("streets", "streets.unknown", "street %d does not exist (ids 0..%d)", id, len(c.Segments)-1)
			}
			out = append(out, id)
		}
		sort.Ints(out)
		out = slices.Compact(out)
		return out, nil
	}
	want := FoldName(sel.Name)
	fold := c.prep().segFold
	if len(sel.Within) > 0 {
		a, err := s.area(sel.Within)
		if err != nil {
			return nil, bad("streets", "streets.within", "within: %v", err)
		}
		for _, id := range c.SegmentsIn(a) {
			if fold[id] == want {
				out = append(out, id)
			}
		}
	} else {
		for id := range c.Segments {
			if fold[id] == want {
				out = append(out, id)
			}
		}
	}
	if len(out) == 0 {
		return nil, bad("streets", "streets.no_name", "no street named %q in the selection", sel.Name)
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
