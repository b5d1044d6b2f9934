package main

import (
	"fmt"
	"io"
	"os"
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
	// The output must not be one of the inputs (it would be overwritten), nor
	// a FIFO or a device.
	if st, err := os.Stat(*out); err == nil {
		if !st.Mode().IsRegular() {
			return badInput("import: --out %s is not a regular file (%s): give the path of a city file to write", *out, st.Mode().Type())
		}
		for _, in := range []struct{ flag, path string }{{"--zones", o.Zones}, {"--buildings", o.Buildings}, {"--osm", o.OSM},
			{"--streets", o.Streets}, {"--stops", o.Stops}, {"--amenities", o.Amenities}, {"--ages", o.Ages}} {
			if in.path == "" {
				continue
			}
			if ist, err := os.Stat(in.path); err == nil && os.SameFile(st, ist) {
				return badInput("import: --out %s is an input (%s %s): writing the city there would destroy it; give another --out", *out, in.flag, in.path)
			}
		}
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
	fmt.Fprintf(stdout, "wrote %s (city %s)\n", *out, maps.ShortName(c.Name))
	return nil
}
