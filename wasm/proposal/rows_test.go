//go:build js && wasm

package proposal

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestRowCacheEncodesAsMarshal checks that a cached row is the JSON of
// NewRow, found or not, with its key only when named, and that the cache
// keeps only the rows of the last two states.
func TestRowCacheEncodesAsMarshal(t *testing.T) {
	cases := []struct {
		key     string
		b, s, d float64
	}{
		{"housing.homes", 125179, 125179, 0},
		{"mobility.share.car", 0.19901234, 0.19801234, -0.001},
		{"energy.co2_t_year", 235104.5, 235090.25, -14.25},
		{"housing.displacement_risk", 0.9239, 0.9239, 0},
		{"access.walk_min.park", math.Inf(1), 7.5, math.Inf(-1)},
		{"odd \"key\" <b>\u2028", 1, 2, 1},
	}
	var c RowCache
	for round := range 3 {
		c.Next()
		var all []byte
		all = append(all, '[')
		for i, tc := range cases {
			for _, named := range []bool{true, false} {
				got := c.Append(nil, tc.key, tc.b, tc.s, tc.d, named)
				want := NewRow(tc.key, tc.b, tc.s, tc.d)
				if !named {
					want.K = ""
				}
				wantJS, err := json.Marshal(want)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(wantJS) {
					t.Errorf("round %d, %s (named %v): cached %s, want %s", round, tc.key, named, got, wantJS)
				}
				if i > 0 || !named {
					all = append(all, ',')
				}
				all = c.Append(all, tc.key, tc.b, tc.s, tc.d, named)
			}
		}
		all = append(all, ']')
		var back []Row
		if err := json.Unmarshal(all, &back); err != nil {
			t.Fatalf("round %d: the rows are not JSON: %v\n%s", round, err, all)
		}
		if len(back) != 2*len(cases) || !reflect.DeepEqual(back[0], NewRow(cases[0].key, cases[0].b, cases[0].s, cases[0].d)) {
			t.Errorf("round %d: rows read back as %+v", round, back)
		}
	}
	// A state that uses one row: the others are gone two states later.
	c.Next()
	c.Append(nil, "housing.homes", 1, 2, 1, true)
	c.Next()
	c.Append(nil, "housing.homes", 1, 2, 1, true)
	if n := len(c.cur) + len(c.prev); n != 2 {
		t.Errorf("the cache holds %d rows after two states of one row, want 2 (the same row in each)", n)
	}
}
