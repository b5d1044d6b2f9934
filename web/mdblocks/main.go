// Command mdblocks turns a Markdown page of the repository (docs/MODELS.md)
// into JSON blocks of plain text that the browser app builds into its own
// elements, each run set as text: the page shows the document with no HTML
// from outside it, nothing parsed as markup. `make web` writes
// web/dist/models.json with it:
//
//	go run ./web/mdblocks docs/MODELS.md > web/dist/models.json
//
// It reads the Markdown the project writes: ATX headings, paragraphs,
// "-" and "1." lists (nested by indentation, continued by indented lines),
// pipe tables, and inline `code`, *emphasis* and **strong**. Anything else
// is kept as text.
//
// With -residents it keeps only the sections a resident reads (by their
// "## " heading, ResidentSections: the models and their parameters) and
// leaves out the document's preamble and the developers' sections
// (DeveloperSections: the pipeline, incremental evaluation, calibration
// against the tests, performance). `make web` gives the page that:
//
//	go run ./web/mdblocks -residents docs/MODELS.md > web/dist/models.json
//
// A new "## " section of docs/MODELS.md must go in one of the two lists
// (TestEverySectionIsSorted says so).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Block is one block of the document. Kind is "h2" … "h6", "p", "ul", "ol"
// or "table"; Runs the text of a heading or paragraph; Items a list's;
// Head and Rows a table's cells.
type Block struct {
	Kind  string    `json:"k"`
	Runs  []Run     `json:"r,omitempty"`
	Items []Item    `json:"items,omitempty"`
	Head  [][]Run   `json:"head,omitempty"`
	Rows  [][][]Run `json:"rows,omitempty"`
}

// Item is a list item: its text, the list nested in it, and the text that
// follows that list in the item.
type Item struct {
	Runs  []Run  `json:"r"`
	Sub   *Block `json:"sub,omitempty"`
	After []Run  `json:"after,omitempty"`
}

// Run is a piece of text with one style: "" (plain), "code", "em" or
// "strong". It encodes as [style, text].
type Run struct {
	Style, Text string
}

func (r Run) MarshalJSON() ([]byte, error) { return json.Marshal([2]string{r.Style, r.Text}) }

func (r *Run) UnmarshalJSON(b []byte) error {
	var a [2]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	r.Style, r.Text = a[0], a[1]
	return nil
}

// ResidentSections are the "## " headings of docs/MODELS.md that the page
// shows residents: how each model computes its indicators, and the
// parameters.
var ResidentSections = []string{
	"Housing", "Energy", "Mobility", "Equity lens: income quintiles and gender", "15-minute access", "Parameters",
}

// DeveloperSections are the headings of docs/MODELS.md written for the
// project's developers (the core's API, its tests, benchmarks, paths of the
// development machine), which -residents leaves out.
var DeveloperSections = []string{
	"Pipeline", "Edits on edits", "Incremental evaluation", "Calibration", "Performance",
}

func main() {
	residents := flag.Bool("residents", false, "keep only the sections of ResidentSections (no preamble, no developers' sections)")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "mdblocks: usage: mdblocks [-residents] FILE.md > FILE.json") }
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	name := flag.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mdblocks:", err)
		os.Exit(1)
	}
	defer f.Close()
	blocks, err := Parse(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mdblocks: %s: %v\n", name, err)
		os.Exit(1)
	}
	if *residents {
		if blocks, err = Sections(blocks, ResidentSections); err != nil {
			fmt.Fprintf(os.Stderr, "mdblocks: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(blocks); err != nil {
		fmt.Fprintln(os.Stderr, "mdblocks:", err)
		os.Exit(1)
	}
}

// Sections keeps the "## " sections of blocks whose heading is one of keep,
// each with its heading and everything under it up to the next "## ", in
// the document's order; the text before the first "## " goes. A heading of
// keep that the document lacks is an error, so that renaming a section in
// the document does not silently drop it from the page.
func Sections(blocks []Block, keep []string) ([]Block, error) {
	var out []Block
	found := map[string]bool{}
	in := false
	for _, b := range blocks {
		if b.Kind == "h2" {
			h := plain(b.Runs)
			in = slices.Contains(keep, h)
			found[h] = true
		}
		if in {
			out = append(out, b)
		}
	}
	for _, h := range keep {
		if !found[h] {
			return nil, fmt.Errorf("no section %q: rename it in web/mdblocks's ResidentSections too", h)
		}
	}
	return out, nil
}

// plain is the text of runs without their styles.
func plain(rs []Run) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
	}
	return b.String()
}

var (
	heading  = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	listItem = regexp.MustCompile(`^(\s*)(?:-|\d+[.)])\s+(.*)$`)
	ordered  = regexp.MustCompile(`^\s*\d`)
	tableSep = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
)

