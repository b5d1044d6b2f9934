package workshop

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sourceRules walks the source of this package and of the server for the
// calls that give a refusal's reason (why, NewRule, and the server's
// transient, strike and writeError) and returns each code with its number
// of arguments (-1 when the call spreads a slice); checkText's fields are
// returned under "checkText:FIELD".
func sourceRules(t *testing.T) map[string]int {
	t.Helper()
	var files []string
	for _, dir := range []string{".", filepath.Join("..", "server")} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	// The index of the code among each call's arguments; its arguments
	// follow at index+1 (why) or index+2 (after a text).
	at := map[string][2]int{"why": {0, 1}, "NewRule": {0, 2}, "transient": {3, 5}, "strike": {3, 4}, "writeError": {5, 6}}
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
			if fd, ok := node.(*ast.FuncDecl); ok && fd.Recv == nil && slices.Contains([]string{"why", "NewRule", "writeError", "checkText", "refuseField"}, fd.Name.Name) {
				return false // their own bodies pass codes on
			}
			if fd, ok := node.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Name.Name == "transient" {
				return false
			}
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			where := fset.Position(call.Pos())
			lit := func(e ast.Expr) (string, bool) {
				b, ok := e.(*ast.BasicLit)
				if !ok || b.Kind != token.STRING {
					return "", false
				}
				s, _ := strconv.Unquote(b.Value)
				return s, true
			}
			if name == "checkText" && len(call.Args) > 0 {
				f, ok := lit(call.Args[0])
				if !ok {
					t.Errorf("%s: checkText's field must be a string literal", where)
				}
				out["checkText:"+f] = 0
				return true
			}
			pos, ok := at[name]
			if !ok || len(call.Args) <= pos[0] {
				return true
			}
			code, ok := lit(call.Args[pos[0]])
			if !ok {
				if name == "transient" { // the barrier's refusal passes on the first one's code
					t.Errorf("%s: %s's reason must be a string literal", where, name)
				} else if name == "why" || name == "NewRule" {
					t.Errorf("%s: %s's code must be a string literal", where, name)
				}
				return true
			}
			if code == "" && (name == "strike" || name == "writeError") {
				return true // no reason: a refusal of the connection
			}
			n := len(call.Args) - pos[1]
			if call.Ellipsis != token.NoPos {
				n = -1
			}
			if m, seen := out[code]; seen && m != n {
				t.Errorf("%s: reason %s takes %d arguments here and %d elsewhere", where, code, n, m)
			}
			out[code] = n
			return true
		})
	}
	return out
}

// TestRuleCodes keeps RuleCodes complete: every reason given in the source
// of this package and the server is listed with its number of arguments,
// every listed code is given somewhere, and checkText's fields are
// TextFields.
func TestRuleCodes(t *testing.T) {
	src := sourceRules(t)
	listed := map[string]int{}
	var prev string
	for _, c := range RuleCodes() {
		if c.Code <= prev {
			t.Errorf("RuleCodes: %s is not in order after %s", c.Code, prev)
		}
		prev = c.Code
		listed[c.Code] = len(c.Args)
		for _, k := range c.Args {
			if !slices.Contains([]string{ArgNumber, ArgText, ArgPhase, ArgProposal}, k) {
				t.Errorf("RuleCodes: %s has an argument of kind %q", c.Code, k)
			}
		}
	}
	for code, n := range src {
		if f, ok := strings.CutPrefix(code, "checkText:"); ok {
			if !slices.Contains(TextFields, f) {
				t.Errorf("checkText is called for the field %q, not one of TextFields %v", f, TextFields)
			}
			continue
		}
		m, ok := listed[code]
		switch {
		case !ok:
			t.Errorf("reason %s is given in the source but not in RuleCodes", code)
		case n >= 0 && n != m:
			t.Errorf("reason %s is given with %d arguments, RuleCodes lists %d", code, n, m)
		}
	}
	for code := range ruleCodes {
		if _, ok := src[code]; !ok {
			t.Errorf("RuleCodes lists %s, which no refusal gives", code)
		}
	}
}

