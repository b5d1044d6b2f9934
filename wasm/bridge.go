//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/paulmach/orb"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/mapscale"
	"github.com/barri-city/barri/wasm/proposal"
)

// stateJSON describes the proposal for the panel: edits, undo/redo, and the
// indicators (city, per barri and per group) as barri run prints them. The
// indicators' rows come from a.rows, as JSON already: most of them are the
// same as the last state's.
func (a *app) stateJSON() string {
	r := a.s.Result()
	keys := sim.IndicatorKeys()
	rows := &a.rows
	rows.Next()
	ind := append(a.stateBuf[:0], `,"city":[`...)
	for i, k := range keys {
		if i > 0 {
			ind = append(ind, ',')
		}
		ind = rows.Append(ind, k, r.Baseline.City.Get(k), r.Scenario.City.Get(k), r.Delta.Get(k), true)
	}
	// Each group of the equity lens: the change of each headline
	// indicator, and how many got better and worse (as barri run counts).
	ind = append(ind, `],"groups":[`...)
	for gi, g := range sim.GroupKeys() {
		if gi > 0 {
			ind = append(ind, ',')
		}
		ind = append(ind, `{"g":`...)
		ind = proposal.AppendString(ind, g)
		ind = append(ind, `,"d":[`...)
		better, worse := 0, 0
		for hi, h := range headline {
			if hi > 0 {
				ind = append(ind, ',')
			}
			d := r.GroupDelta.Get(g, h.key)
			ind = rows.Append(ind, h.key, r.Baseline.Groups.Get(g, h.key), r.Scenario.Groups.Get(g, h.key), d, false)
			if d != 0 && (d < 0) == h.lowerBetter {
				better++
			} else if d != 0 {
				worse++
			}
		}
		ind = append(ind, `],"better":`...)
		ind = proposal.AppendInt(ind, better)
		ind = append(ind, `,"worse":`...)
		ind = proposal.AppendInt(ind, worse)
		ind = append(ind, '}')
	}
	ind = append(ind, `],"zones":[`...)
	for zi := range r.Scenario.Zones {
		if zi > 0 {
			ind = append(ind, ',')
		}
		ind = append(ind, `{"code":`...)
		ind = proposal.AppendString(ind, r.Scenario.Zones[zi].Code)
		ind = append(ind, `,"name":`...)
		ind = proposal.AppendString(ind, r.Scenario.Zones[zi].Name)
		ind = append(ind, `,"v":[`...)
		for i, k := range keys {
			if i > 0 {
				ind = append(ind, ',')
			}
			ind = rows.Append(ind, k, r.Baseline.Zones[zi].Values.Get(k), r.Scenario.Zones[zi].Values.Get(k), r.ZoneDelta[zi].Values.Get(k), false)
		}
		ind = append(ind, "]}"...)
	}
	ind = append(ind, "]}"...)

	out := struct {
		Name    string     `json:"name"`
		Edits   []sim.Edit `json:"edits"`
		Undo    bool       `json:"undo"`
		Redo    bool       `json:"redo"`
		LastOp  string     `json:"lastOp"`
		CoreMs  float64    `json:"coreMs"` // the core's apply, undo or redo
		GoMs    float64    `json:"goMs"`   // all of Go's work for the change, this JSON included
		GC0     uint64     `json:"gc0"`    // Go's garbage collections before it (barriCore.shown's gc after)
		Changed [2]int     `json:"changed"`
		Seq     int        `json:"seq"`   // the recolouring that shows this state (barriCore.shown)
		Where   []place    `json:"where"` // where each edit is, for its line in the list
		// Legend is the map's legend as the change left it (a change
		// from today is re-scaled to the largest change): the page
		// rewrites its legend when it differs.
		Legend map[string]any `json:"legend"`
		// City, Groups and Zones follow, from ind.
	}{Legend: a.legend(), Seq: a.g.changeSeq, Name: a.s.Name(), Edits: a.s.Edits(), Undo: a.s.CanUndo(), Redo: a.s.CanRedo(), LastOp: a.lastOp,
		CoreMs: a.coreMs, GC0: a.gcStart}
	ch := a.s.Changed()
	out.Changed = [2]int{len(ch.Buildings), len(ch.Segments)}
	if out.Edits == nil {
		out.Edits = []sim.Edit{}
	}
	for _, e := range out.Edits {
		out.Where = append(out.Where, a.where(e))
	}
	if !a.opStart.IsZero() {
		out.GoMs = float64(time.Since(a.opStart).Microseconds()) / 1000
	}
	data, err := json.Marshal(out)
	if err != nil {
		return `{"error":"` + err.Error() + `"}`
	}
	a.stateBuf = ind
	// out's closing brace gives way to the indicators.
	return string(data[:len(data)-1]) + string(ind)
}

