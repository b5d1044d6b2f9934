package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The groups of the equity lens (DESIGN.md §4), in report order: the
// quintiles of household income over the whole city, q1 the poorest, then
// women and men.
const (
	GroupQ1 = iota
	GroupQ2
	GroupQ3
	GroupQ4
	GroupQ5
	GroupWomen
	GroupMen

	// NumGroups is the number of groups.
	NumGroups
)

// nQuintiles is the number of income groups.
const nQuintiles = 5

var groupNames = [NumGroups]string{"income.q1", "income.q2", "income.q3", "income.q4", "income.q5", "gender.women", "gender.men"}

// Positions in GroupIndicators.
const (
	gBurden = iota
	gRisk
	gPoverty
	gShare   // + mode
	gTripMin = gShare + nModes
	gAccess  = gTripMin + 1
	gWalk    = gAccess + 1 // + amenity kind

	// NumGroupIndicators is the number of indicators a group has.
	NumGroupIndicators = gWalk + nKinds
)

// groupInd maps a group indicator to its position in Indicators: the
// indicators meaningful per person or household.
var groupInd = func() (ind [NumGroupIndicators]int) {
	ind[gBurden], ind[gRisk], ind[gPoverty] = iRentBurden, iDisplacement, iEnergyPoverty
	for md := range nModes {
		ind[gShare+md] = iShare + md
	}
	ind[gTripMin], ind[gAccess] = iTripMin, iAccess15
	for k := range nKinds {
		ind[gWalk+k] = iWalkMin + k
	}
	return ind
}()

// GroupIndicators holds a group's indicators, in the order of
// GroupIndicatorKeys; in JSON, an object keyed by indicator name.
type GroupIndicators [NumGroupIndicators]float64

// Groups holds the indicators of every group, in the order of GroupKeys; in
// JSON, an object keyed by group name.
type Groups [NumGroups]GroupIndicators

// GroupKeys returns the group names in report order.
func GroupKeys() []string { return append([]string(nil), groupNames[:]...) }

// GroupIndicatorKeys returns the names of the indicators a group has, in report order.
func GroupIndicatorKeys() []string {
	keys := make([]string, NumGroupIndicators)
	for g, i := range groupInd {
		keys[g] = indicatorNames[i]
	}
	return keys
}

// Get returns the value of the indicator named key, NaN for an indicator a group does not have.
func (v *GroupIndicators) Get(key string) float64 {
	for g, i := range groupInd {
		if indicatorNames[i] == key {
			return v[g]
		}
	}
	return math.NaN()
}

// Get returns indicator key of the group named group, NaN for an unknown one.
func (v *Groups) Get(group, key string) float64 {
	for g, n := range groupNames {
		if n == group {
			return v[g].Get(key)
		}
	}
	return math.NaN()
}

// Sub returns v - b, group by group and indicator by indicator.
func (v *Groups) Sub(b *Groups) Groups {
	var d Groups
	for g := range d {
		for k := range d[g] {
			d[g][k] = v[g][k] - b[g][k]
		}
	}
	return d
}

// MarshalJSON writes the indicators as an object keyed by name, in report order.
func (v GroupIndicators) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for g, i := range groupInd {
		if g > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(indicatorNames[i]))
		b.WriteByte(':')
		f, err := json.Marshal(v[g])
		if err != nil {
			return nil, fmt.Errorf("sim: group indicator %s: %w", indicatorNames[i], err)
		}
		b.Write(f)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object keyed by indicator name. A name a group does
// not have is an error; a missing one reads as 0.
func (v *GroupIndicators) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*v = GroupIndicators{}
	for k, x := range m {
		found := false
		for g, i := range groupInd {
			if indicatorNames[i] == k {
				v[g], found = x, true
			}
		}
		if !found {
			return invalidf("groups.indicator", "sim: indicator %q is not one a group has: they are those of DESIGN.md §4 meaningful per person or household", k)
		}
	}
	return nil
}

// MarshalJSON writes the groups as an object keyed by group name, in report order.
func (v Groups) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for g, n := range groupNames {
		if g > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(n))
		b.WriteByte(':')
		f, err := v[g].MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("sim: group %s: %w", n, err)
		}
		b.Write(f)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object keyed by group name. An unknown name is an
