package sim

import (
	"math"
)

// ParamDef describes one model parameter. docs/MODELS.md lists every one.
type ParamDef struct {
	Name     string
	Unit     string
	Default  float64
	Min, Max float64
	Source   string
}

// Param indexes a model parameter.
type Param int

// The model parameters. Keep this list and paramDefs in the same order.
const (
	PGridCO2 Param = iota
	PGasCO2
	PElecPrice
	PGasPrice
	PIntensityPre1940
	PIntensity1941to1979
	PIntensity1980to2006
	PIntensityPost2007
	PIntensityNonRes
	PResElecShare
	PNonResElecShare
	PRetrofitLight
	PRetrofitDeep
	PPVYield
	PRoofUsable
	PBaselinePVCoverage
	PDwellingM2
	PRenterShare
	PRenterIncomeFactor
	PIncomeSigma
	PRentStockElasticity
	PAffordableRentM2
	PRentAccessCoef
	PRentParkCoef
	PRentTransitCoef
	PRentNewPremium
	PResEnergyScale
	PJobM2Office
	PJobM2Retail
	PJobM2Public
	PJobM2Industrial
	PTripsPerPerson
	PTripsPerJob
	PExternalShare
	PExternalKm
	PThroughVehDay
	PGravityKm
	PWalkKmh
	PBikeKmh
	PBusKmh
	PMetroKmh
	PCarCostKm
	PValueOfTime
	PParkingEur
	PPTFare
	PBetaTime
	PWalkWeight
	PASCBike
	PASCPT
	PASCCar
	PBikeLaneBonusMin
	PSuperblockCarPenaltyMin
	PCalmWalkFactor
	PCarCO2
	PCarNOx
	PPeakShare
	PBPRAlpha
	PBPRBeta
	PCarOccupancy
	PAccessMinutes
	PDestLogsum
	PThroughElasticity
	PIncomeSigmaLow
	PWomenShare
	PWomenTripShare
	PGenderPT
	PGenderCar
	nParams
)

