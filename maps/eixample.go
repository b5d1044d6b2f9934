package maps

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/barri-city/barri/sim"
	"github.com/paulmach/orb"
)

// The Eixample is generated from the Cerdà plan. The grid runs at bearings
// 45° (sea-parallel streets, "rows") and 135° (mountain-to-sea streets,
// "columns") around an origin at lon 2.16, lat 41.39. Positions are metres
// along those axes: u grows towards the Besòs (north-east), v towards the sea
// (south-east). They were fitted to the OpenStreetMap streets of
// ../shared/data/osm (the Esquerra) and to the gaps between the building
// footprints of ../shared/data/buildings (the Dreta); TestEixampleFitsOSM
// checks the fit. Where the plan is regular the pitch is 133.4 m: a 113.3 m
// block and a 20 m street.
var (
	eixampleOrigin = orb.Point{2.16, 41.39}

	// eixampleColumns are the mountain-to-sea streets, from the Llobregat side
	// to the Besòs side. Their one-way directions follow the oneway tags of the
	// OpenStreetMap extract where it has them (Llançà to Casanova) and
	// alternate street by street beyond it; TestEixampleOneWaysMatchOSM
	// checks them. Cerdà numbered these streets; the index here is
	// Barri's own number for the same role.
	eixampleColumns = []gridLine{
		{"Carrer de Tarragona", -1786, 50, 1}, {"Carrer de Llançà", -1639, 20, -1}, {"Carrer de Vilamarí", -1504, 20, 1},
		{"Carrer d'Entença", -1370, 20, -1}, {"Carrer de Rocafort", -1238, 20, 1}, {"Carrer de Calàbria", -1104, 20, -1},
		{"Carrer de Viladomat", -971, 20, 1}, {"Carrer del Comte Borrell", -838, 20, 1}, {"Carrer del Comte d'Urgell", -705, 20, -1},
		{"Carrer de Villarroel", -568, 20, 1}, {"Carrer de Casanova", -436, 20, -1}, {"Carrer de Muntaner", -300, 20, 1},
		{"Carrer d'Aribau", -165, 20, -1}, {"Carrer d'Enric Granados", -32, 20, 1}, {"Carrer de Balmes", 101, 20, -1},
		{"Rambla de Catalunya", 289, 30, 0}, {"Passeig de Gràcia", 465, 60, 0}, {"Carrer de Pau Claris", 635, 20, 1},
		{"Carrer de Roger de Llúria", 771, 20, -1}, {"Carrer del Bruc", 904, 20, 1}, {"Carrer de Girona", 1038, 20, -1},
		{"Carrer de Bailèn", 1172, 20, 1}, {"Passeig de Sant Joan", 1304, 50, 0}, {"Carrer de Sicília", 1439, 20, 1},
		{"Carrer de Nàpols", 1571, 20, -1}, {"Carrer de Roger de Flor", 1706, 20, 1}, {"Carrer de Sardenya", 1839, 20, -1},
		{"Carrer de la Marina", 1972, 20, 1}, {"Carrer de Lepant", 2106, 20, -1}, {"Carrer de Padilla", 2239, 20, 1},
		{"Carrer de Castillejos", 2373, 20, -1}, {"Carrer de Dos de Maig", 2506, 20, 1}, {"Carrer de Cartagena", 2640, 20, -1},
	}

	// eixampleRows are the sea-parallel streets, from the mountain to the sea,
	// with directions from the same oneway tags (París to Floridablanca;
	// alternating beyond; Aragó is untagged there and kept two-way).
	// Cerdà lettered these; a row whose name changes along its length lists
	// the name west of u = 0 (the Esquerra) and east of it (the Dreta side).
	eixampleRows = []gridLine{
		{"Carrer de Buenos Aires", -948, 20, 1}, {"Carrer de Londres|Carrer de Sant Antoni Maria Claret", -815, 20, -1},
		{"Carrer de París|Carrer de la Indústria", -681, 20, 1}, {"Carrer de Còrsega", -550, 20, -1},
		{"Carrer del Rosselló", -416, 20, 1}, {"Carrer de Provença", -283, 20, -1}, {"Carrer de Mallorca", -150, 20, -1},
		{"Carrer de València", -15, 20, 1}, {"Carrer d'Aragó", 119, 30, 0}, {"Carrer del Consell de Cent", 252, 20, -1},
		{"Carrer de la Diputació", 386, 20, -1}, {"Gran Via de les Corts Catalanes", 530, 50, 0},
		{"Carrer de Sepúlveda|Carrer de Casp", 685, 20, -1}, {"Carrer de Floridablanca|Carrer d'Ausiàs Marc", 819, 20, 1},
		{"Carrer de Tamarit|Carrer d'Alí Bei", 953, 20, -1}, {"Carrer de Manso|", 1086, 20, 1},
	}

	// eixampleDiagonal is the Avinguda Diagonal: v = a + b·u in grid metres,
	// fitted to the barri boundaries that follow it.
	eixampleDiagonal = struct{ a, b, width float64 }{-997 + 0.4985*430, 0.4985, 50}

	// eixampleBlocks assigns the blocks of the grid to the six barris of the
	// Eixample: in the band below row Row, the blocks from column From to To
	// (both inclusive) belong to barri Code. Derived once from the barri
	// boundaries of Open Data BCN (a block belongs to the barri that holds its
	// centre); TestEixampleBlocksMatchBoundaries checks it against the file.
	eixampleBlocks = []blockRange{
		{"09", 0, 5, 6}, {"08", 0, 7, 11},
		{"09", 1, 4, 7}, {"08", 1, 8, 13}, {"06", 1, 26, 31},
		{"09", 2, 2, 7}, {"08", 2, 8, 13}, {"07", 2, 14, 14}, {"06", 2, 26, 31},
		{"09", 3, 1, 7}, {"08", 3, 8, 13}, {"07", 3, 14, 21}, {"06", 3, 26, 31},
		{"09", 4, 0, 7}, {"08", 4, 8, 13}, {"07", 4, 14, 23}, {"06", 4, 24, 31},
		{"09", 5, 0, 7}, {"08", 5, 8, 13}, {"07", 5, 14, 23}, {"06", 5, 24, 31},
		{"09", 6, 0, 7}, {"08", 6, 8, 13}, {"07", 6, 14, 23}, {"06", 6, 24, 31},
		{"09", 7, 0, 7}, {"08", 7, 8, 13}, {"07", 7, 14, 23}, {"05", 7, 24, 24}, {"06", 7, 25, 31},
		{"09", 8, 0, 7}, {"08", 8, 8, 13}, {"07", 8, 14, 23}, {"05", 8, 24, 26}, {"06", 8, 27, 31},
		{"09", 9, 0, 7}, {"08", 9, 8, 13}, {"07", 9, 14, 23}, {"05", 9, 24, 28}, {"06", 9, 29, 31},
		{"09", 10, 0, 7}, {"08", 10, 8, 13}, {"07", 10, 14, 23}, {"05", 10, 24, 30},
		{"10", 11, 0, 11}, {"07", 11, 13, 21}, {"05", 11, 22, 30},
		{"10", 12, 1, 10}, {"07", 12, 14, 21}, {"05", 12, 22, 29},
		{"10", 13, 2, 9}, {"07", 13, 14, 16}, {"07", 13, 18, 21}, {"05", 13, 22, 28},
		{"10", 14, 3, 7}, {"07", 14, 19, 21}, {"05", 14, 22, 27},
	}

	// eixampleZones are the six barris with their published statistics
	// (Open Data BCN via ../shared/data/housing/barris_indicators.geojson:
	// population 2023, households 2022, disposable income per person 2021,
	// rent of new contracts 2023; mean building year from the cadastre's mean
	// age per census section, 2020). TestEixampleZoneStatistics checks them.
	eixampleZones = []sim.Zone{
		{Code: "05", Name: "el Fort Pienc", Population: 34403, Households: 12880, IncomePerCapita: 22639.17, RentEurMonth: 1170.6, RentEurM2: 15.8, MeanBuildingYear: 1954.4},
		{Code: "06", Name: "la Sagrada Família", Population: 51712, Households: 21947, IncomePerCapita: 22217.44, RentEurMonth: 1078.55, RentEurM2: 16.2, MeanBuildingYear: 1952.5},
		{Code: "07", Name: "la Dreta de l'Eixample", Population: 44105, Households: 18660, IncomePerCapita: 27537.89, RentEurMonth: 1558.65, RentEurM2: 16.5, MeanBuildingYear: 1931.8},
		{Code: "08", Name: "l'Antiga Esquerra de l'Eixample", Population: 42751, Households: 18231, IncomePerCapita: 26502.48, RentEurMonth: 1310.8, RentEurM2: 16.15, MeanBuildingYear: 1937.2},
		{Code: "09", Name: "la Nova Esquerra de l'Eixample", Population: 57584, Households: 24647, IncomePerCapita: 25086.49, RentEurMonth: 1154.75, RentEurM2: 16.4, MeanBuildingYear: 1955.8},
		{Code: "10", Name: "Sant Antoni", Population: 38269, Households: 16247, IncomePerCapita: 22192.61, RentEurMonth: 1096.7, RentEurM2: 15.55, MeanBuildingYear: 1937.9},
	}
)