// place says where an edit is, in words the page can build: the blocks an
// area covers (Blocks, around Block, the block nearest its centre; Blocks 0
// for an area within Block), the street nearest a point, the streets that
// picked sections belong to, and the barris.
type place struct {
	Blocks  int      `json:"blocks"`
	Block   int      `json:"block"` // -1: none
	Street  string   `json:"street,omitempty"`
	Streets []string `json:"streets,omitempty"`
	Zones   []string `json:"zones,omitempty"`
}

// where finds an edit's place (cached by the edit's target).
func (a *app) where(e sim.Edit) place {
	var kb strings.Builder
	kb.Write(e.Area)
	fmt.Fprint(&kb, "|", e.At, "|")
	if e.Streets != nil {
		fmt.Fprint(&kb, e.Streets.IDs, "|", e.Streets.Name)
	}
	if e.Building != nil {
		fmt.Fprint(&kb, "|b", *e.Building)
	}
	key := kb.String()
	if p, ok := a.whereCache[key]; ok {
		return p
	}
	p := place{Block: -1}
	zones := map[int]bool{}
	addZone := func(z int) {
		if z >= 0 && z < len(a.city.Zones) {
			zones[z] = true
		}
	}
	// nearestBlock is the block whose centre is nearest a point.
	nearestBlock := func(q orb.Point) int {
		best, bd := -1, math.Inf(1)
		for i, b := range a.blocks {
			c := fromGrid((b.x0+b.x1)/2, (b.y0+b.y1)/2)
			if d := math.Hypot(c[0]-q[0], c[1]-q[1]); d < bd {
				best, bd = i, d
			}
		}
		return best
	}
	switch {
	case len(e.Area) > 0:
		mp, err := sim.ParseArea(e.Area)
		if err != nil {
			break
		}
		var area orb.MultiPolygon
		for _, poly := range mp {
			var pm orb.Polygon
			for _, r := range poly {
				rm := make(orb.Ring, len(r))
				for i, q := range r {
					rm[i] = a.city.Proj.ToXY(q)
				}
				pm = append(pm, rm)
			}
			area = append(area, pm)
		}
		centre := area.Bound().Center()
		best, bd := -1, math.Inf(1)
		for i, b := range a.blocks {
			c := fromGrid((b.x0+b.x1)/2, (b.y0+b.y1)/2)
			inside := false
			for _, pm := range area {
				if sim.PolygonContains(pm, c) {
					inside = true
				}
			}
			if !inside {
				continue
			}
			p.Blocks++
			addZone(b.zone)
			if d := math.Hypot(c[0]-centre[0], c[1]-centre[1]); d < bd {
				best, bd = i, d
			}
		}
		if best < 0 {
			best = nearestBlock(centre)
			if best >= 0 {
				addZone(a.blocks[best].zone)
			}
		}
		p.Block = best
	case len(e.At) == 2:
		q := a.city.Proj.ToXY(orb.Point{e.At[0], e.At[1]})
		if id, _, _ := a.city.NearestSegment(q); id >= 0 {
			p.Street = a.city.Segments[id].Name
		}
		if b := nearestBlock(q); b >= 0 {
			addZone(a.blocks[b].zone)
		}
	case e.Streets != nil && len(e.Streets.IDs) > 0:
		seen := map[string]bool{}
		for _, id := range e.Streets.IDs {
			if id >= 0 && id < len(a.city.Segments) {
				if n := a.city.Segments[id].Name; n != "" && !seen[n] {
					seen[n] = true
					p.Streets = append(p.Streets, n)
				}
			}
		}
	case e.Building != nil && *e.Building >= 0 && *e.Building < len(a.city.Buildings):
		addZone(a.city.Buildings[*e.Building].Zone)
	}
	for z := range a.city.Zones {
		if zones[z] {
			p.Zones = append(p.Zones, a.city.Zones[z].Name)
		}
	}
	if a.whereCache == nil {
		a.whereCache = map[string]place{}
	}
	a.whereCache[key] = p
	return p
}

// gcCycles returns how many garbage collections Go has completed.
func gcCycles() uint64 {
	s := [1]metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s[:])
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// timed runs one change of the session, noting its timing for the page.
func (a *app) timed(f func() error) error {
	a.opStart = time.Now()
	a.gcStart = gcCycles()
	err := f()
	a.coreMs = float64(time.Since(a.opStart).Microseconds()) / 1000
	return err
}

