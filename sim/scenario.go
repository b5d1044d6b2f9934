package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// ScenarioVersion is the version written by this code in the "barri" field.
const ScenarioVersion = 1

// MaxEdits bounds the number of edits in one scenario.
const MaxEdits = 10000

// Scenario is a named list of edits applied to a city.
type Scenario struct {
	Version     int                `json:"barri"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	City        string             `json:"city"`
	Seed        uint64             `json:"seed"`
	Params      map[string]float64 `json:"params,omitempty"`
	Edits       []Edit             `json:"edits"`
}

// Edit is one change to the city. Which fields apply depends on Op.
type Edit struct {
	Op              string          `json:"op"`
	Area            json.RawMessage `json:"area,omitempty"`
	Streets         *StreetSelector `json:"streets,omitempty"`
	Building        *int            `json:"building,omitempty"`
	Use             string          `json:"use,omitempty"`
	AddFloors       *int            `json:"add_floors,omitempty"`
	AffordableShare *float64        `json:"affordable_share,omitempty"`
	Dwellings       *int            `json:"dwellings,omitempty"`
	Level           string          `json:"level,omitempty"`
	RoofCoverage    *float64        `json:"roof_coverage,omitempty"`
	At              []float64       `json:"at,omitempty"`
	Mode            string          `json:"mode,omitempty"`
	HeadwayMin      *float64        `json:"headway_min,omitempty"`
	Name            string          `json:"name,omitempty"`
	Value           *float64        `json:"value,omitempty"`
}

// StreetSelector picks street segments by id, or by name inside a polygon.
type StreetSelector struct {
	IDs    []int           `json:"ids,omitempty"`
	Name   string          `json:"name,omitempty"`
	Within json.RawMessage `json:"within,omitempty"`
}

// MaxScenarioBytes bounds the size of a scenario file.
const MaxScenarioBytes = 64 << 20

// DecodeScenario reads a scenario file of at most MaxScenarioBytes. Errors
// name the line and column or the edit's index; older versions are upgraded.
func DecodeScenario(r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sim: reading the scenario: %w", err)
	}
	if len(data) > MaxScenarioBytes {
		return nil, &ScenarioError{Err: msg("file.too_large", "the file is larger than the %d MiB a scenario may take", MaxScenarioBytes>>20)}
	}
	return ParseScenario(data)
}

// ParseScenario decodes a scenario from JSON bytes and checks what can be
// checked without a city. A UTF-8 byte order mark is skipped; a field no
// scenario has, and null for a value, are refused with their place.
func ParseScenario(data []byte) (*Scenario, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var head struct {
		Version *int `json:"barri"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		if serr := scanScenario(data); serr != nil {
			return nil, serr // not an object: said in words, not in Go's types
		}
		return nil, jsonError(data, err)
	}
	if head.Version == nil {
		v := 0 // files written before the version field existed
		head.Version = &v
	}
	if *head.Version > ScenarioVersion || *head.Version < 0 {
		return nil, &ScenarioError{Field: "barri", Err: msg("file.version", "version %d is not known to this barri (newest is %d): upgrade barri", *head.Version, ScenarioVersion)}
	}
	// Every version so far has the same fields: scan before upgrading, so
	// that places are those of the file as written.
	if err := scanScenario(data); err != nil {
		return nil, err
	}
	data, err := upgrade(*head.Version, data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, &ScenarioError{Err: msg("file.trailing", "trailing data after the scenario object")}
	}
	if err := sc.Check(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// upgrade rewrites an older scenario document into the current version.
// Version 0 files (written before the "barri" field existed) are identical to
// version 1 apart from that field.
func upgrade(version int, data []byte) ([]byte, error) {
	if version == ScenarioVersion {
		return data, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(data, err)
	}
	doc["barri"] = json.RawMessage(fmt.Sprint(ScenarioVersion))
	return json.Marshal(doc)
}

// jsonError turns a decoding error into a *ScenarioError that names line
// and column.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	field := ""
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
		err = syntaxError(se)
	case errors.As(err, &te):
		off, field = te.Offset, te.Field
		err = msg("json.type", "field %q: %v is not a valid %s", te.Field, jsonValue(te.Value), te.Type.String())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ScenarioError{Err: msg("file.short", "the file is empty or cut short")}
	}
	if off < 0 {
		return &ScenarioError{Field: field, Err: err}
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") {
		err = msg("file.short_here", "the file is empty or cut short here")
	}
	line, col := position(data, off)
	return &ScenarioError{Line: line, Column: col, Field: field, Err: err}
}

