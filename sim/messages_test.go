package sim

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// sourceMessages walks the package's source for the calls that make a
// coded error (msg, bad, invalidf) and returns each code with the number of
// arguments its format takes.
func sourceMessages(t *testing.T) map[string]int {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]int{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(node ast.Node) bool {
			if fd, ok := node.(*ast.FuncDecl); ok && fd.Recv == nil && (fd.Name.Name == "bad" || fd.Name.Name == "invalidf") {
				return false // they pass their code and format on to msg
			}
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			at := map[string]int{"msg": 0, "invalidf": 0, "bad": 1}
			i, ok := at[id.Name]
			if !ok || len(call.Args) < i+2 {
				return true
			}
			where := fset.Position(call.Pos())
			lit := func(e ast.Expr) string {
				b, ok := e.(*ast.BasicLit)
				if !ok || b.Kind != token.STRING {
					t.Errorf("%s: %s's code and format must be string literals", where, id.Name)
					return ""
				}
				s, _ := strconv.Unquote(b.Value)
				return s
			}
			code, format := lit(call.Args[i]), lit(call.Args[i+1])
			if code == "" {
				return true
			}
			n := verbs(format)
			if call.Ellipsis == token.NoPos && len(call.Args)-i-2 != n {
				t.Errorf("%s: %s has %d verbs and %d arguments", where, code, n, len(call.Args)-i-2)
			}
			if m, seen := out[code]; seen && m != n {
				t.Errorf("%s: code %s takes %d arguments here and %d elsewhere", where, code, n, m)
			}
			out[code] = n
			return true
		})
	}
	return out
}

// verbs counts the verbs of a fmt format.
func verbs(format string) int {
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] != '%' {
			n++
		}
	}
	return n
}

