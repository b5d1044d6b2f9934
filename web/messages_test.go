//go:build !js

package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/barri-city/barri/sim"
)

// readI18n reads the page's translations, by language.
func readI18n(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, l := range []string{"ca", "es", "en"} {
		data, err := os.ReadFile(filepath.Join("src", "i18n", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("web: src/i18n/%s.json: %v", l, err)
		}
		out[l] = m
	}
	return out
}

var argPlace = regexp.MustCompile(`\{\d+\}`)

// TestCoreMessagesTranslated: every code the sim core's errors can have
// (sim.MessageCodes) has a template err.sim.<code> in ca, es and en with
// exactly its arguments' places {0}…{n-1}, and there is no template for a
// code the core no longer has. A new message without its translations
// fails here.
func TestCoreMessagesTranslated(t *testing.T) {
	tr := readI18n(t)
	codes := map[string]bool{}
	for _, c := range sim.MessageCodes() {
		k := "err.sim." + c.Code
		codes[k] = true
		var want []string
		for i := range c.Args {
			want = append(want, "{"+strconv.Itoa(i)+"}")
		}
		for l, m := range tr {
			tpl, ok := m[k]
			if !ok {
				t.Errorf("src/i18n/%s.json lacks %s (%d arguments)", l, k, c.Args)
				continue
			}
			got := argPlace.FindAllString(tpl, -1)
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, want) {
				t.Errorf("src/i18n/%s.json: %s has the places %v; its %d arguments want %v", l, k, got, c.Args, want)
			}
		}
	}
	for l, m := range tr {
		for k := range m {
			if strings.HasPrefix(k, "err.sim.") && !codes[k] {
				t.Errorf("src/i18n/%s.json has %s, a code the core does not have", l, k)
			}
		}
	}
}

// TestCoreMessagesInEnglish: the English templates, filled with the
// arguments of the core's examples (sim/testdata/messages.json, one error
// of each code the core reaches) as the page fills them, give the core's
// own English word for word: the places are in the right order.
func TestCoreMessagesInEnglish(t *testing.T) {
	en := readI18n(t)["en"]
	f, err := os.Open(filepath.Join("..", "sim", "testdata", "messages.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got, ok := fillEnglish(t, en, m)
		if ok && got != m["text"] {
			t.Errorf("err.sim.%s fills to\n%q\nthe core says\n%q", m["code"], got, m["text"])
		}
		n++
	}
	if n < 90 {
		t.Errorf("%d examples in sim/testdata/messages.json, want one for (nearly) every code", n)
	}
}

// fillEnglish fills m's English template as app.js's sayMessage does, with
// numbers as Go prints them (the English text's digits, not the page's).
func fillEnglish(t *testing.T, en map[string]string, m map[string]any) (string, bool) {
	t.Helper()
	code, _ := m["code"].(string)
	tpl, ok := en["err.sim."+code]
	if code == "" || !ok {
		t.Errorf("no English template for the code %q of %q", code, m["text"])
		return "", false
	}
	args, _ := m["args"].([]any)
	good := true
	s := argPlace.ReplaceAllStringFunc(tpl, func(p string) string {
		i, _ := strconv.Atoi(p[1 : len(p)-1])
		if i >= len(args) {
			good = false
			return p
		}
		switch a := args[i].(type) {
		case string:
			return a
		case json.Number:
			f, _ := a.Float64()
			return strconv.FormatFloat(f, 'g', -1, 64)
		case map[string]any:
			if places, ok := a["places"].(json.Number); ok {
				v, _ := a["value"].(json.Number).Float64()
				p, _ := places.Int64()
				return strconv.FormatFloat(v, 'f', int(p), 64)
			}
			inner, ok := fillEnglish(t, en, a)
			good = good && ok
			return inner
		}
		good = false
		return p
	})
	return s, good
}

// TestPageErrorsTranslated: the page's own coded errors (wasm's pageError)
// and the places of the core's (err.edit, err.line), and the page's own
// edits' field refusals (err.own.*), have a template in ca, es and en with
// the same places.
func TestPageErrorsTranslated(t *testing.T) {
	tr := readI18n(t)
	src, err := os.ReadFile(filepath.Join("..", "wasm", "bridge.go"))
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"err.edit", "err.line", "err.own.range", "err.own.whole", "err.open", "err.notProposal"}
	for _, m := range regexp.MustCompile(`pageError\{code: "([a-z_.]+)"`).FindAllSubmatch(src, -1) {
		keys = append(keys, "err."+string(m[1]))
	}
	if len(keys) < 4 {
		t.Fatalf("found only %v in wasm/bridge.go", keys)
	}
	places := regexp.MustCompile(`\{\w+\}`)
	for _, k := range keys {
		want := places.FindAllString(tr["en"][k], -1)
		slices.Sort(want)
		for l, m := range tr {
			v, ok := m[k]
			if !ok {
				t.Errorf("src/i18n/%s.json lacks %s", l, k)
				continue
			}
			got := places.FindAllString(v, -1)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("src/i18n/%s.json: %s has the places %v, en.json %v", l, k, got, want)
			}
		}
	}
}