// error; a missing group reads as zeros.
func (v *Groups) UnmarshalJSON(data []byte) error {
	var m map[string]GroupIndicators
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*v = Groups{}
	for k, x := range m {
		found := false
		for g, n := range groupNames {
			if n == k {
				v[g], found = x, true
			}
		}
		if !found {
			return invalidf("groups.unknown", "sim: unknown group %q: the groups are income.q1 … income.q5, gender.women and gender.men", k)
		}
	}
	return nil
}

// incomeSplit holds, for one zone, the share of its households (hh) and of
// its renting households (rent) with incomes below each quintile bound of
// the city: 0, then the four bounds, then 1.
type incomeSplit struct{ hh, rent [nQuintiles + 1]float64 }

// share returns the share of the zone's households (or renters) in quintile q.
func (s *incomeSplit) share(q int, renters bool) float64 {
	if renters {
		return s.rent[q+1] - s.rent[q]
	}
	return s.hh[q+1] - s.hh[q]
}

// incomeQuintiles returns the log-income bounds of the city's household
// income quintiles, from the mixture of the zones' incomes weighted by their
// published households (a scenario's groups are the baseline's income
// bands), and each zone's shares below them. The bounds are found by 100
// bisections: deterministic, and exact to the last bits of the interval.
func incomeQuintiles(c *City, zh []zoneHousing) ([nQuintiles - 1]float64, []incomeSplit) {
	var bounds [nQuintiles - 1]float64
	split := make([]incomeSplit, len(zh))
	var total float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for z := range zh {
		total += c.Zones[z].Households
		l := &zh[z].income
		lo = min(lo, l.mu-float64(8*max(l.sigmaLow, l.sigma)))
		hi = max(hi, l.mu+float64(8*max(l.sigmaLow, l.sigma)))
	}
	if total <= 0 || len(zh) == 0 {
		return bounds, split
	}
	below := func(x float64) float64 {
		var sum float64
		for z := range zh {
			sum += float64(c.Zones[z].Households * zh[z].income.belowLog(x))
		}
		return sum / total
	}
	for q := range bounds {
		a, b := lo, hi
		target := float64(q+1) / nQuintiles
		for range 100 {
			mid := a + float64((b-a)/2)
			if below(mid) < target {
				a = mid
			} else {
				b = mid
			}
		}
		bounds[q] = a + float64((b-a)/2)
	}
	for z := range zh {
		s := &split[z]
		s.hh[nQuintiles], s.rent[nQuintiles] = 1, 1
		for q, x := range bounds {
			s.hh[q+1] = zh[z].income.belowLog(x)
			s.rent[q+1] = zh[z].renterIncome.belowLog(x)
		}
	}
	return bounds, split
}

// groupHousing computes a zone's rent burden and displacement risk by income
// quintile into o: burdenQ[q] is the share of the zone's renters who are in
// quintile q and pay more than 30% of income; riskQ[q] the sum of the
// displacement index over the quadrature points (those of
// displacementRisk) in quintile q, riskN[q] their number.
func (m *model) groupHousing(z int, o *zoneOut) {
	h := &m.zh[z]
	sp := &m.split[z]
	aff := h.affordable / max(h.dwellings, 1)
	o.burdenQ, o.riskQ, o.riskN = [nQuintiles]float64{}, [nQuintiles]float64{}, [nQuintiles]float64{}
	for _, rt := range [2]struct{ rent, w float64 }{{h.marketRent, 1 - aff}, {h.affordableRent, aff}} {
		x := h.renterIncome.below(12 * rt.rent / 0.3)
		for q := range nQuintiles {
			o.burdenQ[q] += float64(rt.w * max(0, min(x, sp.rent[q+1])-sp.rent[q]))
		}
	}
	for k := 0; k < 16; k++ {
		level := 0.4 * (float64(k) + 0.5) / 16
		income := h.renterIncome.quantile(level)
		risk := func(rent float64) float64 { return max(0, min(1, (12*rent/income-0.3)/0.5)) }
		r := float64((1-aff)*risk(h.marketRent)) + float64(aff*risk(h.affordableRent))
		q := 0
		for q < nQuintiles-1 && level >= sp.rent[q+1] {
			q++
		}
		o.riskQ[q] += r
		o.riskN[q]++
	}
}