// rule returns the reason of a refusal (nil if none).
func rule(err error) *RuleError {
	var re *RuleError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// TestRefusalsCarryTheirReason: the rules' refusals carry a reason of
// RuleCodes with its numbers, each argument of the kind listed, through
// the wire and back; Message is unchanged.
func TestRefusalsCarryTheirReason(t *testing.T) {
	w := newSession(t, Voting{Rule: RuleDots, Dots: 3})
	ana := w.join("Ana")
	kinds := map[string][]string{}
	for _, c := range RuleCodes() {
		kinds[c.Code] = c.Args
	}
	check := func(what string, err error, code string, args ...any) {
		t.Helper()
		re := rule(err)
		if re == nil || re.Rule == nil {
			t.Fatalf("%s: refusal %v has no reason", what, err)
		}
		if re.Rule.Code != code || !reflect.DeepEqual(re.Rule.Args, args) || "workshop: "+re.Rule.Text != re.Message {
			t.Fatalf("%s: reason %+v, want %s %v and the message's text %q", what, *re.Rule, code, args, re.Message)
		}
		for i, a := range re.Rule.Args {
			_, num := a.(float64)
			if (kinds[code][i] == ArgNumber) != num {
				t.Errorf("%s: argument %d (%v) is not of its kind %s", what, i, a, kinds[code][i])
			}
		}
		// Through the wire: the reason comes back as it went.
		data, _ := json.Marshal(ErrorMessage("c", err))
		m, derr := DecodeServerMessage(data)
		if derr != nil || m.Rule == nil || !reflect.DeepEqual(*m.Rule, *re.Rule) {
			t.Fatalf("%s: decoded %s as %+v (%v)", what, data, m, derr)
		}
	}
	_, err := w.try(ana, Command{Type: "propose", Cid: "a", Name: str("P"), Edits: json.RawMessage(parkEdit)})
	check("a proposal in the explore phase", err, "phase.propose", "explore")
	w.phase(PhasePropose)
	for i := 0; i < MaxProposalsPerActor; i++ {
		w.propose(ana, "P"+strconv.Itoa(i))
	}
	_, err = w.try(ana, Command{Type: "propose", Cid: "b", Name: str("Q"), Edits: json.RawMessage(parkEdit)})
	check("one proposal too many", err, "proposals.max", float64(MaxProposalsPerActor), float64(MaxProposalsPerActor))
	p := w.s.View().Proposals[0].ID
	_, err = w.try(ana, Command{Type: "comment", Cid: "c", Proposal: p, Text: strings.Repeat("é", MaxComment+234)})
	check("a long comment", err, "text.long", float64(MaxComment), float64(MaxComment+234))
	if re := rule(err); re.Field != "text" || re.Code != CodeLimit {
		t.Fatalf("a long comment refused as %+v, want limit of the text", re)
	}
	_, err = w.try(ana, Command{Type: "comment", Cid: "d", Proposal: p, Text: "a\u202eb"})
	check("a direction override", err, "text.control", "U+202E")
	_, err = w.try(ana, Command{Type: "vote", Cid: "e", Proposal: p, Dots: 2})
	check("a vote in the propose phase", err, "phase.vote", "propose")
	w.phase(PhaseVote)
	w.do(ana, Command{Type: "vote", Cid: "f", Proposal: p, Dots: 2})
	_, err = w.try(ana, Command{Type: "vote", Cid: "g", Proposal: w.s.View().Proposals[1].ID, Dots: 2})
	check("more dots than left", err, "dots.max", 3.0, 1.0, 2.0)
	_, err = w.try(ana, Command{Type: "vote", Cid: "h", Proposal: "p999"})
	check("a vote on no proposal", err, "proposal.missing", "p999")
	_, err = w.try(ana, Command{Type: "phase", Cid: "i", Phase: PhaseResults})
	check("a participant's phase", err, "role.facilitator")
	_, err = DecodeEdits(json.RawMessage(`[]`))
	check("no edits", err, "edits.count", float64(MaxEditsPerProposal), 0.0)
}

// TestDecodeServerMessageRule: a rule's reason of another shape is
// dropped, the refusal kept; only an error has one.
func TestDecodeServerMessageRule(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		keep bool
	}{
		{`{"type":"error","cid":"c","code":"limit","message":"m","rule":{"code":"proposals.max","args":[20,20],"text":"t"}}`, true},
		{`{"type":"error","cid":"c","code":"limit","message":"m","rule":{"code":"x","args":[{"code":"y","text":"z"}],"text":"t"}}`, false},
		{`{"type":"error","cid":"c","code":"limit","message":"m","rule":{"code":"x","args":[true],"text":"t"}}`, false},
		{`{"type":"error","cid":"c","code":"limit","message":"m","rule":{"code":"x"}}`, false},
		{`{"type":"ack","cid":"c","seq":3,"rule":{"code":"x","text":"t"}}`, false},
	} {
		m, err := DecodeServerMessage([]byte(tc.msg))
		if err != nil {
			t.Fatalf("%s: %v", tc.msg, err)
		}
		if (m.Rule != nil) != tc.keep {
			t.Errorf("%s: rule %+v, want kept %v", tc.msg, m.Rule, tc.keep)
		}
	}
}
