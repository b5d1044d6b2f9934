package sim

import (
	"fmt"
	"github.com/barri-city/barri/sim/detmath"
	"math"
)

// Target is one published figure the baseline should reproduce.
type Target struct {
	Name      string
	Published float64
	Model     float64
	// Tolerance is absolute when Points is true (shares, in points of 0..1),
	// else relative.
	Tolerance float64
	Points    bool
	Source    string
}

// Met reports whether the model is within tolerance of the published figure.
func (t Target) Met() bool {
	if t.Points {
		return math.Abs(t.Model-t.Published) <= t.Tolerance
	}
	return math.Abs(t.Model-t.Published) <= t.Tolerance*math.Abs(t.Published)
}

// Published Barcelona figures (../shared/guides/CALIBRATION.md).
const (
	targetWalk, targetPT, targetCar, targetBike = 0.421, 0.342, 0.199, 0.038
	targetTripsPerPerson                        = 4.11
	targetTripKm                                = 4.5
	targetTripMin                               = 20.7
	targetShortShare                            = 0.616
	targetHouseholdKWh                          = 7544
	targetPVPerM2                               = 151
	targetRentBurden                            = 0.648
	// targetEnergyPoverty: households spending more than 10% of income on
	// energy; between the 9% unable to keep the home warm (Catalonia 2016,
	// ACA) and the 11.5% in arrears on utility bills (vulnerable areas of the
	// metropolitan area, AMB and Institut Metròpoli 2024).
	targetEnergyPoverty = 0.10
	// Women's share of trips less men's, points of 0..1: on foot or by bike
	// 51.6% vs 47.3%, public transport 21.4% vs 15.6%, private vehicle 27.0%
	// vs 37.1% (EMEF 2015, Barcelona region).
	targetGapActive, targetGapPT, targetGapCar = 0.516 - 0.473, 0.214 - 0.156, 0.270 - 0.371
)

// Targets compares a baseline report of city c with the published figures.
func Targets(c *City, r *Report) []Target {
	d := r.diag
	v := r.City
	ts := []Target{
		{"mode share: walk", targetWalk, v[iShare+mWalk], 0.03, true, "Pacte per la Mobilitat 2024"},
		{"mode share: public transport", targetPT, v[iShare+mPT], 0.03, true, "Pacte per la Mobilitat 2024"},
		{"mode share: car and motorbike", targetCar, v[iShare+mCar], 0.03, true, "Pacte per la Mobilitat 2024"},
		{"mode share: bike and scooter", targetBike, v[iShare+mBike], 0.03, true, "Pacte per la Mobilitat 2024"},
		{"trips per person per day", targetTripsPerPerson, d.resTrips / max(d.residents, 1), 0.10, false, "EMEF 2023"},
		{"mean trip length (km)", targetTripKm, d.tripKm / max(d.resTrips, 1), 0.15, false, "EMEF 2023"},
		{"share of trips under 2 km", targetShortShare, d.shortTrips / max(d.resTrips, 1), 0.05, true, "EMEF 2023"},
		{"mean trip time (min)", targetTripMin, v[iTripMin], 0.25, false, "EMEF 2023 (door to door)"},
		{"residential energy per household (kWh/yr)", targetHouseholdKWh, d.resKWh / max(d.households, 1), 0.15, false, "IDAE SPAHOUSEC, Mediterranean flats"},
		{"renters paying > 30% of income on rent", targetRentBurden, v[iRentBurden], 0.05, true, "IDRA"},
		{"women less men: share on foot or by bike", targetGapActive, genderGap(r, mWalk, mBike), 0.02, true, "EMEF 2015 (region)"},
		{"women less men: share by public transport", targetGapPT, genderGap(r, mPT), 0.02, true, "EMEF 2015 (region)"},
		{"women less men: share by car and motorbike", targetGapCar, genderGap(r, mCar), 0.02, true, "EMEF 2015 (region)"},
		{"households spending > 10% of income on energy", targetEnergyPoverty, v[iEnergyPoverty], 0.01, true, "ACA 2016 (9%), AMB 2024 (11.5%)"},
	}
	if d.roofUsable > 0 {
		ts = append(ts, Target{"PV per m² of usable roof (kWh/yr)", targetPVPerM2, d.pvKWh / d.roofUsable, 0.15, false, "Barcelona solar map"})
	}
	for z, zone := range c.Zones {
		if zone.RentEurMonth <= 0 {
			continue
		}
		ts = append(ts, Target{"rent: " + zone.Name + " (€/month)", zone.RentEurMonth, r.Zones[z].Values[iRent], 0.10, false, "Open Data BCN, INCASÒL deposits"})
	}
	return ts
}

// genderShare returns the share of women's (k = 0) or men's (k = 1) trips by the given modes.
func genderShare(r *Report, k int, modes ...int) float64 {
	var n float64
	for _, m := range modes {
		n += r.diag.genModes[k][m]
	}
	return n / max(r.diag.genTrips[k], 1e-9)
}

// genderGap returns women's share of trips by the given modes less men's.
func genderGap(r *Report, modes ...int) float64 {
	return genderShare(r, 0, modes...) - genderShare(r, 1, modes...)
}