// headline are the group indicators of the "who gains, who loses" table,
// as barri run prints it, each with whether a fall is a gain.
var headline = []struct {
	key         string
	lowerBetter bool
}{
	{"housing.rent_burden_share", true},
	{"housing.displacement_risk", true},
	{"energy.poverty_share", true},
	{"mobility.share.car", true},
	{"mobility.mean_trip_min", true},
	{"access.15min_share", false},
}

// catalog lists what the list editor offers: barris, streets, blocks,
// layers, parameters and indicator keys.
func (a *app) catalog() string {
	type zone struct {
		I    int    `json:"i"`
		Code string `json:"code"`
		Name string `json:"name"`
	}
	type blk struct {
		I     int       `json:"i"`
		Zone  int       `json:"zone"`
		Sides [4]string `json:"sides"`
	}
	type param struct {
		Name    string  `json:"name"`
		Unit    string  `json:"unit"`
		Default float64 `json:"default"`
		Min     float64 `json:"min"`
		Max     float64 `json:"max"`
	}
	var out struct {
		Zones      []zone   `json:"zones"`
		Streets    []string `json:"streets"`
		Blocks     []blk    `json:"blocks"`
		Layers     []string `json:"layers"`
		Params     []param  `json:"params"`
		Indicators []string `json:"indicators"`
		Ops        []string `json:"ops"`
		Headline   []string `json:"headline"`
	}
	for i, z := range a.city.Zones {
		out.Zones = append(out.Zones, zone{i, z.Code, z.Name})
	}
	seen := map[string]bool{}
	for _, s := range a.city.Segments {
		if s.Name != "" && !seen[s.Name] {
			seen[s.Name] = true
			out.Streets = append(out.Streets, s.Name)
		}
	}
	slices.SortFunc(out.Streets, func(x, y string) int { return strings.Compare(sim.FoldName(x), sim.FoldName(y)) })
	for i, b := range a.blocks {
		out.Blocks = append(out.Blocks, blk{i, b.zone, b.sides})
	}
	for _, l := range layers {
		out.Layers = append(out.Layers, l.name)
	}
	for _, p := range sim.ParamDefs() {
		out.Params = append(out.Params, param{p.Name, p.Unit, p.Default, p.Min, p.Max})
	}
	out.Indicators = sim.IndicatorKeys()
	out.Ops = sim.Ops
	for _, h := range headline {
		out.Headline = append(out.Headline, h.key)
	}
	data, _ := json.Marshal(out)
	return string(data)
}

// load replaces the session with a scenario file's.
func (a *app) load(data []byte) error {
	sc, err := sim.ParseScenario(data)
	if err != nil {
		return err
	}
	if sc.City != "" && sc.City != a.city.Name {
		return &pageError{code: "wasm.city", args: []any{sc.City, a.city.Name},
			text: fmt.Sprintf("wasm: the scenario is for the city %q; this page has only %q", sc.City, a.city.Name)}
	}
	if sc.City == "" {
		sc.City = a.city.Name
	}
	s, err := proposal.New(a.city, sc)
	if err != nil {
		return err
	}
	a.s = s
	a.lastOp = "load"
	if err := a.setLayer(a.layer().name, a.change); err != nil {
		return err
	}
	// Show where the proposal is: its edits' places fill the free map.
	if b, ok := a.editsBound(); ok && a.g != nil {
		a.g.fitBound(b)
	}
	return nil
}

// editsBound is the bounding box, in metres, of the places the edits name:
// areas, streets, buildings and points. Policies have none.
func (a *app) editsBound() (orb.Bound, bool) {
	var b orb.Bound
	n := 0
	add := func(p orb.Point) {
		if n == 0 {
			b = orb.Bound{Min: p, Max: p}
		} else {
			b = b.Extend(p)
		}
		n++
	}
	byName := map[string][]int{}
	for i, sg := range a.city.Segments {
		byName[sg.Name] = append(byName[sg.Name], i)
	}
	for _, e := range a.s.Edits() {
		if len(e.Area) > 0 {
			if mp, err := sim.ParseArea(e.Area); err == nil {
				for _, p := range mp {
					for _, r := range p {
						for _, q := range r {
							add(a.city.Proj.ToXY(q))
						}
					}
				}
			}
		}
		if e.Streets != nil {
			ids := e.Streets.IDs
			if e.Streets.Name != "" {
				ids = byName[e.Streets.Name]
			}
			for _, id := range ids {
				if id >= 0 && id < len(a.city.Segments) {
					for _, q := range a.city.Segments[id].Geometry {
						add(q)
					}
				}
			}
		}
		if e.Building != nil && *e.Building >= 0 && *e.Building < len(a.city.Buildings) {
			for _, r := range a.city.Buildings[*e.Building].Footprint {
				for _, q := range r {
					add(q)
				}
			}
		}
		if len(e.At) == 2 {
			add(a.city.Proj.ToXY(orb.Point{e.At[0], e.At[1]}))
		}
	}
	return b, n > 0
}

