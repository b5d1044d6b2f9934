package sim

import (
	"math"
)

// normCDF is the standard normal cumulative distribution.
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// lognormal describes household income: ln(income) ~ N(mu, sigma²).
type lognormal struct{ mu, sigma float64 }

func newLognormal(mean, sigma float64) lognormal {
	return lognormal{mu: math.Log(math.Max(mean, 1)) - float64(sigma*sigma)/2, sigma: sigma}
}

// below returns the share of households with income below x.
func (l lognormal) below(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return normCDF((math.Log(x) - l.mu) / l.sigma)
}

// buildingResult is what the models compute for one building.
type buildingResult struct {
	energyKWh float64
	resKWh    float64 // residential part of energyKWh
	elecKWh   float64
	gasKWh    float64
	pvKWh     float64
	co2Kg     float64
	rent      float64 // mean monthly rent of a dwelling
	residents float64
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

// buildingEnergy computes demand, PV and emissions of one building.
func buildingEnergy(c *City, s *State, i int, r *buildingResult) {
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
	resE := float64(res*energyIntensity(p, c.Buildings[i].Year)) * (1 - saving)
	nonE := float64(non*p[PIntensityNonRes]) * (1 - saving)
	r.energyKWh = resE + nonE
	r.resKWh = resE
	r.elecKWh = float64(resE*p[PResElecShare]) + float64(nonE*p[PNonResElecShare])
	r.gasKWh = r.energyKWh - r.elecKWh
	r.pvKWh = float64(c.Buildings[i].RoofArea*p[PRoofUsable]) * b.PVCoverage * p[PPVYield]
	r.co2Kg = float64(math.Max(0, r.elecKWh-r.pvKWh)*p[PGridCO2]) + float64(r.gasKWh*p[PGasCO2])
}

// zoneHousing holds a zone's housing market for one state.
type zoneHousing struct {
	dwellings, affordable float64
	households, residents float64
	marketRent            float64 // €/month for a market dwelling
	affordableRent        float64
	hhSize                float64
	income                lognormal // all households
	renterIncome          lognormal
}

// housingModel computes the housing market of every zone.
// access15 is the zone's 15-minute share in this state and in the baseline.
func housingModel(c *City, s *State, access15, access15Base []float64) []zoneHousing {
	p := &s.Params
	pr := c.prep()
	zs := make([]zoneHousing, len(c.Zones))
	for i := range s.Buildings {
		z := c.Buildings[i].Zone
		if z < 0 {
			continue
		}
		zs[z].dwellings += float64(s.Buildings[i].Dwellings)
		zs[z].affordable += float64(s.Buildings[i].Affordable)
	}
	for z := range zs {
		zn := &c.Zones[z]
		h := &zs[z]
		h.hhSize = zn.Population / math.Max(zn.Households, 1)
		growth := h.dwellings / math.Max(pr.zoneDw0[z], 1)
		h.households = zn.Households * growth
		h.residents = zn.Population * growth
		// Rent responds to the stock (supply) and to access (hedonic).
		rent := zn.RentEurMonth * math.Pow(math.Max(growth, 1e-6), p[PRentStockElasticity])
		if access15Base != nil && access15Base[z] > 0 {
			rent *= math.Pow(math.Max(access15[z], 1e-3)/access15Base[z], p[PRentAccessElasticity])
		}
		h.marketRent = rent
		size := rent / math.Max(zn.RentEurM2, 1) // m² of a typical dwelling on the market
		h.affordableRent = math.Min(rent, float64(p[PAffordableRentM2]*size))
		hhIncome := float64(zn.IncomePerCapita * h.hhSize)
		h.income = newLognormal(hhIncome, p[PIncomeSigma])
		h.renterIncome = newLognormal(float64(hhIncome*p[PRenterIncomeFactor]), p[PIncomeSigma])
	}
	return zs
}

// rentBurden returns the share of renting households paying more than 30% of income.
func (h *zoneHousing) rentBurden() float64 {
	aff := h.affordable / math.Max(h.dwellings, 1)
	burden := func(rent float64) float64 { return h.renterIncome.below(12 * rent / 0.3) }
	return float64((1-aff)*burden(h.marketRent)) + float64(aff*burden(h.affordableRent))
}

// displacementRisk is an index from 0 to 1 over the poorest 40% of renting
// households: each counts 0 when rent takes at most 30% of its income, 1 when
// it takes 80% or more, linearly between. The mean is taken by midpoint
// quadrature over 16 income quantiles.
func (h *zoneHousing) displacementRisk() float64 {
	aff := h.affordable / math.Max(h.dwellings, 1)
	risk := func(rent float64) float64 {
		var sum float64
		for k := 0; k < 16; k++ {
			q := 0.4 * (float64(k) + 0.5) / 16
			income := math.Exp(h.renterIncome.mu + h.renterIncome.sigma*math.Sqrt2*math.Erfinv(2*q-1))
			b := 12 * rent / income
			sum += math.Max(0, math.Min(1, (b-0.3)/0.5))
		}
		return sum / 16
	}
	return float64((1-aff)*risk(h.marketRent)) + float64(aff*risk(h.affordableRent))
}

// meanRent returns the mean monthly rent of a dwelling in the zone.
func (h *zoneHousing) meanRent() float64 {
	aff := h.affordable / math.Max(h.dwellings, 1)
	return float64((1-aff)*h.marketRent) + float64(aff*h.affordableRent)
}