// Baseline returns the baseline report of a city with the given parameters.
// The city keeps the last few; treat the report as read-only.
func Baseline(c *City, p Params) *Report {
	return c.baseline(p)
}

// Calibrate fits the free parameters of the models to the published
// Barcelona figures on city c, starting from p: the mode constants to the
// mode shares, the external trips to the trip lengths, the residential energy
// scale to the energy of a household, renters' incomes to the rent
// burden, the lower tail of incomes to the energy poverty share, and the gender
// constants to the gaps between women's and men's mode shares. It returns the fitted parameters, the targets they reach, and the
// number of iterations. It is deterministic.
func Calibrate(c *City, p Params) (Params, []Target, int) {
	probit := func(x float64) float64 {
		x = min(max(x, 1e-6), 1-1e-6)
		return float64(math.Sqrt2 * detmath.Erfinv(float64(2*x)-1))
	}
	var r *Report
	it := 0
	for ; it < 60; it++ {
		r = Compute(NewState(c, p), nil) // a new set of parameters each time: not worth keeping

		d := r.diag
		v := r.City
		old := p
		// Mode constants: walking is the reference.
		lw := detmath.Log(targetWalk / max(v[iShare+mWalk], 1e-9))
		p[PASCBike] += detmath.Log(targetBike/max(v[iShare+mBike], 1e-9)) - lw
		p[PASCPT] += detmath.Log(targetPT/max(v[iShare+mPT], 1e-9)) - lw
		p[PASCCar] += detmath.Log(targetCar/max(v[iShare+mCar], 1e-9)) - lw
		// External trips: their share sets the short trips, their length the mean.
		e := p[PExternalShare]
		shortInternal := d.shortTrips / max(d.resTrips, 1) / (1 - e)
		if shortInternal > targetShortShare {
			p[PExternalShare] = min(0.9, max(0.05, 1-targetShortShare/shortInternal))
		}
		meanKm := d.tripKm / max(d.resTrips, 1)
		p[PExternalKm] = min(50, max(0.5, p[PExternalKm]+(targetTripKm-meanKm)/p[PExternalShare]))
		// Energy: the scale that gives a household its published demand.
		hhKWh := d.resKWh / max(d.households, 1)
		p[PResEnergyScale] = min(5, max(0.1, p[PResEnergyScale]*targetHouseholdKWh/max(hhKWh, 1)))
		// Renters' income: shift the log-income by the probit gap of the burden.
		gap := probit(v[iRentBurden]) - probit(targetRentBurden)
		p[PRenterIncomeFactor] = min(2, max(0.1, p[PRenterIncomeFactor]*detmath.Exp(p[PIncomeSigma]*gap)))
		// Energy poverty: widen or narrow the lower tail of incomes so that
		// the probit of the share moves to the target's (it scales about as
		// 1/income_sigma_low).
		if pm := probit(v[iEnergyPoverty]); pm < 0 {
			p[PIncomeSigmaLow] = min(3, max(0.05, p[PIncomeSigmaLow]*pm/probit(targetEnergyPoverty)))
		}
		// Gender constants: each gender's log-ratio of target to model share,
		// public transport and car against walking and cycling, women's
		// less men's. The targets are the city's shares split by the gaps.
		w := p[PWomenTripShare]
		fit := func(gapM, gapA float64, modes ...int) float64 {
			var g [2]float64
			for k, sign := range [2]float64{1 - w, -w} {
				cityM := float64(genderShare(r, 0, modes...)*w) + float64(genderShare(r, 1, modes...)*(1-w))
				cityA := float64(genderShare(r, 0, mWalk, mBike)*w) + float64(genderShare(r, 1, mWalk, mBike)*(1-w))
				g[k] = detmath.Log(max(cityM+float64(sign*gapM), 1e-6)/max(genderShare(r, k, modes...), 1e-9)) -
					detmath.Log(max(cityA+float64(sign*gapA), 1e-6)/max(genderShare(r, k, mWalk, mBike), 1e-9))
			}
			return g[0] - g[1]
		}
		p[PGenderPT] = min(5, max(-5, p[PGenderPT]+fit(targetGapPT, targetGapActive, mPT)))
		p[PGenderCar] = min(5, max(-5, p[PGenderCar]+fit(targetGapCar, targetGapActive, mCar)))
		if maxChange(old, p) < 1e-7 {
			break
		}
	}
	r = Compute(NewState(c, p), nil)
	return p, Targets(c, r), it + 1
}

func maxChange(a, b Params) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i])/max(1e-9, math.Abs(a[i])))
	}
	return m
}

// CalibratedParams lists the parameters Calibrate fits.
var CalibratedParams = []Param{PASCBike, PASCPT, PASCCar, PExternalShare, PExternalKm, PResEnergyScale, PRenterIncomeFactor, PIncomeSigmaLow, PGenderPT, PGenderCar}

// String formats a target row.
func (t Target) String() string {
	ok := "ok"
	if !t.Met() {
		ok = "MISSED"
	}
	tol := fmt.Sprintf("±%.0f%%", t.Tolerance*100)
	if t.Points {
		tol = fmt.Sprintf("±%.0f pts", t.Tolerance*100)
	}
	return fmt.Sprintf("%-46s %12.4g %12.4g %9s  %s", t.Name, t.Published, t.Model, tol, ok)
}