// applyEdit applies one edit given as JSON.
func (a *app) applyEdit(data []byte) error {
	var e sim.Edit
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return fmt.Errorf("wasm: edit: %v", err)
	}
	if err := a.timed(func() error { return a.s.Apply(e) }); err != nil {
		return err
	}
	a.lastOp = e.Op
	a.afterChange()
	a.outline(&e)
	return nil
}

// outline marks on the map the area of the edit just applied (or the
// streets it picked), so the resident sees where the change is.
func (a *app) outline(e *sim.Edit) {
	a.g.setHighlight(a.editPlaces(e), false, e.Streets != nil)
}

// editPlaces returns the outlines, in metres, of an edit's area and of the
// streets it picks (by id and by name).
func (a *app) editPlaces(e *sim.Edit) [][]orb.Point {
	var hl [][]orb.Point
	if len(e.Area) > 0 {
		if mp, err := sim.ParseArea(e.Area); err == nil {
			for _, p := range mp {
				if len(p) > 0 {
					r := make([]orb.Point, len(p[0]))
					for i, q := range p[0] {
						r[i] = a.city.Proj.ToXY(q)
					}
					hl = append(hl, r)
				}
			}
		}
	}
	if e.Streets != nil {
		for _, id := range e.Streets.IDs {
			if id >= 0 && id < len(a.city.Segments) {
				hl = append(hl, a.city.Segments[id].Geometry)
			}
		}
		if e.Streets.Name != "" {
			hl = append(hl, a.streetLines(e.Streets.Name)...)
		}
	}
	return hl
}

// streetLines returns the segments of a street, named as the page names it.
func (a *app) streetLines(name string) [][]orb.Point {
	var out [][]orb.Point
	name = sim.FoldName(name)
	for _, s := range a.city.Segments {
		if sim.FoldName(s.Name) == name {
			out = append(out, s.Geometry)
		}
	}
	return out
}

// polygonDone builds the edit of the current polygon tool from the page's
// options and applies it, then has the page show the result.
func (a *app) polygonDone(pts []orb.Point) {
	ring := orb.Ring(append(pts, pts[0]))
	area := a.lonLatJSON([]orb.Polygon{{ring}})
	opts := a.ui.Call("toolOptions").String()
	var e map[string]any
	if err := json.Unmarshal([]byte(opts), &e); err != nil {
		a.ui.Call("showError", "wasm: tool options: "+err.Error())
		return
	}
	e["area"] = area
	a.applyAndRender(e)
}

// placePoint adds a transit stop where the resident clicked.
func (a *app) placePoint(p orb.Point) {
	ll := a.city.Proj.ToLonLat(p)
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	opts := a.ui.Call("toolOptions").String()
	var e map[string]any
	if err := json.Unmarshal([]byte(opts), &e); err != nil {
		a.ui.Call("showError", "wasm: tool options: "+err.Error())
		return
	}
	e["at"] = []float64{round(ll[0]), round(ll[1])}
	a.applyAndRender(e)
}

func (a *app) applyAndRender(e map[string]any) {
	data, _ := json.Marshal(e)
	if err := a.applyEdit(data); err != nil {
		a.ui.Call("showError", errorInfo(err))
		return
	}
	a.ui.Call("render", a.stateJSON())
}

func (a *app) toolChanged() {
	type sel struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	out := struct {
		Tool     string `json:"tool"`
		Points   int    `json:"points"`
		Selected []sel  `json:"selected"`
	}{Tool: a.g.tool, Points: len(a.g.drawPts), Selected: []sel{}}
	for _, id := range a.g.selected {
		out.Selected = append(out.Selected, sel{id, a.city.Segments[id].Name})
	}
	data, _ := json.Marshal(out)
	a.ui.Call("toolChanged", string(data))
}