// Check validates the scenario without a city: ops, ranges, shapes. Errors
// are *ScenarioError, or *EditError for an edit.
func (sc *Scenario) Check() error {
	if strings.TrimSpace(sc.City) == "" {
		return &ScenarioError{Field: "city", Err: msg("scenario.city", `"city" is empty: name a built-in city (barri cities) or a city file`)}
	}
	if utf8.RuneCountInString(sc.Name) > 200 {
		return &ScenarioError{Field: "name", Err: msg("scenario.name_long", "the name has %d characters, more than the 200 allowed", utf8.RuneCountInString(sc.Name))}
	}
	if utf8.RuneCountInString(sc.Description) > 5000 {
		return &ScenarioError{Field: "description", Err: msg("scenario.description_long", "the description has %d characters, more than the 5000 allowed", utf8.RuneCountInString(sc.Description))}
	}
	if len(sc.Edits) > MaxEdits {
		return &ScenarioError{Field: "edits", Err: msg("scenario.edits", "%d edits, more than the %d allowed", len(sc.Edits), MaxEdits)}
	}
	if _, err := sc.Parameters(); err != nil {
		return err
	}
	for i := range sc.Edits {
		if err := sc.Edits[i].check(); err != nil {
			return editError(i, sc.Edits[i].Op, err)
		}
	}
	return nil
}

// Validate checks the scenario against a city without computing anything:
// Check, then every edit applied in turn to the city's baseline state under
// the scenario's parameters. An edit that does not fit is an *EditError.
func (sc *Scenario) Validate(c *City) error {
	if err := sc.Check(); err != nil {
		return err
	}
	p, _ := sc.Parameters() // checked
	st := NewState(c, p)
	for i := range sc.Edits {
		if _, err := st.Apply(&sc.Edits[i]); err != nil {
			return editError(i, sc.Edits[i].Op, err)
		}
	}
	return nil
}