var paramDefs = [...]ParamDef{
	PGridCO2:                 {"grid_co2_kg_per_kwh", "kg CO2/kWh", 0.12, 0, 1.5, "Red Eléctrica 2023 (Q, D)"},
	PGasCO2:                  {"gas_co2_kg_per_kwh", "kg CO2/kWh", 0.20, 0, 0.5, "common value (U)"},
	PElecPrice:               {"elec_price_eur_kwh", "€/kWh", 0.20, 0, 2, "Spanish regulated tariff 2023 (U)"},
	PGasPrice:                {"gas_price_eur_kwh", "€/kWh", 0.09, 0, 2, "Spanish TUR tariff 2023 (U)"},
	PIntensityPre1940:        {"res_kwh_m2_pre1940", "kWh/m²·yr", 100, 10, 400, "range 100-150 (U), calibrated"},
	PIntensity1941to1979:     {"res_kwh_m2_1941_1979", "kWh/m²·yr", 120, 10, 400, "range 120-180 (U), calibrated"},
	PIntensity1980to2006:     {"res_kwh_m2_1980_2006", "kWh/m²·yr", 85, 10, 400, "range 80-120 (U), calibrated"},
	PIntensityPost2007:       {"res_kwh_m2_post2007", "kWh/m²·yr", 50, 10, 400, "range 40-70 (U)"},
	PIntensityNonRes:         {"nonres_kwh_m2", "kWh/m²·yr", 150, 10, 600, "ICAEN certificates ~200 primary (Q), final (D)"},
	PResElecShare:            {"res_elec_share", "share", 0.55, 0, 1, "IDAE SPAHOUSEC Mediterranean flats (U)"},
	PNonResElecShare:         {"nonres_elec_share", "share", 0.8, 0, 1, "(U)"},
	PRetrofitLight:           {"retrofit_light_saving", "share", 0.31, 0, 0.9, "CEVASA case (Q)"},
	PRetrofitDeep:            {"retrofit_deep_saving", "share", 0.60, 0, 0.95, "deep retrofit 50-75% (U)"},
	PPVYield:                 {"pv_kwh_per_m2_roof", "kWh/m²·yr", 151, 0, 400, "Barcelona solar map: 1,191 GWh / 7.9 km² (Q, D)"},
	PRoofUsable:              {"roof_usable_share", "share", 0.5, 0, 1, "(U)"},
	PBaselinePVCoverage:      {"baseline_pv_coverage", "share", 0.01, 0, 1, "(U)"},
	PDwellingM2:              {"dwelling_gross_m2", "m²", 95, 20, 400, "calibrated to households per barri"},
	PRenterShare:             {"renter_share", "share", 0.401, 0, 1, "Ajuntament survey 2020-21 (Q)"},
	PRenterIncomeFactor:      {"renter_income_factor", "ratio", 0.7816, 0.1, 2, "calibrated to rent burden 64.8% (IDRA, Q)"},
	PIncomeSigma:             {"income_sigma", "log-sd", 0.6, 0.05, 2, "~5-fold spread between barris (Q), (U)"},
	PRentStockElasticity:     {"rent_stock_elasticity", "ratio", -0.6, -3, 0, "demand elasticity -0.5..-0.8 (U)"},
	PAffordableRentM2:        {"affordable_rent_eur_m2", "€/m²·month", 8.5, 0, 40, "Barcelona protected rent (U)"},
	PRentAccessCoef:          {"rent_access_coef", "log-rent per share", 0.10, -2, 2, "hedonic: all six kinds within reach vs none (U)"},
	PRentParkCoef:            {"rent_park_coef", "log-rent per min", -0.004, -1, 1, "hedonic: minutes on foot to a park (U)"},
	PRentTransitCoef:         {"rent_transit_coef", "log-rent per min", -0.004, -1, 1, "hedonic: weighted minutes to board public transport (U)"},
	PRentNewPremium:          {"rent_new_build_premium", "log-rent", 0.08, -1, 1, "hedonic: built 2007 or later (U)"},
	PResEnergyScale:          {"res_energy_scale", "ratio", 0.5082, 0.1, 5, "calibrated to 7,544 kWh per household (IDAE SPAHOUSEC, Q)"},
	PJobM2Office:             {"job_m2_office", "m²/job", 20, 1, 1000, "(U)"},
	PJobM2Retail:             {"job_m2_retail", "m²/job", 35, 1, 1000, "shops and ground floors of mixed buildings (U)"},
	PJobM2Public:             {"job_m2_public", "m²/job", 40, 1, 1000, "(U)"},
	PJobM2Industrial:         {"job_m2_industrial", "m²/job", 60, 1, 1000, "(U)"},
	PTripsPerPerson:          {"trips_per_person_day", "trips", 4.11, 0, 10, "EMEF 2023 (Q)"},
	PTripsPerJob:             {"trips_per_job_day", "trips", 2.0, 0, 10, "inbound commute and return (U)"},
	PExternalShare:           {"external_trip_share", "share", 0.2432, 0, 1, "calibrated to 61.6% of trips under 2 km (EMEF 2023, Q)"},
	PExternalKm:              {"external_trip_km", "km", 14.18, 0.5, 50, "calibrated to the mean trip of 4.5 km (EMEF 2023, Q)"},
	PThroughVehDay:           {"through_vehicles_day", "vehicles/day", 60000, 0, 1e7, "(U)"},
	PGravityKm:               {"gravity_decay_km", "km", 1.4, 0.1, 20, "61.6% of trips < 2 km (Q, D)"},
	PWalkKmh:                 {"walk_kmh", "km/h", 4.8, 1, 10, "DataCentric (Q)"},
	PBikeKmh:                 {"bike_kmh", "km/h", 12.3, 3, 40, "BACC 2018-19 (Q)"},
	PBusKmh:                  {"bus_kmh", "km/h", 11.33, 3, 60, "(Q)"},
	PMetroKmh:                {"metro_kmh", "km/h", 27, 5, 100, "(U)"},
	PCarCostKm:               {"car_cost_eur_km", "€/km", 0.25, 0, 10, "(U)"},
	PValueOfTime:             {"value_of_time_eur_h", "€/h", 8.4, 0, 100, "CaixaBank Research 2008 (Q, D)"},
	PParkingEur:              {"parking_eur", "€/trip", 2.0, 0, 50, "(U)"},
	PPTFare:                  {"pt_fare_eur", "€/trip", 1.14, 0, 20, "T-casual 11.35 € / 10 trips, 2023 (Q)"},
	PBetaTime:                {"beta_time_per_min", "1/min", -0.05, -1, 0, "logit -0.02..-0.05 (U), calibrated"},
	PWalkWeight:              {"walk_wait_weight", "ratio", 1.5, 1, 5, "1.5-2.5 (U)"},
	PASCBike:                 {"asc_bike", "utility", -3.483, -10, 10, "calibrated to mode shares"},
	PASCPT:                   {"asc_pt", "utility", -0.8948, -10, 10, "calibrated to mode shares"},
	PASCCar:                  {"asc_car", "utility", -1.242, -10, 10, "calibrated to mode shares"},
	PBikeLaneBonusMin:        {"bike_lane_bonus_min", "min", 4, 0, 60, "(U)"},
	PSuperblockCarPenaltyMin: {"superblock_car_penalty_min", "min", 4, 0, 60, "(U)"},
	PCalmWalkFactor:          {"calm_walk_factor", "share", 0.2, 0, 0.9, "walking minutes on calmed streets feel this much shorter (U)"},
	PCarCO2:                  {"car_co2_g_km", "g/km", 160, 0, 1000, "fleet 150-170 (U)"},
	PCarNOx:                  {"car_nox_g_km", "g/km", 0.4, 0, 5, "ICCT fleet 0.3-0.5 (U)"},
	PPeakShare:               {"peak_hour_share", "share", 0.1, 0.01, 1, "(U)"},
	PBPRAlpha:                {"bpr_alpha", "ratio", 0.15, 0, 5, "FHWA (Q)"},
	PBPRBeta:                 {"bpr_beta", "exponent", 4, 1, 10, "FHWA (Q)"},
	PCarOccupancy:            {"car_occupancy", "persons", 1.2, 1, 5, "(U)"},
	PAccessMinutes:           {"access_minutes", "min", 15, 1, 60, "15-minute city"},
	PDestLogsum:              {"destination_logsum_coef", "ratio", 0.5, 0, 1, "how far destination choice follows the change of a trip's expected utility from free flow (U)"},
	PThroughElasticity:       {"through_time_elasticity", "ratio", -0.5, -2, 0, "through traffic per unit of through minutes; Goodwin 1996: -0.27 short run, -0.57 long run (Q, U)"},
	PIncomeSigmaLow:          {"income_sigma_low", "log-sd", 1.315, 0.05, 3, "below the mode of log-income; calibrated to 10% of households in energy poverty (9% Catalonia 2016, ACA; 11.5% in arrears, AMB 2024; Q)"},
	PWomenShare:              {"women_share", "share", 0.525, 0, 1, "women among residents, Padró municipal 2023 (U)"},
	PWomenTripShare:          {"women_trip_share", "share", 0.508, 0, 1, "women's share of trips: 9.55 of 18.80 million a day, EMEF 2015 (Q, D)"},
	PGenderPT:                {"gender_pt_asc", "utility", 0.0859, -5, 5, "women's public transport constant less men's; calibrated to the EMEF 2015 gap of 5.8 points (Q)"},
	PGenderCar:               {"gender_car_asc", "utility", -0.6152, -5, 5, "women's car constant less men's; calibrated to the EMEF 2015 gap of -10.1 points (Q)"},
}

