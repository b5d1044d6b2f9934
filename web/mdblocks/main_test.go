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

// TestModelsKeepsEveryWord: the page's copy of docs/MODELS.md has every
// word of it, in order (its title aside), and every section.
func TestModelsKeepsEveryWord(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "MODELS.md"))
	if err != nil {
		t.Fatal(err)
	}
	var mdWords []string
	marker := regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
	sections := 0
	for i, l := range strings.Split(string(data), "\n") {
		if i == 0 && strings.HasPrefix(l, "# ") || tableSep.MatchString(l) && strings.Contains(l, "-") {
			continue
		}
		if strings.HasPrefix(l, "## ") {
			sections++
		}
		mdWords = append(mdWords, word.FindAllString(marker.ReplaceAllString(l, ""), -1)...)
	}
	blocks, err := Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
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
	if h2 != sections || sections < 8 {
		t.Errorf("%d sections, docs/MODELS.md has %d", h2, sections)
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