// eixampleStations are metro and rail stations at grid intersections
// (column name, row name), with their mode and peak headway in minutes.
var eixampleStations = []struct {
	name, col, row, mode string
	headway              float64
}{
	{"Rocafort", "Carrer de Rocafort", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Urgell", "Carrer del Comte d'Urgell", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Universitat", "Carrer d'Aribau", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Passeig de Gràcia", "Passeig de Gràcia", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Passeig de Gràcia (Rodalies)", "Passeig de Gràcia", "Carrer d'Aragó", sim.ModeRail, 6},
	{"Tetuan", "Passeig de Sant Joan", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Monumental", "Carrer de la Marina", "Gran Via de les Corts Catalanes", sim.ModeMetro, 4},
	{"Girona", "Carrer de Girona", "Carrer del Consell de Cent", sim.ModeMetro, 4},
	{"Verdaguer", "Passeig de Sant Joan", "Carrer de Provença", sim.ModeMetro, 4},
	{"Diagonal", "Passeig de Gràcia", "Carrer del Rosselló", sim.ModeMetro, 4},
	{"Provença (FGC)", "Carrer de Balmes", "Carrer de Provença", sim.ModeRail, 5},
	{"Hospital Clínic", "Carrer de Villarroel", "Carrer del Rosselló", sim.ModeMetro, 4},
	{"Entença", "Carrer d'Entença", "Carrer del Rosselló", sim.ModeMetro, 4},
	{"Tarragona", "Carrer de Tarragona", "Carrer d'Aragó", sim.ModeMetro, 4},
	{"Sagrada Família", "Carrer de la Marina", "Carrer de Provença", sim.ModeMetro, 4},
	{"Sant Antoni", "Carrer del Comte d'Urgell", "Carrer de Floridablanca|Carrer d'Ausiàs Marc", sim.ModeMetro, 4},
	{"Encants", "Carrer de Dos de Maig", "Carrer d'Aragó", sim.ModeMetro, 4},
}

// eixampleBusColumns and eixampleBusRows carry bus lines (Nova Xarxa style):
// a stop every second intersection, 8 minutes apart at peak.
var (
	eixampleBusColumns = []string{"Carrer d'Entença", "Carrer de Calàbria", "Carrer del Comte Borrell", "Carrer del Comte d'Urgell",
		"Carrer de Balmes", "Carrer de Pau Claris", "Carrer de Roger de Llúria", "Passeig de Sant Joan", "Carrer de Sardenya", "Carrer de la Marina"}
	eixampleBusRows = []string{"Carrer de Provença", "Carrer de València", "Carrer d'Aragó", "Carrer de la Diputació", "Gran Via de les Corts Catalanes"}
)

// eixampleParks are whole blocks that are public parks: (column, row band)
// of the block's west and north corner, and the park's name.
var eixampleParks = []struct {
	col, band int
	name      string
}{
	{0, 8, "Parc de Joan Miró"}, {1, 8, "Parc de Joan Miró"}, {0, 9, "Parc de Joan Miró"}, {1, 9, "Parc de Joan Miró"},
	{25, 5, "Plaça de Gaudí"}, {27, 5, "Plaça de la Sagrada Família"},
}

// eixampleTemple is the block of the Sagrada Família basilica: culture, no homes.
var eixampleTemple = [2]int{26, 5}

// eixampleMarkets are municipal food markets by block (column, band).
var eixampleMarkets = []struct {
	col, band int
	name      string
}{
	{7, 14, "Mercat de Sant Antoni"}, {9, 5, "Mercat del Ninot"}, {19, 7, "Mercat de la Concepció"},
	{28, 5, "Mercat de la Sagrada Família"}, {24, 11, "Mercat del Fort Pienc"},
}

type gridLine struct {
	name  string
	pos   float64
	width float64
	// dir is the direction cars may drive: +1 towards growing u or v (the
	// Besòs, the sea), -1 the other way, 0 both ways.
	dir int
}

type blockRange struct {
	code          string
	row, from, to int
}

// nameAt returns the street name of a row at position u ("" where none).
func (g gridLine) nameAt(u float64) string {
	for i := 0; i < len(g.name); i++ {
		if g.name[i] == '|' {
			if u < 0 {
				return g.name[:i]
			}
			return g.name[i+1:]
		}
	}
	return g.name
}

// uvToXY turns grid metres into projected metres east and north of the origin.
func uvToXY(u, v float64) orb.Point {
	s := math.Sqrt2 / 2
	u, v = float64(u), float64(v) // round the arguments: callers' products must not fuse into the sums below
	return orb.Point{(u + v) * s, (u - v) * s}
}

// xyToUV is the inverse of uvToXY.
func xyToUV(p orb.Point) (u, v float64) {
	s := math.Sqrt2 / 2
	return (p[0] + p[1]) * s, (p[0] - p[1]) * s
}

// diagonalV returns the v of the Diagonal's axis at u.
func diagonalV(u float64) float64 { return eixampleDiagonal.a + float64(eixampleDiagonal.b*u) }

// diagonalSide returns the signed perpendicular distance of (u, v) from the
// Diagonal's axis (positive on the sea side).
func diagonalSide(u, v float64) float64 {
	return (float64(v) - diagonalV(u)) / math.Sqrt(1+float64(eixampleDiagonal.b*eixampleDiagonal.b))
}

// EixampleBlockZone returns the barri code of the block east of column col
// and south of row row, or "" when the block is not in the Eixample.
func EixampleBlockZone(col, row int) string {
	for _, r := range eixampleBlocks {
		if r.row == row && col >= r.from && col <= r.to {
			return r.code
		}
	}
	return ""
}

// EixampleBlockKey names a block by Cerdà-style coordinates: the row's letter
// and the column's number, e.g. "K17".
func EixampleBlockKey(col, row int) string {
	return string(rune('A'+row)) + itoa(col+1)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Eixample generates the built-in Eixample city. It is deterministic.
func Eixample() *sim.City {
	const seed = 1859 // the year Cerdà's plan was approved
	rng := rand.New(rand.NewPCG(seed, 0x45495841))
	zoneIdx := map[string]int{}
	zones := make([]sim.Zone, len(eixampleZones))
	copy(zones, eixampleZones)
	for i, z := range zones {
		zoneIdx[z.Code] = i
	}
	cols, rows := eixampleColumns, eixampleRows
	nc, nr := len(cols)-1, len(rows)-1
	blockZone := func(i, j int) int {
		if i < 0 || j < 0 || i >= nc || j >= nr {
			return -1
		}
		if code := EixampleBlockZone(i, j); code != "" {
			return zoneIdx[code]
		}
		return -1
	}
	isPark := func(i, j int) string {
		for _, p := range eixampleParks {
			if p.col == i && p.band == j {
				return p.name
			}
		}
		return ""
	}

	// Buildings: perimeter blocks of corner and side plots around a courtyard.
	var buildings []sim.Building
	var amenities []sim.Amenity
	zoneRes := make([]float64, len(zones))
	zoneBlocks := make([][]orb.Polygon, len(zones))
	const depth, chamfer = 24.0, 14.1
	for j := 0; j < nr; j++ {
		for i := 0; i < nc; i++ {
			z := blockZone(i, j)
			if z < 0 {
				continue
			}
			u0, u1 := cols[i].pos+float64(cols[i].width/2), cols[i+1].pos-float64(cols[i+1].width/2)
			v0, v1 := rows[j].pos+float64(rows[j].width/2), rows[j+1].pos-float64(rows[j+1].width/2)
			cu, cv := (u0+u1)/2, (v0+v1)/2
			side := diagonalSide(cu, cv)
			keep := func(ring orb.Ring) bool {
				for _, p := range ring {
					u, v := xyToUV(p)
					d := diagonalSide(u, v)
					if math.Abs(d) < eixampleDiagonal.width/2 || (d > 0) != (side > 0) {
						return false
					}
				}
				return true
			}
			blockRing := uvRing([][2]float64{{u0 + chamfer, v0}, {u1 - chamfer, v0}, {u1, v0 + chamfer}, {u1, v1 - chamfer},
				{u1 - chamfer, v1}, {u0 + chamfer, v1}, {u0, v1 - chamfer}, {u0, v0 + chamfer}})
			zoneBlocks[z] = append(zoneBlocks[z], orb.Polygon{blockRing})
			key := EixampleBlockKey(i, j)
			if name := isPark(i, j); name != "" {
				amenities = append(amenities, sim.Amenity{Name: name, Kind: sim.KindPark, P: uvToXY(cu, cv),
					Area: float64((u1 - u0) * (v1 - v0))})
				continue
			}
			if i == eixampleTemple[0] && j == eixampleTemple[1] {
				amenities = append(amenities, sim.Amenity{Name: "Basílica de la Sagrada Família", Kind: sim.KindCulture, P: uvToXY(cu, cv)})
				continue
			}
			for _, plot := range blockPlots(u0, u1, v0, v1, depth, chamfer) {
				if !keep(plot) {
					continue
				}
				floors := 6 + rng.IntN(3) // ground floor + 5 to 7 upper floors
				if rng.Float64() < 0.15 {
					floors-- // older, lower buildings among the rest
				}
				fp := sim.PolygonArea(orb.Polygon{plot})
				use := sim.UseMixed
				x := rng.Float64()
				officeShare := 0.06
				if zones[z].Code == "07" {
					officeShare = 0.2
				}
				switch {
				case x < officeShare:
					use = sim.UseOffice
				case x < officeShare+0.03:
					use = sim.UsePublic
				case x < officeShare+0.13:
					use = sim.UseResidential
				}
				year := int(math.Round(zones[z].MeanBuildingYear + float64(normal(rng)*25)))
				year = max(1860, min(2020, year))
				b := sim.Building{Footprint: orb.Polygon{plot}, Floors: floors, FloorArea: fp * float64(floors), Use: use,
					Year: year, RoofArea: fp, Zone: z}
				buildings = append(buildings, b)
				zoneRes[z] += residentialArea(&b)
			}
			// Amenities of daily life, placed in the courtyard or at a corner.
			place := func(kind, name string, p float64) {
				if rng.Float64() < p {
					amenities = append(amenities, sim.Amenity{Name: name + " " + key, Kind: kind,
						P: uvToXY(u0+float64(depth/2)+float64(rng.Float64()*(u1-u0-depth)), v0+float64(depth/2)+float64(rng.Float64()*(v1-v0-depth)))})
				}
			}
			place(sim.KindGrocery, "Supermercat", 0.45)
			place(sim.KindSchool, "Escola", 0.22)
			place(sim.KindHealth, "Centre de salut", 0.04)
			place(sim.KindCulture, "Biblioteca / centre cívic", 0.05)
			place(sim.KindSport, "Equipament esportiu", 0.04)
			if rng.Float64() < 0.15 { // an interior garden opened to the public
				amenities = append(amenities, sim.Amenity{Name: "Interior d'illa " + key, Kind: sim.KindPark,
					P: uvToXY(cu, cv), Area: 1200 + float64(rng.Float64()*1200)})
			}
		}
	}
	for _, m := range eixampleMarkets {
		if blockZone(m.col, m.band) < 0 {
			continue
		}
		cu := (cols[m.col].pos + cols[m.col+1].pos) / 2
		cv := (rows[m.band].pos + rows[m.band+1].pos) / 2
		amenities = append(amenities, sim.Amenity{Name: m.name, Kind: sim.KindGrocery, P: uvToXY(cu, cv)})
	}

	// Dwellings: each zone's residential floor area holds its households at
	// 90% occupancy (Barcelona's census counts ~10% of homes empty or secondary).
	for i := range buildings {
		b := &buildings[i]
		res := residentialArea(b)
		m2 := zoneRes[b.Zone] / (zones[b.Zone].Households / 0.9)
		b.Dwellings = int(math.Round(res / m2))
	}
	for z := range zones {
		zones[z].Boundary = orb.MultiPolygon(zoneBlocks[z])
	}

	nodes, segments := eixampleStreets(blockZone)
	stops := eixampleStops(nodes, segments)
	c, err := sim.NewCity("eixample", eixampleOrigin, zones, buildings, nodes, segments, stops, amenities)
	if err != nil {
		panic("maps: the built-in Eixample is inconsistent: " + err.Error())
	}
	return c
}

func uvRing(pts [][2]float64) orb.Ring {
	r := make(orb.Ring, 0, len(pts)+1)
	for _, p := range pts {
		r = append(r, uvToXY(p[0], p[1]))
	}
	return append(r, r[0])
}

// blockPlots divides a perimeter block into four chamfered corner plots and
// side plots about 16 m wide, all depth metres deep.
func blockPlots(u0, u1, v0, v1, depth, ch float64) []orb.Ring {
	var out []orb.Ring
	out = append(out,
		uvRing([][2]float64{{u0 + ch, v0}, {u0 + depth, v0}, {u0 + depth, v0 + depth}, {u0, v0 + depth}, {u0, v0 + ch}}),
		uvRing([][2]float64{{u1 - depth, v0}, {u1 - ch, v0}, {u1, v0 + ch}, {u1, v0 + depth}, {u1 - depth, v0 + depth}}),
		uvRing([][2]float64{{u1 - depth, v1 - depth}, {u1, v1 - depth}, {u1, v1 - ch}, {u1 - ch, v1}, {u1 - depth, v1}}),
		uvRing([][2]float64{{u0, v1 - depth}, {u0 + depth, v1 - depth}, {u0 + depth, v1}, {u0 + ch, v1}, {u0, v1 - ch}}),
	)
	side := func(a0, a1 float64, f func(a, b float64) orb.Ring) {
		n := max(1, int(math.Round((a1-a0)/16)))
		w := (a1 - a0) / float64(n)
		for k := 0; k < n; k++ {
			out = append(out, f(a0+float64(float64(k)*w), a0+float64(float64(k+1)*w)))
		}
	}
	side(u0+depth, u1-depth, func(a, b float64) orb.Ring { // sea-parallel side, mountain edge
		return uvRing([][2]float64{{a, v0}, {b, v0}, {b, v0 + depth}, {a, v0 + depth}})
	})
	side(u0+depth, u1-depth, func(a, b float64) orb.Ring {
		return uvRing([][2]float64{{a, v1 - depth}, {b, v1 - depth}, {b, v1}, {a, v1}})
	})
	side(v0+depth, v1-depth, func(a, b float64) orb.Ring {
		return uvRing([][2]float64{{u0, a}, {u0 + depth, a}, {u0 + depth, b}, {u0, b}})
	})
	side(v0+depth, v1-depth, func(a, b float64) orb.Ring {
		return uvRing([][2]float64{{u1 - depth, a}, {u1, a}, {u1, b}, {u1 - depth, b}})
	})
	return out
}

// streetProfile gives lanes, free-flow speed, class and a baseline bike lane by name.
func streetProfile(name string) (lanes int, speed float64, class string, bike bool) {
	switch name {
	case "Gran Via de les Corts Catalanes":
		return 8, 35, sim.ClassPrimary, false
	case "Avinguda Diagonal":
		return 6, 35, sim.ClassPrimary, true
	case "Carrer d'Aragó":
		return 5, 35, sim.ClassPrimary, false
	case "Passeig de Gràcia":
		return 4, 30, sim.ClassSecondary, false
	case "Passeig de Sant Joan":
		return 2, 25, sim.ClassSecondary, true
	case "Carrer de Tarragona":
		return 4, 35, sim.ClassPrimary, false
	case "Rambla de Catalunya":
		return 2, 20, sim.ClassResidential, false // one lane each side of the promenade
	case "Carrer d'Enric Granados":
		return 1, 20, sim.ClassResidential, true
	case "Carrer de la Diputació", "Carrer del Consell de Cent", "Carrer de Provença", "Carrer de Girona",
		"Carrer de Viladomat", "Carrer del Comte d'Urgell", "Carrer de Sardenya":
		return 3, 30, sim.ClassSecondary, true
	}
	return 3, 30, sim.ClassSecondary, false
}

// eixampleStreets builds the street graph: every grid street between two
// crossings where it borders a block of the Eixample, and the Diagonal.
func eixampleStreets(blockZone func(i, j int) int) ([]sim.Node, []sim.Segment) {
	cols, rows := eixampleColumns, eixampleRows
	type key struct{ a, b int } // line ids: columns 0.., rows 100.., the Diagonal 1000
	const rowBase, diag = 100, 1000
	nodeIdx := map[key]int{}
	var nodes []sim.Node
	node := func(k key, p orb.Point) int {
		if k.a > k.b {
			k.a, k.b = k.b, k.a
		}
		if id, ok := nodeIdx[k]; ok {
			return id
		}
		nodeIdx[k] = len(nodes)
		nodes = append(nodes, sim.Node{P: p})
		return len(nodes) - 1
	}
	bandOf := func(v float64, lines []gridLine) int {
		for j := 0; j+1 < len(lines); j++ {
			if v >= lines[j].pos && v < lines[j+1].pos {
				return j
			}
		}
		return -1
	}
	var segs []sim.Segment
	type crossing struct {
		t    float64
		line int
	}
	addLine := func(line int, name func(t float64) string, at func(t float64) orb.Point, cr []crossing, adjacent func(t0, t1 float64) bool, dir int) {
		sort.Slice(cr, func(a, b int) bool { return cr[a].t < cr[b].t })
		for k := 0; k+1 < len(cr); k++ {
			t0, t1 := cr[k].t, cr[k+1].t
			if !adjacent(t0, t1) {
				continue
			}
			nm := name((t0 + t1) / 2)
			if nm == "" {
				continue
			}
			a := node(key{line, cr[k].line}, at(t0))
			b := node(key{line, cr[k+1].line}, at(t1))
			lanes, speed, class, bike := streetProfile(nm)
			from, to := a, b
			if dir < 0 {
				from, to = b, a
			}
			oneway := dir != 0
			segs = append(segs, sim.Segment{Name: nm, Class: class, From: from, To: to, Lanes: lanes, SpeedKmh: speed,
				Capacity: float64(lanes) * 700, BikeLane: bike, CarAccess: sim.CarFull, Oneway: oneway})
		}
	}
	// Diagonal crossing positions on each line.
	diagOnCol := func(i int) float64 { return diagonalV(cols[i].pos) }
	diagOnRow := func(j int) float64 { return (rows[j].pos - eixampleDiagonal.a) / eixampleDiagonal.b }
	for i := range cols {
		var cr []crossing
		for j := range rows {
			cr = append(cr, crossing{rows[j].pos, rowBase + j})
		}
		if v := diagOnCol(i); v > rows[0].pos && v < rows[len(rows)-1].pos {
			cr = append(cr, crossing{v, diag})
		}
		ii := i
		addLine(i, func(float64) string { return cols[ii].name }, func(t float64) orb.Point { return uvToXY(cols[ii].pos, t) }, cr,
			func(t0, t1 float64) bool {
				j := bandOf((t0+t1)/2, rows)
				return j >= 0 && (blockZone(ii-1, j) >= 0 || blockZone(ii, j) >= 0)
			}, cols[i].dir)
	}
	for j := range rows {
		var cr []crossing
		for i := range cols {
			cr = append(cr, crossing{cols[i].pos, i})
		}
		if u := diagOnRow(j); u > cols[0].pos && u < cols[len(cols)-1].pos {
			cr = append(cr, crossing{u, diag})
		}
		jj := j
		addLine(rowBase+j, func(t float64) string { return rows[jj].nameAt(t) }, func(t float64) orb.Point { return uvToXY(t, rows[jj].pos) }, cr,
			func(t0, t1 float64) bool {
				i := bandOf((t0+t1)/2, cols)
				return i >= 0 && (blockZone(i, jj-1) >= 0 || blockZone(i, jj) >= 0)
			}, rows[j].dir)
	}
	// The Diagonal: from each crossing to the next, where a block lies near.
	var cr []crossing
	for i := range cols {
		if v := diagOnCol(i); v > rows[0].pos && v < rows[len(rows)-1].pos {
			cr = append(cr, crossing{cols[i].pos, i})
		}
	}
	for j := range rows {
		if u := diagOnRow(j); u > cols[0].pos && u < cols[len(cols)-1].pos {
			cr = append(cr, crossing{u, rowBase + j})
		}
	}
	addLine(diag, func(float64) string { return "Avinguda Diagonal" }, func(t float64) orb.Point { return uvToXY(t, diagonalV(t)) }, cr,
		func(t0, t1 float64) bool {
			u := (t0 + t1) / 2
			i, j := bandOf(u, cols), bandOf(diagonalV(u), rows)
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					if blockZone(i+di, j+dj) >= 0 {
						return true
					}
				}
			}
			return false
		}, 0)
	return nodes, segs
}

// eixampleStops places the metro and rail stations and the bus stops.
func eixampleStops(nodes []sim.Node, segs []sim.Segment) []sim.Stop {
	cross := func(col, row string) (orb.Point, bool) {
		ci, ri := -1, -1
		for i, c := range eixampleColumns {
			if c.name == col {
				ci = i
			}
		}
		for j, r := range eixampleRows {
			if r.name == row || r.nameAt(-1) == row || r.nameAt(1) == row {
				ri = j
			}
		}
		if ci < 0 || ri < 0 {
			return orb.Point{}, false
		}
		return uvToXY(eixampleColumns[ci].pos, eixampleRows[ri].pos), true
	}
	var stops []sim.Stop
	for _, s := range eixampleStations {
		p, ok := cross(s.col, s.row)
		if !ok {
			panic("maps: station " + s.name + " names an unknown street")
		}
		stops = append(stops, sim.Stop{Name: s.name, Mode: s.mode, P: p, HeadwayMin: s.headway})
	}
	// Bus stops: on bus streets, at every second node along the street.
	onBus := map[string]bool{}
	for _, n := range eixampleBusColumns {
		onBus[n] = true
	}
	for _, n := range eixampleBusRows {
		onBus[n] = true
	}
	seen := map[int]bool{}
	for _, s := range segs {
		if !onBus[s.Name] || seen[s.From] {
			continue
		}
		u, v := xyToUV(nodes[s.From].P)
		if (int(math.Round(u/133.4))+int(math.Round(v/133.4)))%2 != 0 {
			continue
		}
		seen[s.From] = true
		stops = append(stops, sim.Stop{Name: "Bus " + s.Name, Mode: sim.ModeBus, P: nodes[s.From].P, HeadwayMin: 8})
	}
	return stops
}
