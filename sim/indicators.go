package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Indicators holds the value of every indicator of DESIGN.md §4, in the order
// of IndicatorKeys. In JSON it is an object keyed by indicator name, in that
// order. It is an array, not a map, so that a report costs no hashing and
// no allocation per indicator (both dear on js/wasm).
type Indicators [NumIndicators]float64

// Indicator positions in Indicators.
const (
	iDwellings = iota
	iAffordable
	iRent
	iRentBurden
	iDisplacement
	iEnergyDemand
	iPV
	iEnergyCO2
	iEnergyPoverty
	iTrips
	iShare                      // + mode: walk, bike, pt, car
	iCarVkm = iota + nModes - 1 // after the shares; the next follow one by one
	iTripMin
	iMobilityCO2
	iNOx
	iAccess15
	iWalkMin                                  // + amenity kind, in AmenityKinds order
	iGreen   = iota + nModes - 1 + nKinds - 1 // after the walking minutes

	// NumIndicators is the number of indicators.
	NumIndicators = iGreen + 1
)

var indicatorNames = func() (names [NumIndicators]string) {
	copy(names[:], []string{
		"housing.dwellings", "housing.affordable_dwellings", "housing.rent_eur_month", "housing.rent_burden_share",
		"housing.displacement_risk",
		"energy.demand_gwh_year", "energy.pv_gwh_year", "energy.co2_t_year", "energy.poverty_share",
		"mobility.trips_day",
	})
	for md := range nModes {
		names[iShare+md] = "mobility.share." + modeNames[md]
	}
	copy(names[iCarVkm:], []string{"mobility.car_vkm_day", "mobility.mean_trip_min", "mobility.co2_t_year",
		"mobility.nox_kg_day", "access.15min_share"})
	for k := range nKinds {
		names[iWalkMin+k] = "access.walk_min." + AmenityKinds[k]
	}
	names[iGreen] = "green.m2_per_resident"
	seen := map[string]bool{}
	for i, k := range names {
		if k == "" || seen[k] {
			panic(fmt.Sprintf("sim: indicator %d is %q: the positions and names of indicators disagree", i, k))
		}
		seen[k] = true
	}
	return names
}()

var indicatorIndex = func() map[string]int {
	m := make(map[string]int, NumIndicators)
	for i, k := range indicatorNames {
		m[k] = i
	}
	return m
}()

// IndicatorKeys returns every indicator key in report order.
func IndicatorKeys() []string { return append([]string(nil), indicatorNames[:]...) }

// Get returns the value of the indicator named key, NaN for an unknown key.
func (v *Indicators) Get(key string) float64 {
	if i, ok := indicatorIndex[key]; ok {
		return v[i]
	}
	return math.NaN()
}

// Sub returns v - b, indicator by indicator.
func (v *Indicators) Sub(b *Indicators) Indicators {
	var d Indicators
	for i := range d {
		d[i] = v[i] - b[i]
	}
	return d
}

// MarshalJSON writes the indicators as an object keyed by name, in report order.
func (v Indicators) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range indicatorNames {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
		f, err := json.Marshal(v[i])
		if err != nil {
			return nil, fmt.Errorf("sim: indicator %s: %w", k, err)
		}
		b.Write(f)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object keyed by indicator name. An unknown name is
// an error; a missing one reads as 0.
func (v *Indicators) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*v = Indicators{}
	for k, x := range m {
		i, ok := indicatorIndex[k]
		if !ok {
			return invalidf("indicators.unknown", "sim: unknown indicator %q: the indicators are those of DESIGN.md §4", k)
		}
		v[i] = x
	}
	return nil
}
