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

// Baseline returns the baseline report of a city with the given parameters.
// The city keeps the last few; treat the report as read-only.
func Baseline(c *City, p Params) *Report {
	return c.baseline(p)
}

// Calibrate fits the free parameters of the models to the published
// Barcelona figures on city c, starting from p: the mode constants to the
// mode shares, the external trips to the trip lengths, the residential energy
// scale to the energy of a household, renters' incomes to the rent
// burden, and the lower tail of incomes to the energy poverty share. It returns the fitted parameters, the targets they reach, and the
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
var CalibratedParams = []Param{PASCBike, PASCPT, PASCCar, PExternalShare, PExternalKm, PResEnergyScale, PRenterIncomeFactor, PIncomeSigmaLow}

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
