//go:build js && wasm

package main

import (
	"image/color"
	"math"

	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/wasm/proposal"
)

// layer is one choropleth of the map: a value per building or per street
// segment, read from a report.
type layer struct {
	name    string // the key the page translates: "layer.<name>"
	unit    string
	streets bool // coloured streets (else coloured buildings)
	perZone bool // a barri's value colours all its buildings
	// homes: the value scale's ends are the homes' (energy and CO₂ per
	// m²: offices and public buildings use about twice a home's, all
	// alike, and their end of the scale left the homes, which differ by
	// age and retrofit, in its bottom third; they show at its top end).
	homes bool
	pal   palette
	// value returns the layer's value for element i of report r, NaN where
	// it has none (a building without dwellings has no rent).
	value func(c *sim.City, r *sim.Report, i int) float64
}

var layers = append([]layer{
	{name: "plain"},
	{name: "rent", unit: "€/month", pal: viridis, value: func(c *sim.City, r *sim.Report, i int) float64 {
		b, ok := proposal.Building(r, i)
		if !ok || b.Dwellings == 0 {
			return math.NaN()
		}
		return b.Rent
	}},
	{name: "energy", unit: "kWh/m²·yr", homes: true, pal: viridis, value: perFloor(func(b sim.BuildingResult) float64 { return b.EnergyKWh })},
	{name: "pv", unit: "MWh/yr", pal: cividis, value: func(c *sim.City, r *sim.Report, i int) float64 {
		b, ok := proposal.Building(r, i)
		if !ok {
			return math.NaN()
		}
		return b.PVKWh / 1000
	}},
	// CO₂ per m² of floor, as energy: a map of totals would colour the
	// biggest buildings, not the ones that emit the most for their size (a
	// retrofit or solar roof shows on its own building either way).
	{name: "co2", unit: "kgCO2/m²·yr", homes: true, pal: cividis, value: perFloor(func(b sim.BuildingResult) float64 { return b.CO2Kg })},
	{name: "dwellings", unit: "dwellings", pal: viridis, value: func(c *sim.City, r *sim.Report, i int) float64 {
		b, ok := proposal.Building(r, i)
		if !ok {
			return math.NaN()
		}
		return float64(b.Dwellings)
	}},
	{name: "car_flow", unit: "veh/day", streets: true, pal: cividis, value: func(c *sim.City, r *sim.Report, i int) float64 {
		if i >= len(r.Streets) {
			return math.NaN()
		}
		return r.Streets[i].CarFlow
	}},
	{name: "vc", unit: "vc", streets: true, pal: cividis, value: func(c *sim.City, r *sim.Report, i int) float64 {
		if i >= len(r.Streets) {
			return math.NaN()
		}
		return r.Streets[i].VC
	}},
	{name: "car_share", unit: "%", perZone: true, pal: viridis, value: zoneValue("mobility.share.car")},
	{name: "access15", unit: "%", perZone: true, pal: viridis, value: zoneValue("access.15min_share")},
	{name: "rent_burden", unit: "%", perZone: true, pal: viridis, value: zoneValue("housing.rent_burden_share")},
}, walkLayers()...)

// walkLayers returns the layers of walking minutes from homes: to the
// farthest of the amenity kinds (what decides whether a home has everything
// within 15 minutes), then to each kind in sim.AmenityKinds order (a park
// edit moves only the walks to a park). The page groups the layers named
// walk and walk.<kind>.
func walkLayers() []layer {
	out := []layer{{name: "walk", unit: "min", pal: viridis, value: walkValue(-1)}}
	for k, kind := range sim.AmenityKinds {
		out = append(out, layer{name: "walk." + kind, unit: "min", pal: viridis, value: walkValue(k)})
	}
	return out
}

// walkValue colours homes by the walking minutes to the nearest amenity of
// kind k (in sim.AmenityKinds order), or with k < 0 by the longest of those
// walks. A building without homes has none: nobody walks from it.
func walkValue(k int) func(c *sim.City, r *sim.Report, i int) float64 {
	return func(c *sim.City, r *sim.Report, i int) float64 {
		b, ok := proposal.Building(r, i)
		if !ok || b.Dwellings == 0 {
			return math.NaN()
		}
		if k < 0 {
			m, _ := b.WalkMin.Longest()
			return m
		}
		return b.WalkMin[k]
	}
}

// perFloor colours each building by a result per m² of its floor, NaN
// where it has no floor area.
func perFloor(v func(b sim.BuildingResult) float64) func(c *sim.City, r *sim.Report, i int) float64 {
	return func(c *sim.City, r *sim.Report, i int) float64 {
		b, ok := proposal.Building(r, i)
		if !ok || c.Buildings[i].FloorArea <= 0 {
			return math.NaN()
		}
		return v(b) / c.Buildings[i].FloorArea
	}
}

// zoneValue colours each building by an indicator of its barri.
func zoneValue(key string) func(c *sim.City, r *sim.Report, i int) float64 {
	return func(c *sim.City, r *sim.Report, i int) float64 {
		z := c.Buildings[i].Zone
		if z < 0 || z >= len(r.Zones) {
			return math.NaN()
		}
		return r.Zones[z].Values.Get(key)
	}
}

func findLayer(name string) (int, bool) {
	for i, l := range layers {
		if l.name == name {
			return i, true
		}
	}
	return 0, false
}

// Colours of the plain map.
var (
	colBackground = color.RGBA{0xee, 0xeb, 0xe4, 255}
	colStreet     = color.RGBA{0xff, 0xff, 0xff, 255}
	colStreetCalm = color.RGBA{0xb9, 0xe0, 0xb0, 255}
	colStreetPed  = color.RGBA{0xf5, 0xe6, 0xa8, 255}
	colBikeLane   = color.RGBA{0x1a, 0x7f, 0x5a, 255}
	colNewPark    = color.RGBA{0x9c, 0xd4, 0x8c, 255} // a park the proposal makes (legend.park's swatch is the amenity's)
	colNoData     = color.RGBA{0xd0, 0xd0, 0xd0, 255}
	colGreyBld    = color.RGBA{0xd9, 0xd6, 0xd0, 255}
	colOutline    = color.RGBA{0x3a, 0x2a, 0x5c, 255}
	colStop       = color.RGBA{0xc0, 0x1f, 0x3a, 255}
	colSelect     = color.RGBA{0xe6, 0x00, 0x7e, 255}
	colDraw       = color.RGBA{0x00, 0x5a, 0xb5, 255}
	// amenityColours follow Okabe and Ito's colour-blind-safe set.
	amenityColours = map[string]color.RGBA{
		sim.KindSchool:  {0x00, 0x72, 0xb2, 255},
		sim.KindHealth:  {0xcc, 0x79, 0xa7, 255},
		sim.KindGrocery: {0xe6, 0x9f, 0x00, 255},
		sim.KindPark:    {0x00, 0x9e, 0x73, 255},
		sim.KindCulture: {0x56, 0xb4, 0xe9, 255},
		sim.KindSport:   {0xf0, 0xe4, 0x42, 255},
	}
	useColours = map[string]color.RGBA{
		sim.UseResidential: {0xd2, 0xc4, 0xb0, 255},
		sim.UseMixed:       {0xc9, 0xb4, 0x9a, 255},
		sim.UseOffice:      {0xb4, 0xbc, 0xc8, 255},
		sim.UseRetail:      {0xd9, 0xb8, 0xb0, 255},
		sim.UsePublic:      {0xc2, 0xcf, 0xb2, 255},
		sim.UseIndustrial:  {0xc0, 0xb8, 0xc8, 255},
	}
)