// Parameters returns the model parameters the scenario starts from: the
// defaults with the scenario's "params" set, in the order of their names.
// (A "param" edit changes them later, as an edit.) Errors are
// *ScenarioError naming the parameter.
func (sc *Scenario) Parameters() (Params, error) {
	p := DefaultParams()
	for _, name := range sortedKeys(sc.Params) {
		if err := p.Set(name, sc.Params[name]); err != nil {
			return p, &ScenarioError{Field: "params." + name, Err: msg("scenario.params", "params: %w", err)}
		}
	}
	return p, nil
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func checkRange(name string, v *float64, lo, hi float64, required bool) error {
	if v == nil {
		if required {
			return bad(name, "field.required", "%q is required", name)
		}
		return nil
	}
	if !finite(*v) || *v < lo || *v > hi {
		return bad(name, "field.range", "%s = %v is outside %v..%v", name, *v, lo, hi)
	}
	return nil
}

// check checks the edit without a city.
func (e *Edit) check() error {
	_, err := e.parseWith(&areaParser{e: e})
	return err
}

// parseWith checks the edit without a city and returns its op; p (made for
// e) holds its area, parsed, when it has one.
func (e *Edit) parseWith(p *areaParser) (*opDef, error) {
	def, err := lookupOp(e.Op)
	if err != nil {
		return nil, err
	}
	return def, def.check(e, p)
}

// areaParser parses an edit's area for the op's check, which calls need
// when the op takes an area.
type areaParser struct {
	e    *Edit
	area orb.MultiPolygon // once need has succeeded
}

// need parses the edit's "area", an error when it is missing or invalid.
func (p *areaParser) need() error {
	if len(p.e.Area) == 0 {
		return bad("area", "area.required", `"area" is required: a GeoJSON Polygon or MultiPolygon in lon/lat`)
	}
	a, err := parseArea(p.e.Area)
	if err != nil {
		return &fieldError{field: "area", err: err}
	}
	p.area = a
	return nil
}

func (s *StreetSelector) check() error {
	if (len(s.IDs) > 0) == (s.Name != "") {
		return bad("streets", "streets.selector", `a street selector takes "ids" or "name" (with "within"), not both or neither`)
	}
	if s.Name != "" && len(s.Within) > 0 {
		if _, err := parseArea(s.Within); err != nil {
			return bad("streets", "streets.within", "within: %v", err)
		}
	}
	if len(s.Name) > 200 {
		return bad("streets", "streets.name_long", "street name longer than 200 characters")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ParseArea decodes a GeoJSON Polygon or MultiPolygon in lon/lat and checks
// that it is a usable area: closed rings, finite lon/lat, no self-intersection.
// Its errors match ErrInvalid.
func ParseArea(raw json.RawMessage) (orb.MultiPolygon, error) {
	mp, err := parseArea(raw)
	if err != nil {
		return nil, &fieldError{field: "area", err: fmt.Errorf("sim: %w", err)}
	}
	return mp, nil
}

// parseArea is ParseArea, its errors without the package's prefix, for
// callers that wrap them with the edit they belong to.
func parseArea(raw json.RawMessage) (orb.MultiPolygon, error) {
	g, err := parseGeometry(raw)
	if err != nil {
		return nil, msg("area.geometry", "area is not GeoJSON geometry: %w", err)
	}
	var mp orb.MultiPolygon
	switch g.Type {
	case "Polygon":
		cp := coordParser{data: g.Coordinates}
		p, err := cp.polygon()
		if err == nil {
			err = cp.end()
		}
		if err != nil {
			return nil, msg("area.polygon", "area coordinates are not a Polygon's: %w", err)
		}
		mp = orb.MultiPolygon{p}
	case "MultiPolygon":
		cp := coordParser{data: g.Coordinates}
		m, err := cp.multiPolygon()
		if err == nil {
			err = cp.end()
		}
		if err != nil {
			return nil, msg("area.multipolygon", "area coordinates are not a MultiPolygon's: %w", err)
		}
		mp = m
	case "":
		return nil, msg("area.no_type", `area has no "type": it must be a GeoJSON Polygon or MultiPolygon`)
	default:
		return nil, msg("area.type", "area is a %s: it must be a Polygon or MultiPolygon", g.Type)
	}
	for pi, poly := range mp {
		for ri, ring := range poly {
			for _, pt := range ring {
				if math.IsNaN(pt[0]) { // marks a position without exactly two numbers
					return nil, msg("ring.position", "polygon %d ring %d has a position that is not [lon, lat]", pi, ri)
				}
			}
		}
	}
	if len(mp) == 0 {
		return nil, msg("area.empty", "area has no polygon")
	}
	for pi, poly := range mp {
		if len(poly) == 0 {
			return nil, msg("polygon.no_ring", "polygon %d has no ring", pi)
		}
		for ri, ring := range poly {
			if len(ring) < 4 {
				return nil, msg("ring.points", "polygon %d ring %d has %d points: a ring needs at least 4", pi, ri, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return nil, msg("ring.open", "polygon %d ring %d is not closed: repeat the first point at the end", pi, ri)
			}
			for _, p := range ring {
				if !finite(p[0]) || !finite(p[1]) {
					return nil, msg("ring.non_finite", "polygon %d ring %d has a non-finite coordinate", pi, ri)
				}
				if math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
					return nil, msg("ring.degrees", "polygon %d ring %d has coordinate [%v, %v], not lon/lat degrees: reproject to WGS84 (EPSG:4326)", pi, ri, p[0], p[1])
				}
			}
			// An edge longer than half the globe crosses the antimeridian
			// the long way round: [[179,41],[-179,41],...] would span the
			// whole world between those longitudes.
			for j := 1; j < len(ring); j++ {
				if math.Abs(ring[j][0]-ring[j-1][0]) > 180 {
					return nil, msg("ring.antimeridian", "polygon %d ring %d crosses the antimeridian (from lon %v to %v): split it at ±180° (RFC 7946 §3.1.9)", pi, ri, ring[j-1][0], ring[j][0])
				}
			}
			if RingSelfIntersects(ring) {
				return nil, msg("ring.self_intersects", "polygon %d ring %d intersects itself", pi, ri)
			}
			if ringArea(ring) == 0 {
				return nil, msg("ring.no_area", "polygon %d ring %d has no area", pi, ri)
			}
		}
	}
	return mp, nil
}

// geometry is a GeoJSON geometry object's type and raw coordinates.
type geometry struct {
	Type        string
	Coordinates []byte
}

// parseGeometry reads the "type" and "coordinates" members of a GeoJSON
// geometry object as encoding/json would (keys matched without regard to
// case, the last of a repeated key winning), without its reflection.
func parseGeometry(raw []byte) (geometry, error) {
	var g geometry
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v) // for encoding/json's message
		if se, ok := err.(*json.SyntaxError); ok {
			err = syntaxError(se)
		}
		return g, err
	}
	p := coordParser{data: raw}
	p.space()
	if p.data[p.pos] != '{' {
		return g, msg("area.not_object", "it must be a JSON object")
	}
	p.pos++
	for {
		p.space()
		if p.data[p.pos] == '}' {
			return g, nil
		}
		if p.data[p.pos] == ',' {
			p.pos++
			p.space()
		}
		key := p.skipValue() // a string: the JSON is valid
		p.space()
		p.pos++ // ':'
		p.space()
		val := p.skipValue()
		switch {
		case bytes.EqualFold(key, []byte(`"type"`)):
			if len(val) >= 2 && val[0] == '"' && bytes.IndexByte(val, '\\') < 0 && utf8.Valid(val) {
				switch t := val[1 : len(val)-1]; string(t) {
				case "Polygon": // the usual types without an allocation
					g.Type = "Polygon"
				case "MultiPolygon":
					g.Type = "MultiPolygon"
				default:
					g.Type = string(t)
				}
			} else {
				var t string // not g.Type: its address would move g to the heap
				if err := json.Unmarshal(val, &t); err != nil {
					return g, msg("area.type_string", `"type" must be a string`)
				}
				g.Type = t
			}
		case bytes.EqualFold(key, []byte(`"coordinates"`)):
			g.Coordinates = val
		}
	}
}

// skipValue moves past one JSON value, known to be valid, and returns it.
func (p *coordParser) skipValue() []byte {
	start := p.pos
	depth := 0
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch c {
		case '"':
			p.pos++
			for p.data[p.pos] != '"' {
				if p.data[p.pos] == '\\' {
					p.pos++
				}
				p.pos++
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return p.data[start:p.pos]
			}
			depth--
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return p.data[start:p.pos]
			}
		}
		p.pos++
		if depth == 0 && (c == '"' || c == ']' || c == '}') {
			return p.data[start:p.pos]
		}
	}
	return p.data[start:p.pos]
}