// info describes a building or street segment for the page.
func (a *app) info(kind string, id int) string {
	r := a.s.Result()
	out := map[string]any{"kind": kind, "id": id}
	switch kind {
	case "building":
		b := a.city.Buildings[id]
		br, _ := proposal.Building(r.Scenario, id)
		bb, _ := proposal.Building(r.Baseline, id)
		out["use"] = a.s.State().Buildings[id].Use.String()
		out["floors"] = a.s.State().Buildings[id].Floors
		out["dwellings"] = br.Dwellings
		out["rent"] = legendValue(br.Rent)
		out["rent0"] = legendValue(bb.Rent)
		out["energy"] = legendValue(br.EnergyKWh / 1000)
		out["pv"] = legendValue(br.PVKWh / 1000)
		out["co2"] = legendValue(br.CO2Kg / 1000)
		// The value the map colours the building by, in the legend's
		// unit (and today's, for a change from today).
		if l := a.layer(); l.value != nil && !l.streets {
			v, v0 := l.value(a.city, r.Scenario, id), l.value(a.city, r.Baseline, id)
			if l.unit == "%" {
				v, v0 = 100*v, 100*v0
			}
			if !math.IsNaN(v) {
				out["layer"], out["unit"], out["value"] = l.name, l.unit, legendValue(v)
				if a.change && !math.IsNaN(v0) {
					// And the change the colour stands for (as the legend's scale).
					out["value0"], out["change"] = legendValue(v0), legendValue(mapscale.Change(v, v0))
				}
			}
		}
		if br.Dwellings > 0 {
			m, kind := br.WalkMin.Longest()
			out["walk"], out["walkKind"] = fmt.Sprintf("%.0f", m), kind
		}
		out["year"] = b.Year
		if b.Zone >= 0 {
			out["zone"] = a.city.Zones[b.Zone].Name
		}
	case "street":
		s := a.city.Segments[id]
		out["name"] = s.Name
		if id < len(r.Scenario.Streets) {
			out["flow"] = legendValue(r.Scenario.Streets[id].CarFlow)
			out["flow0"] = legendValue(r.Baseline.Streets[id].CarFlow)
			out["vc"] = legendValue(100 * r.Scenario.Streets[id].VC) // in % of capacity
			out["speed"] = legendValue(r.Scenario.Streets[id].SpeedKmh)
		}
		st := a.s.State().Segments[id]
		out["access"] = st.CarAccess
		out["bike"] = st.BikeLane
	}
	data, _ := json.Marshal(out)
	return string(data)
}

func (a *app) hovered(b, s int) {
	switch {
	case b >= 0:
		a.ui.Call("hover", a.info("building", b))
	case s >= 0:
		a.ui.Call("hover", a.info("street", s))
	default:
		a.ui.Call("hover", "")
	}
}

func (a *app) inspect(kind string, id int) { a.ui.Call("inspect", a.info(kind, id)) }

func (a *app) markReady() {
	js.Global().Get("performance").Call("mark", "barri:ready")
	a.ui.Call("ready")
}

// cameraMoved tells the page where the barri labels sit on screen (CSS px).
func (a *app) cameraMoved() {
	g := a.g
	var pts [][2]float64
	for _, p := range g.m.zoneMid {
		x, y := g.cam.toScreen(p[0], p[1], g.w, g.h)
		pts = append(pts, [2]float64{float64(x) / g.dsf, float64(y) / g.dsf})
	}
	data, _ := json.Marshal(map[string]any{"zones": pts, "scale": g.cam.scale / g.dsf})
	a.ui.Call("labels", string(data))
}