// ParamDefs returns the parameter definitions in a fixed order.
func ParamDefs() []ParamDef { return paramDefs[:] }

// LookupParam finds a parameter by name.
func LookupParam(name string) (Param, bool) {
	for i, d := range paramDefs {
		if d.Name == name {
			return Param(i), true
		}
	}
	return 0, false
}

// Params holds one value per parameter. The zero value is not useful: use DefaultParams.
type Params [nParams]float64

// DefaultParams returns every parameter at its default.
func DefaultParams() Params {
	var p Params
	for i, d := range paramDefs {
		p[i] = d.Default
	}
	return p
}

// Set checks a value against the parameter's range and stores it. Its
// errors match ErrInvalid.
func (p *Params) Set(name string, v float64) error {
	i, ok := LookupParam(name)
	if !ok {
		return bad("name", "param.unknown", "unknown parameter %q (docs/MODELS.md lists them)", name)
	}
	d := paramDefs[i]
	if math.IsNaN(v) || math.IsInf(v, 0) || v < d.Min || v > d.Max {
		return bad("value", "param.range", "parameter %s = %v is outside %v..%v %v", name, v, d.Min, d.Max, unitWords(d.Unit))
	}
	p[i] = v
	return nil
}

// unitWords is a parameter's unit for an error's message: a unit in words
// as a message with a code, for a browser to translate; a unit of symbols
// (km/h, €/kWh) as it is.
func unitWords(u string) any {
	switch u {
	case "share":
		return msg("unit.share", "share")
	case "ratio":
		return msg("unit.ratio", "ratio")
	case "trips":
		return msg("unit.trips", "trips")
	case "persons":
		return msg("unit.persons", "persons")
	case "utility":
		return msg("unit.utility", "utility")
	case "exponent":
		return msg("unit.exponent", "exponent")
	case "log-sd":
		return msg("unit.log_sd", "log-sd")
	case "log-rent":
		return msg("unit.log_rent", "log-rent")
	case "log-rent per min":
		return msg("unit.log_rent_min", "log-rent per min")
	case "log-rent per share":
		return msg("unit.log_rent_share", "log-rent per share")
	case "vehicles/day":
		return msg("unit.vehicles_day", "vehicles/day")
	case "€/trip":
		return msg("unit.eur_trip", "€/trip")
	}
	return u
}
