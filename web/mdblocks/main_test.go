package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	md := "# Title\n\nA *z* and **bold** with `a*b` and 2 * 3.\nSecond line.\n\n## Part\n\n" +
		"- one\n  continued\n  - nested `x`\n- two\n\n1. first\n2. second\n\n| a | b |\n|---|---|\n| `x|y` | *e* |\n"
	got, err := Parse(strings.NewReader(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{Kind: "p", Runs: []Run{{"", "A "}, {"em", "z"}, {"", " and "}, {"strong", "bold"}, {"", " with "}, {"code", "a*b"}, {"", " and 2 * 3. Second line."}}},
		{Kind: "h2", Runs: []Run{{"", "Part"}}},
		{Kind: "ul", Items: []Item{
			{Runs: []Run{{"", "one continued"}}, Sub: &Block{Kind: "ul", Items: []Item{{Runs: []Run{{"", "nested "}, {"code", "x"}}}}}},
			{Runs: []Run{{"", "two"}}},
		}},
		{Kind: "ol", Items: []Item{{Runs: []Run{{"", "first"}}}, {Runs: []Run{{"", "second"}}}}},
		{Kind: "table", Head: [][]Run{{{"", "a"}}, {{"", "b"}}}, Rows: [][][]Run{{{{"code", "x|y"}}, {{"em", "e"}}}}},
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("Parse gives\n%s\nwant\n%s", g, w)
	}
}

var word = regexp.MustCompile(`[\p{L}\p{N}_]+`)

// residentBlocks parses a document and keeps its ResidentSections, as make
// web's -residents does: all the blocks, and those kept.
func residentBlocks(t *testing.T, data []byte) (all, kept []Block) {
	t.Helper()
	all, err := Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	kept, err = Sections(all, ResidentSections)
	if err != nil {
		t.Fatal(err)
	}
	return all, kept
}

// TestModelsKeepsEveryWord: the page's copy of docs/MODELS.md (make web's
// -residents) has every word of the sections it keeps, in order, and every
// one of those sections.
func TestModelsKeepsEveryWord(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "MODELS.md"))
	if err != nil {
		t.Fatal(err)
	}
	var mdWords []string
	marker := regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
	sections := 0
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "## ") {
			in = slices.Contains(ResidentSections, strings.TrimSpace(l[3:]))
			if in {
				sections++
			}
		}
		if !in || tableSep.MatchString(l) && strings.Contains(l, "-") {
			continue
		}
		mdWords = append(mdWords, word.FindAllString(marker.ReplaceAllString(l, ""), -1)...)
	}
	_, blocks := residentBlocks(t, data)
	var text strings.Builder
	var runs func([]Run)
	runs = func(rs []Run) {
		for _, r := range rs {
			text.WriteString(r.Text)
			text.WriteByte(0) // a run ends a word, as its marker does in the Markdown
		}
		text.WriteByte('\n')
	}
	var block func(Block)
	block = func(b Block) {
		runs(b.Runs)
		for _, it := range b.Items {
			runs(it.Runs)
			if it.Sub != nil {
				block(*it.Sub)
			}
			runs(it.After)
		}
		for _, c := range b.Head {
			runs(c)
		}
		for _, row := range b.Rows {
			for _, c := range row {
				runs(c)
			}
		}
	}
	h2 := 0
	for _, b := range blocks {
		block(b)
		if b.Kind == "h2" {
			h2++
		}
	}
	if got := word.FindAllString(text.String(), -1); !slices.Equal(got, mdWords) {
		for i := range min(len(got), len(mdWords)) {
			if got[i] != mdWords[i] {
				t.Fatalf("word %d is %q, docs/MODELS.md has %q (near %q)", i, got[i], mdWords[i], strings.Join(mdWords[max(0, i-8):i+1], " "))
			}
		}
		t.Fatalf("%d words, docs/MODELS.md has %d", len(got), len(mdWords))
	}
	if h2 != sections || sections != len(ResidentSections) || len(mdWords) < 3000 {
		t.Errorf("%d sections (%d words), docs/MODELS.md has %d of the %d kept", h2, len(mdWords), sections, len(ResidentSections))
	}
}

// TestResidentsSections: the page's copy of docs/MODELS.md has all the
// model sections and none of the developers' notes (the benchmarks, the
// development machine's paths, the make targets), and every "## " section
// of the document is sorted into ResidentSections or DeveloperSections.
func TestResidentsSections(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "MODELS.md"))
	if err != nil {
		t.Fatal(err)
	}
	all, blocks := residentBlocks(t, data)
	var heads []string
	for _, b := range all {
		if b.Kind == "h2" {
			h := plain(b.Runs)
			heads = append(heads, h)
			if !slices.Contains(ResidentSections, h) && !slices.Contains(DeveloperSections, h) {
				t.Errorf("docs/MODELS.md's section %q is in neither ResidentSections nor DeveloperSections: say whether residents read it", h)
			}
		}
	}
	var kept []string
	for _, b := range blocks {
		if b.Kind == "h2" {
			kept = append(kept, plain(b.Runs))
		}
	}
	if !slices.Equal(kept, ResidentSections) {
		t.Errorf("the page's copy has the sections %q, want %q (docs/MODELS.md has %q)", kept, ResidentSections, heads)
	}
	js, _ := json.Marshal(blocks)
	for _, w := range []string{"Performance", "../shared", "make bench", "BenchmarkEvaluate", "sim.Evaluate(", "ForgetBaselines"} {
		if strings.Contains(string(js), w) {
			t.Errorf("the page's copy of docs/MODELS.md holds %q: a developer's note", w)
		}
	}
	for _, w := range []string{"rent_stock_elasticity", "ln R_b = κ_z", "Red Eléctrica 2023"} {
		if !strings.Contains(string(js), w) {
			t.Errorf("the page's copy of docs/MODELS.md lacks %q", w)
		}
	}
	// A section that is not there is an error, naming it.
	if _, err := Sections(all, []string{"Housing", "Rents"}); err == nil || !strings.Contains(err.Error(), `"Rents"`) {
		t.Errorf("Sections with a missing heading: %v", err)
	}
}

// FuzzInline: no text is lost or made up, markers aside.
func FuzzInline(f *testing.F) {
	f.Add("a *b* **c** `d*e` * f ** g`")
	f.Add("***x***")
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, r := range Inline(s) {
			if r.Text == "" {
				t.Fatalf("Inline(%q) has an empty run", s)
			}
			b.WriteString(r.Text)
		}
		strip := strings.NewReplacer("*", "", "`", "")
		if got, want := strip.Replace(b.String()), strip.Replace(s); got != want {
			t.Fatalf("Inline(%q) keeps %q, want %q", s, got, want)
		}
	})
}

// FuzzParse: any document parses, and its blocks encode.
func FuzzParse(f *testing.F) {
	f.Add("# T\n\n- a\n  - b\n\n   - c\n| x |\n|---|\n| y |\n")
	f.Add("|\n|-|\n- \n\n1. x\n  y\n")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		if _, err := json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	})
}