// register installs globalThis.barriCore, the functions the page calls.
func (a *app) register() {
	result := func(err error) any {
		if err != nil {
			return errorInfo(err)
		}
		return map[string]any{"ok": true, "state": a.stateJSON()}
	}
	str := func(args []js.Value, i int) string {
		if i < len(args) && args[i].Type() == js.TypeString {
			return args[i].String()
		}
		return ""
	}
	num := func(args []js.Value, i int) int {
		if i < len(args) && args[i].Type() == js.TypeNumber {
			return args[i].Int()
		}
		if i < len(args) && args[i].Type() == js.TypeString {
			n, _ := strconv.Atoi(args[i].String())
			return n
		}
		return 0
	}
	fns := map[string]func(args []js.Value) any{
		"catalog": func([]js.Value) any { return a.catalog() },
		"state":   func([]js.Value) any { return a.stateJSON() },
		"apply": func(args []js.Value) any {
			return result(a.applyEdit([]byte(str(args, 0))))
		},
		"undo": func([]js.Value) any {
			err := a.timed(a.s.Undo)
			if err == nil {
				a.lastOp = "undo"
				a.afterChange()
				a.g.setHighlight(nil, false, false)
			}
			return result(err)
		},
		"redo": func([]js.Value) any {
			err := a.timed(a.s.Redo)
			if err == nil {
				a.lastOp = "redo"
				a.afterChange()
				if ed := a.s.Edits(); len(ed) > 0 {
					a.outline(&ed[len(ed)-1])
				}
			}
			return result(err)
		},
		"load": func(args []js.Value) any { return result(a.load([]byte(str(args, 0)))) },
		"openShare": func(args []js.Value) any {
			data, err := proposal.Unshare(str(args, 0))
			if err != nil {
				return result(linkError(err))
			}
			return result(a.load(data))
		},
		"scenario": func([]js.Value) any {
			data, _ := json.MarshalIndent(a.s.Scenario(), "", "  ")
			return string(data) + "\n"
		},
		"setName": func(args []js.Value) any { a.s.SetName(str(args, 0)); return nil },
		"share": func([]js.Value) any {
			f, err := proposal.Share(a.s.Scenario())
			if err != nil {
				return ""
			}
			return f
		},
		"setLayer": func(args []js.Value) any {
			if err := a.setLayer(str(args, 0), len(args) > 1 && args[1].Truthy()); err != nil {
				return map[string]any{"error": err.Error()}
			}
			data, _ := json.Marshal(a.legend())
			return string(data)
		},
		"legend": func([]js.Value) any { data, _ := json.Marshal(a.legend()); return string(data) },
		"setTool": func(args []js.Value) any {
			// Another tool: the list editor's choice goes (the outline of
			// the edit just made stays until the next change). A half-drawn
			// outline or a half-made pick is kept for its kind of tool and
			// comes back with it (the polygon ops share one outline).
			g := a.g
			if g.pickDash && g.highFor != nil && len(g.highlight) > 0 && len(g.highlight[0]) > 0 && g.highFor == &g.highlight[0][0] {
				g.setHighlight(nil, false, false)
			}
			if next := str(args, 0); next != g.tool {
				if g.savedPts == nil {
					g.savedPts, g.savedSel = map[string][]orb.Point{}, map[string][]int{}
				}
				g.savedPts[g.tool], g.savedSel[g.tool] = g.drawPts, g.selected
				g.tool = next
				g.drawPts, g.selected = g.savedPts[next], g.savedSel[next]
			}
			g.crosshair = false
			a.toolChanged()
			return nil
		},
		"finish": func([]js.Value) any { a.g.finish(); return nil },
		"cancel": func([]js.Value) any { a.g.cancel(); return nil },
		"undoPoint": func([]js.Value) any {
			if n := len(a.g.drawPts); n > 0 {
				a.g.drawPts = a.g.drawPts[:n-1]
				a.toolChanged()
			}
			return nil
		},
		"clearSelection": func([]js.Value) any { a.g.selected = a.g.selected[:0]; a.toolChanged(); return nil },
		"areaFor": func(args []js.Value) any {
			polys, err := a.areaFor(str(args, 0), num(args, 1), num(args, 2))
			if err != nil {
				return map[string]any{"error": err.Error()}
			}
			return string(a.lonLatJSON(polys))
		},
		"highlight": func(args []js.Value) any {
			kind := str(args, 0)
			var hl [][]orb.Point
			var bd orb.Bound
			if kind == "street" {
				// The street, centred like a block or a barri.
				hl = a.streetLines(str(args, 1))
				for i, l := range hl {
					if i == 0 {
						bd = orb.LineString(l).Bound()
					} else {
						bd = bd.Union(orb.LineString(l).Bound())
					}
				}
			} else if polys, err := a.areaFor(kind, num(args, 1), num(args, 2)); err == nil {
				for i, p := range polys {
					hl = append(hl, p[0])
					if i == 0 {
						bd = p.Bound()
					} else {
						bd = bd.Union(p.Bound())
					}
				}
			}
			a.g.setHighlight(hl, true, kind == "street")
			if len(hl) > 0 {
				a.g.centreOn(bd.Center())
			}
			return nil
		},
		"setInsets": func(args []js.Value) any {
			g := a.g
			if len(args) >= 3 {
				was := [4]float64{g.insetR, g.insetB, g.insetT, g.insetL}
				g.insetR, g.insetB, g.insetT = args[0].Float(), args[1].Float(), args[2].Float()
				g.insetL = 0
				if len(args) >= 4 {
					g.insetL = args[3].Float()
				}
				// Until the resident moves the map, the whole city stays in
				// the part the panels leave free.
				if was != [4]float64{g.insetR, g.insetB, g.insetT, g.insetL} && g.whole && g.w > 0 {
					g.fit()
				}
			}
			return nil
		},
		"view": func(args []js.Value) any {
			g := a.g
			cx, cy := g.centreX(), g.centreY()
			step := float64(min(g.w, g.h)) / 8
			if len(args) > 1 && args[1].Truthy() {
				step /= 4 // Shift: a finer step
			}
			switch str(args, 0) {
			case "in":
				g.zoomAt(1.25, cx, cy)
			case "out":
				g.zoomAt(0.8, cx, cy)
			case "fit":
				g.fit()
			case "left":
				g.panBy(step, 0)
			case "right":
				g.panBy(-step, 0)
			case "up":
				g.panBy(0, step)
			case "down":
				g.panBy(0, -step)
			case "pen":
				g.crosshair = true
				g.click(cx, cy, false)
			}
			return nil
		},
		// shown reports which recolouring the map on screen shows
		// (stateJSON's seq) and the Go timing of the frame that drew it.
		"shown": func([]js.Value) any {
			g := a.g
			return map[string]any{"seq": g.shownSeq, "renderMs": g.lastRender.RenderMs, "updateMs": g.lastRender.UpdateMs, "drawMs": g.lastRender.DrawMs, "gc": float64(gcCycles())}
		},
		// memStats reports the Go heap, for the performance figures.
		"memStats": func([]js.Value) any {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return map[string]any{"heapAlloc": float64(m.HeapAlloc), "heapSys": float64(m.HeapSys), "sys": float64(m.Sys), "numGC": float64(m.NumGC),
				"totalAlloc": float64(m.TotalAlloc), "mallocs": float64(m.Mallocs)}
		},
		// frameStats returns and clears the recent Update and Draw times (ms).
		"frameStats": func([]js.Value) any {
			conv := func(xs []float64) []any {
				out := make([]any, len(xs))
				for i, x := range xs {
					out[i] = x
				}
				return out
			}
			out := map[string]any{"update": conv(a.g.stats.update), "draw": conv(a.g.stats.draw)}
			a.g.stats.update, a.g.stats.draw = a.g.stats.update[:0], a.g.stats.draw[:0]
			return out
		},
		// redrawAll draws the whole map image again (tests compare it with
		// the parts an edit drew).
		"redrawAll": func([]js.Value) any { a.g.dirty = true; a.g.drawSeq++; return nil },
		// debugView reports the view's sizes, for tests.
		"debugView": func([]js.Value) any {
			g := a.g
			b := g.m.bound
			x0, y0 := g.cam.toScreen(b.Min[0], b.Max[1], g.w, g.h)
			x1, y1 := g.cam.toScreen(b.Max[0], b.Min[1], g.w, g.h)
			data, _ := json.Marshal(map[string]any{"w": g.w, "h": g.h, "lw": g.layoutW, "lh": g.layoutH, "dsf": g.dsf,
				"img": g.mapImg.Bounds().String(), "scale": g.cam.scale, "insets": []float64{g.insetR, g.insetB, g.insetT, g.insetL},
				"highlight": len(g.highlight), "pickDash": g.pickDash,
				// The city's bounding box on screen, CSS px: left, top, right, bottom.
				"city": []float64{float64(x0) / g.dsf, float64(y0) / g.dsf, float64(x1) / g.dsf, float64(y1) / g.dsf}})
			return string(data)
		},
		// centreOn moves the map to a lon/lat point, zoomed to at least
		// the given scale (pixels per metre, CSS).
		"centreOn": func(args []js.Value) any {
			if len(args) >= 2 {
				a.g.centreOn(a.city.Proj.ToXY(orb.Point{args[0].Float(), args[1].Float()}))
			}
			return nil
		},
		// panPixels pans by (dx, dy) device pixels: the performance page
		// drives a whole pan with it.
		"panPixels": func(args []js.Value) any {
			if len(args) >= 2 {
				a.g.panBy(args[0].Float(), args[1].Float())
			}
			return nil
		},
		// pointerUp is the page's mouse release on the map, at CSS pixel
		// (x, y): a press that did not drag is a click, applied at once
		// rather than at the map engine's next frame (which then sees no
		// press to release).
		"pointerUp": func(args []js.Value) any {
			g := a.g
			if len(args) >= 2 && g.pressing && !g.dragging {
				x, y := int(args[0].Float()*g.dsf), int(args[1].Float()*g.dsf)
				if abs(x-g.pressX) <= 4 && abs(y-g.pressY) <= 4 {
					g.pressing = false
					g.tap(x, y)
				}
			}
			return nil
		},
		// clickAt applies the current tool at CSS pixel (x, y), as a click does.
		"clickAt": func(args []js.Value) any {
			if len(args) >= 2 {
				a.g.click(args[0].Float()*a.g.dsf, args[1].Float()*a.g.dsf, false)
			}
			return nil
		},
		// toScreen returns the CSS pixel position of a lon/lat point now.
		"toScreen": func(args []js.Value) any {
			if len(args) < 2 {
				return nil
			}
			p := a.city.Proj.ToXY(orb.Point{args[0].Float(), args[1].Float()})
			x, y := a.g.cam.toScreen(p[0], p[1], a.g.w, a.g.h)
			return []any{float64(x) / a.g.dsf, float64(y) / a.g.dsf}
		},
	}
	core := js.Global().Get("Object").New()
	for name, f := range fns {
		core.Set(name, js.FuncOf(func(this js.Value, args []js.Value) any { return f(args) }))
	}
	a.registerWorkshop(core) // workshop.go
	js.Global().Set("barriCore", core)
}