// The parts of coordinates that coordParser's errors name.
var (
	coordPosition     = msg("coord.position", "a position")
	coordRing         = msg("coord.ring", "a ring")
	coordPolygon      = msg("coord.polygon", "a polygon")
	coordMultiPolygon = msg("coord.multipolygon", "a multipolygon")
)

// coordParser reads GeoJSON coordinates, nested arrays of numbers, from
// JSON already known to be valid. It spares the reflection of
// encoding/json, which is slow on js/wasm, where every edit's area is read.
type coordParser struct {
	data []byte
	pos  int
}

func (p *coordParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// open reads the '[' that starts an array; empty reports a ']' right after it.
func (p *coordParser) open(what error) (empty bool, err error) {
	p.space()
	if p.pos >= len(p.data) || p.data[p.pos] != '[' {
		return false, msg("coord.array", "%s must be an array (at byte %d)", what, p.pos)
	}
	p.pos++
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return true, nil
	}
	return false, nil
}

// next reads what follows an array's element: more after a ',', none after the ']'.
func (p *coordParser) next(what error) (more bool, err error) {
	p.space()
	if p.pos >= len(p.data) {
		return false, msg("coord.open", "%s is not closed", what)
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return true, nil
	case ']':
		p.pos++
		return false, nil
	}
	return false, msg("coord.unexpected", "unexpected %s in %s (at byte %d)", strconv.QuoteRune(rune(p.data[p.pos])), what, p.pos)
}

func (p *coordParser) number() (float64, error) {
	p.space()
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		p.pos++
	}
	if start == p.pos {
		return 0, msg("coord.number", "a coordinate is not a number (at byte %d)", start)
	}
	f, err := strconv.ParseFloat(string(p.data[start:p.pos]), 64)
	if err != nil {
		s := string(p.data[start:p.pos]) // here only: kept by the error, it would be allocated for every number
		if errors.Is(err, strconv.ErrRange) {
			return f, msg("coord.range", "strconv.ParseFloat: parsing %q: value out of range", s)
		}
		return f, msg("coord.syntax", "strconv.ParseFloat: parsing %q: invalid syntax", s)
	}
	return f, nil
}

// position reads [lon, lat] or [lon, lat, height]; any other length gives
// NaN, which ParseArea reports with the ring it is in. The readers below
// loop rather than take callbacks: calls are dear on js/wasm.
func (p *coordParser) position() (orb.Point, error) {
	var v [3]float64
	n := 0
	empty, err := p.open(coordPosition)
	for more := !empty; more && err == nil; {
		var f float64
		if f, err = p.number(); err != nil {
			break
		}
		if n < len(v) {
			v[n] = f
		}
		n++
		more, err = p.next(coordPosition)
	}
	if err != nil {
		return orb.Point{}, err
	}
	if n < 2 || n > 3 {
		return orb.Point{math.NaN(), math.NaN()}, nil
	}
	return orb.Point{v[0], v[1]}, nil
}

