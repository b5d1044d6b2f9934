package sim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestIndicatorsJSON(t *testing.T) {
	var v Indicators
	for i := range v {
		v[i] = float64(i) + 0.25
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"housing.dwellings":0.25,"housing.affordable_dwellings":1.25,`) ||
		!strings.HasSuffix(string(data), `"green.m2_per_resident":25.25}`) {
		t.Errorf("indicators in JSON: %s", data)
	}
	var back Indicators
	if err := json.Unmarshal(data, &back); err != nil || back != v {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	if got := v.Get("mobility.mean_trip_min"); got != v[iTripMin] {
		t.Errorf("Get(mobility.mean_trip_min) = %v", got)
	}
	if !math.IsNaN(v.Get("nonsense")) {
		t.Error("Get of an unknown key is not NaN")
	}
	err = json.Unmarshal([]byte(`{"housing.dwelings":1}`), &back)
	if err == nil || !strings.Contains(err.Error(), `unknown indicator "housing.dwelings"`) {
		t.Errorf("an unknown indicator: %v", err)
	}
	if len(IndicatorKeys()) != NumIndicators {
		t.Errorf("%d keys, %d indicators", len(IndicatorKeys()), NumIndicators)
	}
}

// FuzzIndicatorsJSON: decoding never panics, and what decodes encodes back
// to the same values.
func FuzzIndicatorsJSON(f *testing.F) {
	f.Add([]byte(`{"housing.dwellings":1,"green.m2_per_resident":2.5}`))
	f.Add([]byte(`{"x":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Indicators
		if json.Unmarshal(data, &v) != nil {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			return // a value JSON cannot hold
		}
		var back Indicators
		if err := json.Unmarshal(out, &back); err != nil || back != v {
			t.Fatalf("%s: round trip gives %v, %v", out, back, err)
		}
	})
}