// areaFor returns the area of a block (n×n blocks around it) or a barri.
func (a *app) areaFor(kind string, id, n int) ([]orb.Polygon, error) {
	switch kind {
	case "block":
		if id < 0 || id >= len(a.blocks) {
			return nil, fmt.Errorf("wasm: no block %d", id)
		}
		if n < 1 {
			n = 1
		}
		return []orb.Polygon{a.blockArea(id, n)}, nil
	case "zone":
		if id < 0 || id >= len(a.city.Zones) {
			return nil, fmt.Errorf("wasm: no barri %d", id)
		}
		return a.city.Zones[id].Boundary, nil
	}
	return nil, fmt.Errorf("wasm: no area for %q", kind)
}

// errorInfo is an error as the page shows it: "error", the English text;
// "why", what is wrong as a code and its arguments ({code, args, text},
// args strings, numbers, {value, places} for a number with fixed places, or
// a nested {code, args, text}), which the page says in its language from
// err.<code> in web/src/i18n; "edit" and "op", the edit at fault, numbered
// from 1 as the page's list numbers edits (a file's too, which the core's
// text numbers from 0); "own", true when the edit is the page's own (not
// one of a file: the page may then name the field by its label); "line"
// and "column", the place in a file; "field", the option at fault, for the
// page to mark. Without "why" the page shows the English text.
func errorInfo(err error) map[string]any {
	out := map[string]any{"ok": false, "error": err.Error()}
	var pe *proposal.EditError
	var ee *sim.EditError
	var se *sim.ScenarioError
	var ge *pageError
	switch {
	case errors.As(err, &pe):
		out["edit"], out["op"], out["own"] = pe.N, pe.Op, true
		ee = pe.EditError
	case errors.As(err, &ee):
		// A file's edits are numbered from 0 in the core's text (barri
		// run's); the page numbers them from 1, as its list does.
		out["edit"], out["op"] = ee.Index+1, ee.Op
	case errors.As(err, &se):
		if se.Line > 0 {
			out["line"], out["column"] = se.Line, se.Column
		}
		if se.Field != "" {
			out["field"] = se.Field
		}
	case errors.As(err, &ge):
		out["why"] = map[string]any{"code": ge.code, "args": ge.args, "text": strings.TrimPrefix(ge.text, "wasm: ")}
		return out
	}
	if ee != nil && ee.Field != "" {
		out["field"] = ee.Field
	}
	if m, ok := sim.MessageOf(err); ok {
		out["why"] = messageInfo(m)
	}
	return out
}

// messageInfo is a core's message for js.ValueOf, its codes under "sim.".
func messageInfo(m sim.Message) map[string]any {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch v := a.(type) {
		case sim.Message:
			args[i] = messageInfo(v)
		case sim.Decimal:
			args[i] = map[string]any{"value": v.Value, "places": v.Places}
		default:
			args[i] = v // a string, an int or a finite float64
		}
	}
	code := ""
	if m.Code != "" {
		code = "sim." + m.Code
	}
	return map[string]any{"code": code, "args": args, "text": m.Text}
}

// pageError is an error of this page with a code the page says in its
// language (err.<code>), filled with args.
type pageError struct {
	code string
	args []any
	text string
}

func (e *pageError) Error() string { return e.text }

// linkError is an error of proposal.Unshare, a share link that does not
// carry a whole proposal, with the page's code for it.
func linkError(err error) error {
	return &pageError{code: "wasm.link", text: err.Error()}
}