// groupsOut writes the groups' indicators per zone and city-wide, and the
// weights by which the groups' values average to the city's (groupW).
// Within a zone, incomes differ but where people live, their buildings'
// access and their trips do not: an income group's energy poverty, rent
// burden and displacement risk are its own; its mode shares, trip minutes
// and access those of the zones it lives in, weighted by its share of each.
// Women and men differ by their trips (gender mode constants and trip
// rates); the model has no income or housing difference between them.
func (m *model) groupsOut(out *Report) {
	p := &m.s.Params
	mob := m.mob
	var num, den Groups // city-wide sums: value × weight, and weight
	for z := range out.Zones {
		zr := &out.Zones[z]
		v := &zr.Values
		h := &m.zh[z]
		a := &m.zagg[z]
		o := &m.zout[z]
		sp := &m.split[z]
		renters := float64(h.households * p[PRenterShare])
		for q := range nQuintiles {
			g := &zr.Groups[q]
			rq, sq := sp.share(q, true), sp.share(q, false)
			set := func(k int, numZ, weight float64) {
				if weight > 0 {
					g[k] = numZ / weight
				}
			}
			set(gBurden, o.burdenQ[q], rq)
			set(gRisk, o.riskQ[q], o.riskN[q])
			set(gPoverty, a.povQ[q]/max(a.povDen, 1e-9), sq)
			num[q][gBurden] += float64(renters * o.burdenQ[q])
			den[q][gBurden] += float64(renters * rq)
			num[q][gRisk] += float64(renters * o.riskQ[q])
			den[q][gRisk] += float64(renters * o.riskN[q])
			num[q][gPoverty] += float64(h.households * (a.povQ[q] / max(a.povDen, 1e-9)))
			den[q][gPoverty] += float64(h.households * sq)
			trips := float64(mob.zoneTrips[z] * sq)
			for md := range nModes {
				g[gShare+md] = v[iShare+md]
				num[q][gShare+md] += float64(mob.zoneModes[z][md] * sq)
				den[q][gShare+md] += trips
			}
			g[gTripMin] = v[iTripMin]
			num[q][gTripMin] += float64(mob.zoneMin[z] * sq)
			den[q][gTripMin] += trips
			pop := float64(a.pop * sq)
			g[gAccess] = v[iAccess15]
			num[q][gAccess] += float64(a.pop15 * sq)
			den[q][gAccess] += pop
			for k := range nKinds {
				g[gWalk+k] = v[iWalkMin+k]
				num[q][gWalk+k] += float64(a.walk[k] * sq)
				den[q][gWalk+k] += pop
			}
		}
		for k := range 2 {
			g := &zr.Groups[GroupWomen+k]
			for gi, i := range groupInd {
				g[gi] = v[i]
			}
			var trips float64
			for md := range nModes {
				trips += mob.zoneGenModes[z][k][md]
			}
			for md := range nModes {
				g[gShare+md] = mob.zoneGenModes[z][k][md] / max(trips, 1e-9)
			}
			g[gTripMin] = mob.zoneGenMin[z][k] / max(trips, 1e-9)
		}
	}
	cv := &out.City
	for q := range nQuintiles {
		for k := range NumGroupIndicators {
			if den[q][k] > 0 {
				out.Groups[q][k] = num[q][k] / den[q][k]
			}
		}
		out.groupW[q] = den[q]
	}
	share := [2]float64{p[PWomenShare], 1 - p[PWomenShare]}
	for k := range 2 {
		g := &out.Groups[GroupWomen+k]
		w := &out.groupW[GroupWomen+k]
		for gi, i := range groupInd {
			g[gi], w[gi] = cv[i], share[k]
		}
		trips := mob.genTrips[k]
		for md := range nModes {
			g[gShare+md] = mob.genModes[k][md] / max(trips, 1e-9)
			w[gShare+md] = trips
		}
		g[gTripMin], w[gTripMin] = mob.genMin[k]/max(trips, 1e-9), trips
	}
}