func (p *coordParser) ring() (orb.Ring, error) {
	ring := make(orb.Ring, 0, 8) // a block's rectangle, or a few more points, in one allocation
	empty, err := p.open(coordRing)
	for more := !empty; more && err == nil; {
		var pt orb.Point
		if pt, err = p.position(); err != nil {
			break
		}
		ring = append(ring, pt)
		more, err = p.next(coordRing)
	}
	return ring, err
}

func (p *coordParser) polygon() (orb.Polygon, error) {
	var poly orb.Polygon
	empty, err := p.open(coordPolygon)
	for more := !empty; more && err == nil; {
		var r orb.Ring
		if r, err = p.ring(); err != nil {
			break
		}
		poly = append(poly, r)
		more, err = p.next(coordPolygon)
	}
	return poly, err
}

func (p *coordParser) multiPolygon() (orb.MultiPolygon, error) {
	var mp orb.MultiPolygon
	empty, err := p.open(coordMultiPolygon)
	for more := !empty; more && err == nil; {
		var poly orb.Polygon
		if poly, err = p.polygon(); err != nil {
			break
		}
		mp = append(mp, poly)
		more, err = p.next(coordMultiPolygon)
	}
	return mp, err
}

// end checks that nothing but space follows.
func (p *coordParser) end() error {
	p.space()
	if p.pos != len(p.data) {
		return msg("coord.after", "unexpected %s after the coordinates", strconv.QuoteRune(rune(p.data[p.pos])))
	}
	return nil
}

// syntaxError is encoding/json's syntax error, its words kept, with a code
// and the character at fault as its argument.
func syntaxError(se *json.SyntaxError) error {
	s := se.Error()
	if s == "unexpected end of JSON input" {
		return msg("json.end", "unexpected end of JSON input")
	}
	rest, ok := strings.CutPrefix(s, "invalid character ")
	end := -1
	if ok && len(rest) > 1 {
		end = strings.Index(rest[1:], "' ")
	}
	if end < 0 {
		return msg("json.syntax", "%s", s)
	}
	ch, ctx := rest[:end+2], rest[end+3:] // ch is quoted: 'x', '\'', '\x01'
	switch ctx {
	case "looking for beginning of value":
		return msg("json.char.value", "invalid character %s looking for beginning of value", ch)
	case "looking for beginning of object key string":
		return msg("json.char.key", "invalid character %s looking for beginning of object key string", ch)
	case "after object key":
		return msg("json.char.after_key", "invalid character %s after object key", ch)
	case "after object key:value pair":
		return msg("json.char.after_pair", "invalid character %s after object key:value pair", ch)
	case "after array element":
		return msg("json.char.after_element", "invalid character %s after array element", ch)
	case "after top-level value":
		return msg("json.char.after_top", "invalid character %s after top-level value", ch)
	case "in string literal":
		return msg("json.char.string", "invalid character %s in string literal", ch)
	case "in string escape code":
		return msg("json.char.escape", "invalid character %s in string escape code", ch)
	case `in \u hexadecimal character escape`:
		return msg("json.char.hex", `invalid character %s in \u hexadecimal character escape`, ch)
	case "in numeric literal":
		return msg("json.char.number", "invalid character %s in numeric literal", ch)
	case "after decimal point in numeric literal":
		return msg("json.char.decimal", "invalid character %s after decimal point in numeric literal", ch)
	case "in exponent of numeric literal":
		return msg("json.char.exponent", "invalid character %s in exponent of numeric literal", ch)
	case "exceeded max depth":
		return msg("json.char.depth", "invalid character %s exceeded max depth", ch)
	}
	var lit, want string
	if n, _ := fmt.Sscanf(ctx, "in literal %s (expecting %s", &lit, &want); n == 2 && strings.HasSuffix(want, ")") {
		want = strings.TrimSuffix(want, ")")
		if e := msg("json.char.literal", "invalid character %s in literal %s (expecting %s)", ch, lit, want); e.Error() == s {
			return e
		}
	}
	return msg("json.syntax", "%s", s)
}

// jsonValue is the kind of value that an encoding/json type error names.
func jsonValue(v string) error {
	switch v {
	case "string":
		return msg("json.value.string", "string")
	case "number":
		return msg("json.value.number", "number")
	case "bool":
		return msg("json.value.bool", "bool")
	case "array":
		return msg("json.value.array", "array")
	case "object":
		return msg("json.value.object", "object")
	}
	if lit, ok := strings.CutPrefix(v, "number "); ok {
		return msg("json.value.number_lit", "number %s", lit)
	}
	return msg("json.value.other", "%s", v)
}