// Parse reads a Markdown document into blocks. A level-1 heading, the
// document's title, is left out (the page has its own); the others keep
// their levels.
func Parse(r io.Reader) ([]Block, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), " \t\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []Block
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			i++
		case heading.MatchString(l):
			m := heading.FindStringSubmatch(l)
			if len(m[1]) > 1 {
				out = append(out, Block{Kind: fmt.Sprintf("h%d", len(m[1])), Runs: Inline(m[2])})
			}
			i++
		case strings.HasPrefix(l, "|") && i+1 < len(lines) && tableSep.MatchString(lines[i+1]):
			b := Block{Kind: "table", Head: cells(l)}
			for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				b.Rows = append(b.Rows, cells(lines[i]))
			}
			out = append(out, b)
		case listItem.MatchString(l):
			var b Block
			b, i = list(lines, i)
			out = append(out, b)
		default:
			var para []string
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && !heading.MatchString(lines[i]) &&
				!listItem.MatchString(lines[i]) && !strings.HasPrefix(lines[i], "|"); i++ {
				para = append(para, strings.TrimSpace(lines[i]))
			}
			if len(para) == 0 { // a line starting with "|" that is no table
				para, i = []string{strings.TrimSpace(l)}, i+1
			}
			out = append(out, Block{Kind: "p", Runs: Inline(strings.Join(para, " "))})
		}
	}
	return out, nil
}

// list reads the list that starts at lines[i], with the lists nested in its
// items, and returns it and the index of the line after it.
func list(lines []string, i int) (Block, int) {
	m := listItem.FindStringSubmatch(lines[i])
	indent := len(m[1])
	b := Block{Kind: "ul"}
	if ordered.MatchString(lines[i]) {
		b.Kind = "ol"
	}
	for i < len(lines) {
		m := listItem.FindStringSubmatch(lines[i])
		if m == nil || len(m[1]) != indent {
			break
		}
		text := []string{m[2]}
		var after []string
		var sub *Block
		for i++; i < len(lines); {
			l := lines[i]
			if strings.TrimSpace(l) == "" {
				// A blank line ends the list unless an item of it, or of a
				// list nested in it, follows.
				j := i
				for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
					j++
				}
				if j < len(lines) {
					n := listItem.FindStringSubmatch(lines[j])
					if n != nil && (len(n[1]) > indent || len(n[1]) == indent && ordered.MatchString(lines[j]) == (b.Kind == "ol")) {
						i = j
						continue
					}
				}
				return closeItem(b, text, sub, after), j
			}
			lead := len(l) - len(strings.TrimLeft(l, " \t"))
			if n := listItem.FindStringSubmatch(l); n != nil {
				if lead <= indent {
					break // the next item, or the end of a nested list
				}
				var s Block
				s, i = list(lines, i)
				if sub == nil {
					sub = &s
				} else {
					sub.Items = append(sub.Items, s.Items...)
				}
				continue
			}
			if lead <= indent || heading.MatchString(l) || strings.HasPrefix(l, "|") {
				return closeItem(b, text, sub, after), i
			}
			if sub != nil {
				after = append(after, strings.TrimSpace(l))
			} else {
				text = append(text, strings.TrimSpace(l))
			}
			i++
		}
		b = closeItem(b, text, sub, after)
	}
	return b, i
}

func closeItem(b Block, text []string, sub *Block, after []string) Block {
	b.Items = append(b.Items, Item{Runs: Inline(strings.Join(text, " ")), Sub: sub, After: Inline(strings.Join(after, " "))})
	return b
}

// cells splits a table row into its cells' runs.
func cells(row string) [][]Run {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	var out [][]Run
	var cell strings.Builder
	inCode := false
	for _, c := range row {
		switch {
		case c == '`':
			inCode = !inCode
		case c == '|' && !inCode:
			out = append(out, Inline(strings.TrimSpace(cell.String())))
			cell.Reset()
			continue
		}
		cell.WriteRune(c)
	}
	return append(out, Inline(strings.TrimSpace(cell.String())))
}

// Inline splits text into runs: `code` first (nothing inside it is
// markup), then **strong** and *emphasis*. A marker with no partner is text.
func Inline(s string) []Run {
	var out []Run
	add := func(style, text string) {
		if text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Style == style {
			out[n-1].Text += text
			return
		}
		out = append(out, Run{style, text})
	}
	for s != "" {
		i := strings.IndexAny(s, "`*")
		if i < 0 {
			add("", s)
			break
		}
		add("", s[:i])
		s = s[i:]
		if s[0] == '`' {
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				add("code", s[1:1+j])
				s = s[2+j:]
				continue
			}
			add("", "`")
			s = s[1:]
			continue
		}
		marker, style := "*", "em"
		if strings.HasPrefix(s, "**") {
			marker, style = "**", "strong"
		}
		rest := s[len(marker):]
		j := strings.Index(rest, marker)
		if rest == "" || rest[0] == ' ' || j <= 0 || rest[j-1] == ' ' || strings.Contains(rest[:j], "`") {
			add("", marker)
			s = rest
			continue
		}
		add(style, rest[:j])
		s = rest[j+len(marker):]
	}
	return out
}
