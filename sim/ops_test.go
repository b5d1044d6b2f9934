package sim_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// TestEditsOnWhatAnEditChanged pins what every op does to what an edit
// already changed (docs/MODELS.md, "Edits on edits"): repeated, it changes
// nothing more (idempotent), adds up (cumulative by design) or is refused;
// followed by its inverse, where an op has one, it gives back the state it
// started from, bit for bit.
func TestEditsOnWhatAnEditChanged(t *testing.T) {
	c := maps.Eixample()
	blockAt := func(i int, r float64) []byte { return areaAround(c, c.Buildings[i].Centroid, r) }
	block := blockAt(3000, 60)
	seg := c.Segments[400].Name
	within := areaAround(c, c.SegmentMid(400), 300)
	streets := &sim.StreetSelector{Name: seg, Within: within}
	ll := c.Proj.ToLonLat(c.Buildings[3000].Centroid)
	at := []float64{ll[0], ll[1]}

	apply := func(t *testing.T, edits ...sim.Edit) (*sim.State, error) {
		t.Helper()
		st := sim.NewState(c, sim.DefaultParams())
		for i := range edits {
			if _, err := st.Apply(&edits[i]); err != nil {
				return st, err
			}
		}
		return st, nil
	}
	same := func(t *testing.T, a, b []sim.Edit) {
		t.Helper()
		sa, err := apply(t, a...)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := apply(t, b...)
		if err != nil {
			t.Fatal(err)
		}
		sim.DropScratch(sa)
		sim.DropScratch(sb)
		if !slices.Equal(sa.Buildings, sb.Buildings) || !slices.Equal(sa.Segments, sb.Segments) || sa.Params != sb.Params ||
			len(sa.Stops) != len(sb.Stops) || len(sa.Parks) != len(sb.Parks) {
			t.Fatalf("%d edits and %d edits give different states", len(a), len(b))
		}
		base := sim.Baseline(c, sim.DefaultParams())
		if digest(sim.Compute(sa, base)) != digest(sim.Compute(sb, base)) {
			t.Fatalf("%d edits and %d edits give different indicators", len(a), len(b))
		}
	}
	refused := func(t *testing.T, field string, edits ...sim.Edit) {
		t.Helper()
		_, err := apply(t, edits...)
		var ee *sim.EditError
		if err == nil {
			t.Fatal("accepted")
		}
		if !errors.Is(err, sim.ErrInvalid) {
			t.Fatalf("error %v does not match ErrInvalid", err)
		}
		r, err2 := sim.Evaluate(c, &sim.Scenario{City: c.Name, Edits: edits})
		if r != nil || !errors.As(err2, &ee) || ee.Index != len(edits)-1 || ee.Field != field {
			t.Fatalf("Evaluate: %v, want an *EditError of edit %d, field %q", err2, len(edits)-1, field)
		}
	}

	// Idempotent: the second changes nothing.
	for _, e := range []sim.Edit{
		{Op: "superblock", Area: blockAt(2000, 250)},
		{Op: "pedestrianize", Streets: streets},
		{Op: "green_axis", Streets: streets},
		{Op: "bike_lane", Streets: streets},
		{Op: "retrofit", Area: block, Level: "deep"},
		{Op: "solar", Area: block, RoofCoverage: ptr(0.6)},
		{Op: "rezone", Area: block, Use: sim.UseOffice},
		{Op: "rezone", Area: block, AffordableShare: ptr(0.4)},
		{Op: "param", Name: "car_cost_eur_km", Value: ptr(0.4)},
	} {
		t.Run("twice "+e.Op, func(t *testing.T) { same(t, []sim.Edit{e, e}, []sim.Edit{e}) })
	}
	t.Run("retrofit deep then light", func(t *testing.T) {
		same(t, []sim.Edit{{Op: "retrofit", Area: block, Level: "deep"}, {Op: "retrofit", Area: block, Level: "light"}},
			[]sim.Edit{{Op: "retrofit", Area: block, Level: "deep"}})
	})

	// Inverse edits give back the start, bit for bit.
	t.Run("rezone +2 floors then -2", func(t *testing.T) {
		for _, share := range []*float64{nil, ptr(0.3), ptr(1.0)} {
			same(t, []sim.Edit{
				{Op: "rezone", Area: block, AddFloors: ptr(2), AffordableShare: share},
				{Op: "rezone", Area: block, AddFloors: ptr(-2), AffordableShare: share},
			}, nil)
		}
	})
	t.Run("solar then the baseline coverage", func(t *testing.T) {
		same(t, []sim.Edit{{Op: "solar", Area: block, RoofCoverage: ptr(0.8)},
			{Op: "solar", Area: block, RoofCoverage: ptr(sim.DefaultParams()[sim.PBaselinePVCoverage])}}, nil)
	})
	t.Run("param then its default", func(t *testing.T) {
		same(t, []sim.Edit{{Op: "param", Name: "walk_kmh", Value: ptr(3.9)},
			{Op: "param", Name: "walk_kmh", Value: ptr(sim.DefaultParams()[sim.PWalkKmh])}}, nil)
	})

	// Cumulative by design: floors and dwellings add up. (Without an
	// explicit share the 2018 rule reads each rezone alone: two under its
	// 600 m² threshold make no affordable homes where one over it would.)
	t.Run("rezone +1 twice is +2", func(t *testing.T) {
		plus1 := sim.Edit{Op: "rezone", Area: block, AddFloors: ptr(1), AffordableShare: ptr(0.3)}
		twice, err := apply(t, plus1, plus1)
		if err != nil {
			t.Fatal(err)
		}
		once, err := apply(t, sim.Edit{Op: "rezone", Area: block, AddFloors: ptr(2), AffordableShare: ptr(0.3)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range once.Buildings {
			a, b := twice.Buildings[i], once.Buildings[i]
			if a.Floors != b.Floors || a.FloorArea != b.FloorArea || a.Dwellings != b.Dwellings || math.Abs(float64(a.Affordable-b.Affordable)) > 1 {
				t.Fatalf("building %d: +1 twice gives %+v, +2 once %+v", i, a, b)
			}
		}
	})
	t.Run("rezone +1 floor adds its homes only", func(t *testing.T) {
		st, err := apply(t, sim.Edit{Op: "rezone", Area: block, AddFloors: ptr(1)})
		if err != nil {
			t.Fatal(err)
		}
		base := sim.NewState(c, sim.DefaultParams())
		for _, id := range c.BuildingsIn(sim.Area(c.Proj.ProjectGeometry(mustArea(t, block)).(orb.MultiPolygon))) {
			before, after := base.Buildings[id], st.Buildings[id]
			if res, _ := sim.UseCodeOf(sim.UseResidential); before.Use != res {
				continue
			}
			room := int(math.Floor(sim.ResidentialArea(&after)/95)) - int(math.Floor(sim.ResidentialArea(&before)/95))
			if after.Dwellings-before.Dwellings != room {
				t.Fatalf("building %d: %d dwellings before, %d after one more floor (room for %d more)", id, before.Dwellings, after.Dwellings, room)
			}
		}
	})
	t.Run("rezone to offices leaves no homes", func(t *testing.T) {
		st, err := apply(t, sim.Edit{Op: "rezone", Area: block, Use: sim.UseOffice})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range c.BuildingsIn(sim.Area(c.Proj.ProjectGeometry(mustArea(t, block)).(orb.MultiPolygon))) {
			if b := st.Buildings[id]; b.Dwellings != 0 || b.Affordable != 0 {
				t.Fatalf("building %d: %d dwellings (%d affordable) as offices", id, b.Dwellings, b.Affordable)
			}
		}
	})
	t.Run("add_housing twice adds twice", func(t *testing.T) {
		e := sim.Edit{Op: "add_housing", Building: ptr(3000), Dwellings: ptr(5)}
		st, err := apply(t, e, e)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Buildings[3000].Dwellings, c.Buildings[3000].Dwellings+10; got != want {
			t.Fatalf("%d dwellings, want %d", got, want)
		}
	})

	// Refused: counted twice otherwise.
	t.Run("park twice", func(t *testing.T) {
		p := sim.Edit{Op: "park", Area: block}
		refused(t, "area", p, p)
		refused(t, "area", p, sim.Edit{Op: "park", Area: blockAt(3000, 30)})  // inside it
		refused(t, "area", p, sim.Edit{Op: "park", Area: blockAt(3000, 120)}) // around it
		// Beside it, sharing only a border, is another park.
		ring := squareLonLat(c, c.Buildings[3000].Centroid, 60, 120)
		if _, err := apply(t, p, sim.Edit{Op: "park", Area: ring}); err != nil {
			t.Fatalf("a park beside the first: %v", err)
		}
	})
	t.Run("stop twice", func(t *testing.T) {
		s := sim.Edit{Op: "transit_stop", At: at, Mode: sim.ModeBus, HeadwayMin: ptr(6.0)}
		refused(t, "at", s, s)
		if _, err := apply(t, s, sim.Edit{Op: "transit_stop", At: at, Mode: sim.ModeTram, HeadwayMin: ptr(6.0)}); err != nil {
			t.Fatalf("a tram stop where a bus stop was added: %v", err)
		}
	})
}

func mustArea(t *testing.T, raw []byte) orb.MultiPolygon {
	t.Helper()
	mp, err := sim.ParseArea(raw)
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// squareLonLat returns the lon/lat square of side 2r metres whose centre is
// dx metres east of p (metres): beside areaAround(p, r) when dx = 2r.
func squareLonLat(c *sim.City, p orb.Point, r, dx float64) []byte {
	return areaAround(c, orb.Point{p[0] + dx, p[1]}, r)
}
