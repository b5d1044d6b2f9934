package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/workshop"
)

// Exports lists the export files of a workshop.
var Exports = []string{"log.json", "results.csv", "proposals.geojson", "decidim.json"}

// serveExport is GET /api/workshops/{id}/export/{file}, for the
// facilitator only.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request) {
	h, actor, v, err := s.view(r)
	if err != nil {
		s.httpError(w, err)
		return
	}
	if actor != workshop.FacilitatorID {
		s.httpError(w, errForbidden)
		return
	}
	file := r.PathValue("file")
	var data []byte
	ctype := "application/json; charset=utf-8"
	switch file {
	case "log.json":
		data, err = s.ExportLog(r.Context(), h.id)
	case "results.csv":
		data, err = ResultsCSV(v)
		ctype = "text/csv; charset=utf-8"
	case "proposals.geojson":
		data, err = ProposalsGeoJSON(v)
		ctype = "application/geo+json"
	case "decidim.json":
		data, err = DecidimJSON(v, s.cfg.BaseURL)
	default:
		writeJSONError(w, http.StatusNotFound, workshop.CodeNotFound, fmt.Sprintf("server: no export %q: use one of %v", file, Exports))
		return
	}
	if err != nil {
		s.httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", h.id+"-"+file))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// ExportLog returns a workshop's log.json, read from the store: every
// event's record as hashed, with the chain (workshop.VerifyLog checks it).
func (s *Server) ExportLog(ctx context.Context, id string) ([]byte, error) {
	var entries []workshop.LogEntry
	err := s.store.Events(ctx, id, 0, func(r store.Record) error {
		entries = append(entries, workshop.LogEntry{Seq: r.Seq, Hash: r.Hash, Event: r.Body})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := workshop.WriteLog(&b, id, entries); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ranked returns the live proposals by votes (most first), ties by id
// order of creation.
func ranked(v *workshop.View) []workshop.ProposalView {
	var out []workshop.ProposalView
	for _, p := range v.Proposals {
		if !p.Withdrawn {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Votes > out[j].Votes })
	return out
}

// ResultsCSV is results.csv: one row per proposal still standing, ranked
// by votes, with every indicator's value and delta. Authors are ids: no
// names leave the server in an export.
func ResultsCSV(v *workshop.View) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	keys := sim.IndicatorKeys()
	head := []string{"rank", "proposal", "name", "author", "votes", "comments"}
	for _, k := range keys {
		head = append(head, k, "delta."+k)
	}
	w.Write(head)
	for i, p := range ranked(v) {
		row := []string{strconv.Itoa(i + 1), p.ID, csvText(p.Name), p.Author, strconv.Itoa(p.Votes), strconv.Itoa(len(p.Comments))}
		for _, k := range keys {
			row = append(row, num(p.Indicators, k), num(p.Delta, k))
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvText keeps a participant's text from being read as a formula by a
// spreadsheet (CSV injection): a leading = + - @ gets a quote mark.
func csvText(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

func num(ind *sim.Indicators, key string) string {
	if ind == nil {
		return ""
	}
	return strconv.FormatFloat(ind.Get(key), 'g', -1, 64)
}

// proposalGeometry gathers the places a proposal's edits touch: areas,
// street selections' polygons, transit stops' points.
func proposalGeometry(edits json.RawMessage) orb.Geometry {
	list, err := workshop.DecodeEdits(edits)
	if err != nil {
		return nil
	}
	var geoms orb.Collection
	add := func(raw json.RawMessage) {
		if len(raw) == 0 {
			return
		}
		if mp, err := sim.ParseArea(raw); err == nil {
			geoms = append(geoms, mp)
		}
	}
	for _, e := range list {
		add(e.Area)
		if e.Streets != nil {
			add(e.Streets.Within)
		}
		if len(e.At) == 2 {
			geoms = append(geoms, orb.Point{e.At[0], e.At[1]})
		}
	}
	switch len(geoms) {
	case 0:
		return nil
	case 1:
		return geoms[0]
	}
	return geoms
}

// ProposalsGeoJSON is proposals.geojson: one feature per proposal still
// standing, its geometry the places its edits touch, its properties the
// proposal with its votes and indicators.
func ProposalsGeoJSON(v *workshop.View) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, p := range ranked(v) {
		f := geojson.NewFeature(proposalGeometry(p.Edits))
		f.Properties = geojson.Properties{
			"id": p.ID, "name": p.Name, "description": p.Description, "author": p.Author, "votes": p.Votes,
			"comments": len(p.Comments), "indicators": p.Indicators, "delta": p.Delta, "edits": p.Edits,
		}
		fc.Append(f)
	}
	return json.Marshal(fc)
}

// decidimProposal is one proposal in the shape of Decidim's proposal
// import (title and body per locale, address and coordinates).
type decidimProposal struct {
	ID        string            `json:"id"`
	Title     map[string]string `json:"title"`
	Body      map[string]string `json:"body"`
	Address   string            `json:"address"`
	Latitude  *float64          `json:"latitude"`
	Longitude *float64          `json:"longitude"`
	Votes     int               `json:"votes"`
	Reference string            `json:"reference"`
}

// decidimIndicators are the indicators a Decidim body lists, with their
// labels per locale.
var decidimIndicators = []struct{ key, ca, es, en string }{
	{"housing.dwellings", "Habitatges", "Viviendas", "Dwellings"},
	{"housing.affordable_dwellings", "Habitatges assequibles", "Viviendas asequibles", "Affordable dwellings"},
	{"housing.rent_eur_month", "Lloguer mitjà (€/mes)", "Alquiler medio (€/mes)", "Mean rent (€/month)"},
	{"energy.co2_t_year", "CO₂ dels edificis (t/any)", "CO₂ de los edificios (t/año)", "Building CO₂ (t/year)"},
	{"energy.pv_gwh_year", "Fotovoltaica (GWh/any)", "Fotovoltaica (GWh/año)", "Rooftop PV (GWh/year)"},
	{"mobility.share.car", "Quota del cotxe", "Cuota del coche", "Car share"},
	{"mobility.co2_t_year", "CO₂ del transport (t/any)", "CO₂ del transporte (t/año)", "Transport CO₂ (t/year)"},
	{"access.15min_share", "Ciutat dels 15 minuts", "Ciudad de los 15 minutos", "15-minute access"},
	{"green.m2_per_resident", "Verd per resident (m²)", "Verde por residente (m²)", "Green space per resident (m²)"},
}

// htmlParagraphs returns plain text as escaped HTML paragraphs: a blank
// line starts a paragraph, a line break is <br>.
func htmlParagraphs(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i := range lines {
			lines[i] = html.EscapeString(lines[i])
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	return b.String()
}

// DecidimJSON is decidim.json: the proposals ready for a Decidim
// participatory process: a title and a body per locale (ca, es, en), the
// body (HTML, the participant's text escaped) giving the description and
// the indicator deltas, and the centre of
// the proposal's places as address coordinates.
func DecidimJSON(v *workshop.View, baseURL string) ([]byte, error) {
	out := []decidimProposal{}
	for _, p := range ranked(v) {
		d := decidimProposal{ID: p.ID, Votes: p.Votes, Reference: baseURL + " " + p.ID,
			Title: map[string]string{"ca": p.Name, "es": p.Name, "en": p.Name}, Body: map[string]string{}}
		heads := map[string]string{"ca": "Efectes calculats per Barri (canvi respecte de l'estat actual):",
			"es": "Efectos calculados por Barri (cambio respecto al estado actual):",
			"en": "Effects computed by Barri (change from today):"}
		for _, loc := range []string{"ca", "es", "en"} {
			// Decidim takes the body as rich-text HTML: the participant's
			// text is escaped, so that it stays text there too.
			var b bytes.Buffer
			b.WriteString(htmlParagraphs(p.Description))
			fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(heads[loc]))
			if p.Delta != nil {
				b.WriteString("<ul>")
				for _, ind := range decidimIndicators {
					label := map[string]string{"ca": ind.ca, "es": ind.es, "en": ind.en}[loc]
					fmt.Fprintf(&b, "<li>%s: %+.4g</li>", html.EscapeString(label), p.Delta.Get(ind.key))
				}
				b.WriteString("</ul>")
			}
			fmt.Fprintf(&b, "<p>%d vots / votos / votes</p>", p.Votes)
			d.Body[loc] = b.String()
		}
		if g := proposalGeometry(p.Edits); g != nil {
			c := g.Bound().Center()
			if !math.IsNaN(c[0]) {
				lon, lat := c[0], c[1]
				d.Longitude, d.Latitude = &lon, &lat
				d.Address = fmt.Sprintf("%.6f, %.6f", lat, lon)
			}
		}
		out = append(out, d)
	}
	return json.MarshalIndent(out, "", "  ")
}
