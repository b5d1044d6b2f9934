package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/maps/importer"
)

func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "import [--zones Z.geojson] [--buildings B.geojson] [--osm F.osm|F.pbf | --streets S.geojson] [--stops F.geojson] [--amenities F.geojson] [--ages A.geojson] --out CITY.barri", stderr)
	var o importer.Options
	fs.StringVar(&o.Zones, "zones", "", "zones with statistics: GeoJSON polygons (`file`)")
	fs.StringVar(&o.Buildings, "buildings", "", "building footprints: GeoJSON polygons (`file`)")
	fs.StringVar(&o.OSM, "osm", "", "OpenStreetMap XML or PBF `file`: streets, and buildings, stops and amenities where not given")
	fs.StringVar(&o.Streets, "streets", "", "streets: GeoJSON lines with OSM tags (`file`)")
	fs.StringVar(&o.Stops, "stops", "", "transit stops: GeoJSON points (`file`)")
	fs.StringVar(&o.Amenities, "amenities", "", "amenities: GeoJSON points (`file`)")
	fs.StringVar(&o.Ages, "ages", "", "mean building age per area (census sections): GeoJSON polygons (`file`)")
	fs.StringVar(&o.Name, "name", "", "city `name` (default: the output file's name)")
	out := fs.String("out", "", "the city `file` to write (.barri)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return badInput("import takes flags only, not %q", pos[0])
	}
	if *out == "" {
		fs.Usage()
		return badInput("import needs --out CITY.barri")
	}
	if o.OSM != "" && o.Streets != "" {
		return badInput("import: give --osm or --streets, not both")
	}
	if o.OSM == "" && o.Streets == "" {
		fs.Usage()
		return badInput("import needs streets: --osm F.osm or --streets S.geojson")
	}
	if o.Name == "" {
		base := *out
		if i := strings.LastIndexAny(base, "/\\"); i >= 0 {
			base = base[i+1:]
		}
		o.Name = strings.TrimSuffix(base, ".barri")
	}
	c, rep, err := importer.Import(o)
	if err != nil {
		return usageError{err}
	}
	rep.Print(stdout)
	if err := maps.WriteCityFile(*out, c); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (city %q)\n", *out, c.Name)
	return nil
}
