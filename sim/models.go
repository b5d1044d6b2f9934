package sim

import (
	"github.com/barri-city/barri/sim/detmath"
	"math"
)

// normCDF is the standard normal cumulative distribution.
func normCDF(x float64) float64 { return 0.5 * detmath.Erfc(-x/math.Sqrt2) }

// lognormal describes household income: ln(income) is a split normal with
// mode mu, log-sd sigmaLow below it and sigma above. Household incomes have a
// heavier lower tail than a lognormal of the same spread (pensioners living
// alone, the unemployed): income_sigma_low, calibrated to the share in energy
// poverty, sets it. With sigmaLow = sigma it is a lognormal.
type lognormal struct{ mu, sigma, sigmaLow float64 }

func newLognormal(mean, sigma, sigmaLow float64) lognormal {
	s1, s2 := sigmaLow, sigma
	// E[income] = e^mu · 2/(s1+s2) · (s1·e^(s1²/2)·Φ(−s1) + s2·e^(s2²/2)·Φ(s2)).
	k := float64(float64(s1*detmath.Exp(float64(s1*s1)/2))*normCDF(-s1)) + float64(float64(s2*detmath.Exp(float64(s2*s2)/2))*normCDF(s2))
	k = k * 2 / (s1 + s2)
	return lognormal{mu: detmath.Log(max(mean, 1)) - detmath.Log(k), sigma: sigma, sigmaLow: sigmaLow}
}

// below returns the share of households with income below x.
func (l lognormal) below(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return l.belowLog(detmath.Log(x))
}

// belowLog returns the share of households with log-income below lx.
func (l lognormal) belowLog(lx float64) float64 {
	s1, s2 := l.sigmaLow, l.sigma
	d := lx - l.mu
	if d <= 0 {
		return float64(2*s1) / (s1 + s2) * normCDF(d/s1)
	}
	return 1 - float64(float64(2*s2)/(s1+s2)*normCDF(-d/s2))
}

// quantile returns the income below which a share q of households fall.
func (l lognormal) quantile(q float64) float64 {
	s1, s2 := l.sigmaLow, l.sigma
	w1 := float64(2*s1) / (s1 + s2)
	if q <= s1/(s1+s2) {
		return detmath.Exp(l.mu + float64(s1*probitOf(q/w1)))
	}
	w2 := float64(2*s2) / (s1 + s2)
	return detmath.Exp(l.mu - float64(s2*probitOf((1-q)/w2)))
}

// probitOf is the inverse of the standard normal cumulative distribution.
func probitOf(q float64) float64 {
	return float64(math.Sqrt2 * detmath.Erfinv(float64(2*q)-1))
}

// buildingEnergy is what the energy model computes for one building.
type buildingEnergy struct {
	energyKWh float64
	resKWh    float64 // residential part of energyKWh
	elecKWh   float64
	gasKWh    float64
	pvKWh     float64
	co2Kg     float64
}

// energyIntensity returns the residential final-energy intensity for a construction year.
func energyIntensity(p *Params, year int) float64 {
	switch {
	case year < 1941:
		return p[PIntensityPre1940]
	case year < 1980:
		return p[PIntensity1941to1979]
	case year < 2007:
		return p[PIntensity1980to2006]
	}
	return p[PIntensityPost2007]
}

// energyOf computes demand, PV and emissions of building i.
func energyOf(c *City, s *State, i int) buildingEnergy {
	p := &s.Params
	b := &s.Buildings[i]
	res := ResidentialArea(b)
	non := b.FloorArea - res
	saving := 0.0
	switch b.Retrofit {
	case RetrofitLight:
		saving = p[PRetrofitLight]
	case RetrofitDeep:
		saving = p[PRetrofitDeep]
	}
	var r buildingEnergy
	resE := float64(float64(res*energyIntensity(p, c.Buildings[i].Year)) * p[PResEnergyScale] * (1 - saving))
	nonE := float64(float64(non*p[PIntensityNonRes]) * (1 - saving))
	r.energyKWh = resE + nonE
	r.resKWh = resE
	r.elecKWh = float64(resE*p[PResElecShare]) + float64(nonE*p[PNonResElecShare])
	r.gasKWh = r.energyKWh - r.elecKWh
	r.pvKWh = float64(float64(c.Buildings[i].RoofArea*p[PRoofUsable]) * b.PVCoverage * p[PPVYield])
	r.co2Kg = float64(max(0, r.elecKWh-r.pvKWh)*p[PGridCO2]) + float64(r.gasKWh*p[PGasCO2])
	return r
}

// Jobs returns the jobs a building holds: its floor area not used for homes
// over the floor area per job of its use.
func Jobs(p *Params, b *BuildingState) float64 {
	m2 := p[PJobM2Retail]
	switch b.Use {
	case codeOffice:
		m2 = p[PJobM2Office]
	case codePublic:
		m2 = p[PJobM2Public]
	case codeIndustrial:
		m2 = p[PJobM2Industrial]
	}
	return (b.FloorArea - ResidentialArea(b)) / m2
}

// zoneHousing holds a zone's housing market for one state.
type zoneHousing struct {
	dwellings, affordable float64
	households, residents float64
	marketRent            float64 // €/month, mean over the zone's market dwellings
	supply                float64 // factor of the stock's growth on rents
	affordableRent        float64
	income                lognormal // all households
	renterIncome          lognormal
}

// rentBurden returns the share of renting households paying more than 30% of income.
func (h *zoneHousing) rentBurden() float64 {
	aff := h.affordable / max(h.dwellings, 1)
	burden := func(rent float64) float64 { return h.renterIncome.below(12 * rent / 0.3) }
	return float64((1-aff)*burden(h.marketRent)) + float64(aff*burden(h.affordableRent))
}

// displacementRisk is an index from 0 to 1 over the poorest 40% of renting
// households: each counts 0 when rent takes at most 30% of its income, 1 when
// it takes 80% or more, linearly between. The mean is taken by midpoint
// quadrature over 16 income quantiles.
func (h *zoneHousing) displacementRisk() float64 {
	aff := h.affordable / max(h.dwellings, 1)
	risk := func(rent float64) float64 {
		var sum float64
		for k := 0; k < 16; k++ {
			income := h.renterIncome.quantile(0.4 * (float64(k) + 0.5) / 16)
			sum += max(0, min(1, (12*rent/income-0.3)/0.5))
		}
		return sum / 16
	}
	return float64((1-aff)*risk(h.marketRent)) + float64(aff*risk(h.affordableRent))
}

// meanRent returns the mean monthly rent of a dwelling in the zone.
func (h *zoneHousing) meanRent() float64 {
	aff := h.affordable / max(h.dwellings, 1)
	return float64((1-aff)*h.marketRent) + float64(aff*h.affordableRent)
}

// energyPoverty returns the share of a zone's households, of incomes
// income, that spend more than 10% of their income on energy when their
// dwelling's energy costs cost €/yr.
func energyPoverty(income *lognormal, cost float64) float64 {
	if cost <= 0 {
		return 0
	}
	return income.belowLog(detmath.Log(cost) + math.Ln10)
}