// TestMessageCodes keeps MessageCodes complete: every coded error in the
// source is listed with its number of arguments, and nothing else is.
func TestMessageCodes(t *testing.T) {
	src := sourceMessages(t)
	listed := map[string]int{}
	var prev string
	for _, c := range MessageCodes() {
		if c.Code <= prev {
			t.Errorf("MessageCodes: %s is not in order after %s", c.Code, prev)
		}
		prev = c.Code
		listed[c.Code] = c.Args
	}
	var missing []string
	for code, n := range src {
		if m, ok := listed[code]; !ok {
			missing = append(missing, strconv.Quote(code)+": "+strconv.Itoa(n)+",")
		} else if m != n {
			t.Errorf("MessageCodes lists %s with %d arguments; its format has %d", code, m, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("MessageCodes lacks these codes of the source (add them to messageCodes in messages.go, and their templates to web/src/i18n):\n%s", strings.Join(missing, "\n"))
	}
	for code := range listed {
		if _, ok := src[code]; !ok {
			t.Errorf("MessageCodes lists %s, which no error in the source has", code)
		}
	}
}

var updateMessages = flag.Bool("update-messages", false, "rewrite testdata/messages.json, the examples of every message code")

// messageExamples makes an error of every code it can reach from input, as
// a resident's file, edit or parameter would: each case names a code that
// the Message of its error has, itself or nested.
func messageExamples(t *testing.T) []Message {
	t.Helper()
	c := testCity(t)
	ll := func(x, y float64) string {
		p := c.Proj.ToLonLat(orb.Point{x, y})
		return fmt.Sprintf("[%v,%v]", p[0], p[1])
	}
	sq := func(x0, y0, x1, y1 float64) string {
		return `{"type":"Polygon","coordinates":[[` + ll(x0, y0) + `,` + ll(x1, y0) + `,` + ll(x1, y1) + `,` + ll(x0, y1) + `,` + ll(x0, y0) + `]]}`
	}
	block := sq(10, 10, 90, 90)     // one block's building
	gap := sq(2, 2, 12, 12)         // a corner with no building
	whole := sq(-50, -50, 450, 450) // the whole city
	far := `{"type":"Polygon","coordinates":[[[3,42],[3.01,42],[3.01,42.01],[3,42.01],[3,42]]]}`
	huge := `{"type":"Polygon","coordinates":[[[2.1,41.35],[2.2,41.35],[2.2,41.45],[2.1,41.45],[2.1,41.35]]]}`
	file := func(edits ...string) string {
		return `{"barri":1,"city":"test","edits":[` + strings.Join(edits, ",") + `]}`
	}
	area := func(a string) string { return file(`{"op":"park","area":` + a + `}`) }
	poly := func(coords string) string { return area(`{"type":"Polygon","coordinates":` + coords + `}`) }
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	type tc struct{ want, in string }
	parse := []tc{
		{"file.version", `{"barri":99,"city":"test"}`},
		{"json.char.value", "{\"barri\":1,\n\"city\": @test}"},
		{"json.char.after_key", `{"city" "test"}`},
		{"json.char.after_pair", `{"city":"test" "edits":[]}`},
		{"json.char.after_element", `{"city":"test","edits":[{} {}]}`},
		{"json.char.after_top", `{"city":"test"} x`},
		{"json.char.key", `{"city":"test",1:2}`},
		{"json.char.string", "{\"city\":\"te\x01st\"}"},
		{"json.char.escape", `{"city":"te\qst"}`},
		{"json.char.hex", `{"city":"te\u12x4st"}`},
		{"json.char.number", `{"barri":-x}`},
		{"json.char.decimal", `{"barri":1.x}`},
		{"json.char.exponent", `{"barri":1ex}`},
		{"json.char.literal", `{"barri":1,"city":"test","seed":tru}`},
		{"json.char.depth", `{"city":"test","description":` + deep + `}`},
		{"file.short_here", `{"barri":1,"city":"test"`},
		{"json.value.string", `{"barri":1,"city":"test","seed":"abc"}`},
		{"json.value.number", `{"barri":1,"city":5}`},
		{"json.value.number_lit", `{"barri":1,"city":"test","seed":-1}`},
		{"json.value.array", `{"barri":1,"city":[]}`},
		{"json.value.object", `{"barri":1,"city":{}}`},
		{"json.value.bool", `{"barri":1,"city":true}`},
		{"json.kind.array", `[]`},
		{"json.kind.string", `"test"`},
		{"json.kind.number", `12`},
		{"json.kind.bool", `true`},
		{"json.kind.null", `null`},
		{"field.null", "{\"barri\":1,\"city\":\"test\",\n\"seed\": null}"},
		{"field.unknown", `{"barri":1,"city":"test","bogus":3}`},
		{"edit.at", file(`{"op":"park","aera":{}}`)},
		{"scenario.city", `{"barri":1,"edits":[]}`},
		{"scenario.name_long", `{"barri":1,"city":"test","name":"` + strings.Repeat("城", 201) + `"}`},
		{"scenario.description_long", `{"barri":1,"city":"test","description":"` + strings.Repeat("x", 5001) + `"}`},
		{"scenario.edits", file(strings.Repeat(`{"op":"param","name":"bpr_beta","value":4},`, MaxEdits) + `{"op":"param","name":"bpr_beta","value":4}`)},
		{"scenario.params", `{"barri":1,"city":"test","params":{"car_cost_eur_km":99}}`},
		{"scenario.params", `{"barri":1,"city":"test","params":{"warp_speed":9}}`},
		{"op.missing", file(`{"area":` + block + `}`)},
		{"op.unknown", file(`{"op":"teleport"}`)},
		{"streets.required", file(`{"op":"bike_lane"}`)},
		{"streets.selector", file(`{"op":"bike_lane","streets":{"ids":[1],"name":"Street"}}`)},
		{"streets.within", file(`{"op":"bike_lane","streets":{"name":"Street","within":{"type":"Point","coordinates":[2.16,41.39]}}}`)},
		{"streets.name_long", file(`{"op":"bike_lane","streets":{"name":"` + strings.Repeat("x", 201) + `"}}`)},
		{"rezone.use", file(`{"op":"rezone","area":` + block + `,"use":"castle"}`)},
		{"rezone.add_floors", file(`{"op":"rezone","area":` + block + `,"add_floors":50}`)},
		{"rezone.nothing", file(`{"op":"rezone","area":` + block + `}`)},
		{"housing.building_or_area", file(`{"op":"add_housing","dwellings":5}`)},
		{"housing.dwellings", file(`{"op":"add_housing","building":0,"dwellings":0}`)},
		{"retrofit.level", file(`{"op":"retrofit","area":` + block + `,"level":"medium"}`)},
		{"field.required", file(`{"op":"solar","area":` + block + `}`)},
		{"field.range", file(`{"op":"solar","area":` + block + `,"roof_coverage":1.5}`)},
		{"stop.at", file(`{"op":"transit_stop","at":[2.16],"mode":"bus","headway_min":6}`)},
		{"stop.mode", file(`{"op":"transit_stop","at":[2.16,41.39],"mode":"zeppelin","headway_min":6}`)},
		{"param.value_required", file(`{"op":"param","name":"bpr_beta"}`)},
		{"area.required", file(`{"op":"superblock"}`)},
		{"area.geometry", area(`"square"`)},
		{"area.type_string", area(`{"type":1,"coordinates":[]}`)},
		{"area.no_type", area(`{"coordinates":[]}`)},
		{"area.type", area(`{"type":"Point","coordinates":[2.16,41.39]}`)},
		{"area.polygon", poly(`[[[2.16,41.39],"x"]]`)},
		{"area.polygon", poly(`[[["x",41.39]]]`)},
		{"area.polygon", poly(`[[[1e999,41.39]]]`)},
		{"area.multipolygon", area(`{"type":"MultiPolygon","coordinates":[["x"]]}`)},
		{"coord.multipolygon", area(`{"type":"MultiPolygon","coordinates":"x"}`)},
		{"coord.polygon", poly(`"x"`)},
		{"area.empty", area(`{"type":"MultiPolygon","coordinates":[]}`)},
		{"polygon.no_ring", poly(`[]`)},
		{"ring.position", poly(`[[[2.16],[2.17,41.39],[2.17,41.4],[2.16]]]`)},
		{"ring.points", poly(`[[[2.16,41.39],[2.17,41.39],[2.16,41.39]]]`)},
		{"ring.open", poly(`[[[2.16,41.39],[2.17,41.39],[2.17,41.4],[2.16,41.4]]]`)},
		{"ring.degrees", poly(`[[[430000,4580000],[431000,4580000],[431000,4581000],[430000,4580000]]]`)},
		{"ring.antimeridian", poly(`[[[179,41],[-179,41],[-179,42],[179,42],[179,41]]]`)},
		{"ring.self_intersects", poly(`[[[2.15,41.38],[2.16,41.39],[2.16,41.38],[2.15,41.39],[2.15,41.38]]]`)},
		{"ring.no_area", poly(`[[[2.15,41.38],[2.16,41.38],[2.16,41.38],[2.15,41.38]]]`)},
	}
	validate := []tc{
		{"area.no_building", file(`{"op":"retrofit","area":` + gap + `,"level":"deep"}`)},
		{"area.outside", file(`{"op":"retrofit","area":` + far + `,"level":"deep"}`)},
		{"superblock.no_interior", file(`{"op":"superblock","area":` + block + `}`)},
		{"building.unknown", file(`{"op":"add_housing","building":99,"dwellings":5}`)},
		{"housing.capacity", file(`{"op":"add_housing","building":0,"dwellings":100000}`)},
		{"park.too_large", file(`{"op":"park","area":` + huge + `}`)},
		{"park.overlap", file(`{"op":"park","area":`+block+`}`, `{"op":"park","area":`+block+`}`)},
		{"stop.outside", file(`{"op":"transit_stop","at":[3,42],"mode":"bus","headway_min":6}`)},
		{"stop.near", file(`{"op":"transit_stop","at":`+ll(150, 150)+`,"mode":"bus","headway_min":6}`, `{"op":"transit_stop","at":`+ll(151, 150)+`,"mode":"bus","headway_min":6}`)},
		{"streets.unknown", file(`{"op":"bike_lane","streets":{"ids":[999]}}`)},
		{"streets.no_name", file(`{"op":"bike_lane","streets":{"name":"Nowhere"}}`)},
		{"streets.within", file(`{"op":"bike_lane","streets":{"name":"Street","within":` + far + `}}`)},
	}
	_ = whole
	var out []Message
	check := func(what, want string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error; want %s", what, want)
			return
		}
		m, ok := MessageOf(err)
		if !ok || !hasCode(m, want) {
			t.Errorf("%s: %v: code %q, want %q", what, err, m.Code, want)
			return
		}
		if !strings.HasSuffix(err.Error(), m.Text) {
			t.Errorf("%s: the message %q is not the end of the error %q", what, m.Text, err)
		}
		out = append(out, m)
	}
	for _, x := range parse {
		_, err := ParseScenario([]byte(x.in))
		check(x.in[:min(len(x.in), 120)], x.want, err)
	}
	for _, x := range validate {
		sc, err := ParseScenario([]byte(x.in))
		if err != nil {
			t.Errorf("%s: %v", x.in, err)
			continue
		}
		check(x.in, x.want, sc.Validate(c))
	}
	_, err := DecodeScenario(io.LimitReader(zeros{}, MaxScenarioBytes+1))
	check("a file of 64 MiB and a byte", "file.too_large", err)
	_, err = ParseArea([]byte(`{`))
	check("ParseArea {", "area.geometry", err)
	var p Params
	check("Params.Set", "param.unknown", p.Set("warp_speed", 9))
	check("Params.Set", "param.range", p.Set("car_cost_eur_km", 99))
	check("Params.Set", "param.range", p.Set("car_cost_eur_km", math.NaN()))
	for _, d := range ParamDefs() { // every unit
		check("Params.Set "+d.Name, "param.range", p.Set(d.Name, d.Max+1))
	}
	_, err = NewScenarioEvaluator(c, &Scenario{City: "test", Edits: make([]Edit, MaxEdits+1)})
	check("NewScenarioEvaluator", "edits.too_many_short", err)
	var ind Indicators
	check("Indicators", "indicators.unknown", json.Unmarshal([]byte(`{"happiness":1}`), &ind))
	var gi GroupIndicators
	check("GroupIndicators", "groups.indicator", json.Unmarshal([]byte(`{"housing.dwellings":1}`), &gi))
	var gs Groups
	check("Groups", "groups.unknown", json.Unmarshal([]byte(`{"income.q9":{}}`), &gs))
	_, err = NewCity("empty", orb.Point{2.16, 41.39}, nil, nil, nil, nil, nil, nil)
	check("NewCity", "city.no_streets", err)
	return out
}

// hasCode reports whether m or a message nested in it has code.
func hasCode(m Message, code string) bool {
	if m.Code == code {
		return true
	}
	for _, a := range m.Args {
		if n, ok := a.(Message); ok && hasCode(n, code) {
			return true
		}
	}
	return false
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// unreached are the codes no example reaches, and why.
var unreached = map[string]string{
	"coord.after":      "the coordinates are a whole JSON value, nothing follows them",
	"coord.open":       "the coordinates are valid JSON, their arrays closed",
	"coord.unexpected": "in valid JSON, an array's element is followed by ',' or ']'",
	"coord.syntax":     "a number in valid JSON parses (one out of range is coord.range)",
	"ring.non_finite":  "a number out of range is coord.range first",
	"file.short":       "encoding/json's Unmarshal, which runs first, gives file.short_here",
	"file.trailing":    "encoding/json's Unmarshal, which runs first, gives json.char.after_top",
	"json.syntax":      "the fallback for a syntax error encoding/json has not said so far",
	"json.value.other": "the fallback for a kind of value encoding/json has not named so far",
	"edits.too_many":   "applying 10000 edits one by one takes too long for a unit test",
}

// TestMessages: every error path gives its code, and its message's text is
// the end of the error's; every code but those of unreached (and the city
// file's, checked when a city is built) is reached. The examples are kept
// in testdata/messages.json, for the browser's test to fill the English
// templates with and compare to the text.
func TestMessages(t *testing.T) {
	ex := messageExamples(t)
	reached := map[string]bool{}
	var walk func(m Message)
	walk = func(m Message) {
		reached[m.Code] = true
		for _, a := range m.Args {
			if n, ok := a.(Message); ok {
				if !strings.Contains(m.Text, n.Text) {
					t.Errorf("%s: the nested message %q is not in %q", m.Code, n.Text, m.Text)
				}
				walk(n)
			}
		}
	}
	for _, m := range ex {
		walk(m)
	}
	for _, c := range MessageCodes() {
		if !reached[c.Code] && unreached[c.Code] == "" && !strings.HasPrefix(c.Code, "city.") {
			t.Errorf("no example gives %s", c.Code)
		}
		if reached[c.Code] && unreached[c.Code] != "" {
			t.Errorf("%s is reached: take it out of unreached", c.Code)
		}
	}
	var b bytes.Buffer
	for _, m := range ex {
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	const golden = "testdata/messages.json"
	if *updateMessages {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v: run go test ./sim -run TestMessages -update-messages to write it", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		t.Errorf("the examples differ from %s: run go test ./sim -run TestMessages -update-messages and look at the diff", golden)
	}
}
