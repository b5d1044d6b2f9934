package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// shape is what a scenario file may hold at one place: an object with the
// fields named (matched without regard to case, as encoding/json does), a
// map or array of one shape, or any JSON value (GeoJSON geometry, whose own
// reader checks it).
type shape struct {
	fields map[string]*shape // an object's fields, by lower-case name
	names  []string          // the fields' names as written, for messages
	elem   *shape            // an array's elements, a map's values
	array  bool
	any    bool
}

// objectShape returns the shape of a struct's JSON fields; sub gives the
// shape of the fields that are not plain values.
func objectShape(v any, sub map[string]*shape) *shape {
	s := &shape{fields: map[string]*shape{}}
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		f := sub[name]
		if f == nil {
			f = &shape{any: true} // a plain value: encoding/json checks its type
		}
		s.fields[strings.ToLower(name)] = f
		s.names = append(s.names, name)
	}
	return s
}

// scenarioShape is the shape of a scenario file.
var scenarioShape = func() *shape {
	geometry := &shape{any: true}
	streets := objectShape(StreetSelector{}, map[string]*shape{"within": geometry})
	edit := objectShape(Edit{}, map[string]*shape{"area": geometry, "streets": streets})
	return objectShape(Scenario{}, map[string]*shape{
		"params": {elem: &shape{any: true}},
		"edits":  {array: true, elem: edit},
	})
}()

// scanScenario walks a scenario file before it is decoded and refuses what
// encoding/json would take silently or report without a place: a field no
// scenario has, and null where a value belongs (json would leave a number
// 0). Errors are a *ScenarioError, or an *EditError inside an edit, with the
// line and column.
func scanScenario(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	sc := scanner{data: data, dec: dec, edit: -1}
	tok, err := dec.Token()
	if err != nil {
		return nil // not JSON: the decoder's own error, with its place, follows
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		var what error
		switch tok.(type) {
		case json.Delim:
			what = msg("json.kind.array", "an array")
		case string:
			what = msg("json.kind.string", "a string")
		case json.Number:
			what = msg("json.kind.number", "a number")
		case bool:
			what = msg("json.kind.bool", "true or false")
		default:
			what = msg("json.kind.null", "null")
		}
		return &ScenarioError{Line: 1, Column: 1, Err: msg("file.not_object", "the file holds %v: a scenario is a JSON object, {\"barri\": 1, \"city\": ..., \"edits\": [...]}", what)}
	}
	if err := sc.object(scenarioShape, ""); err != errNotJSON {
		return err
	}
	return nil // not JSON: the decoder's own error, with its place, follows
}

// errNotJSON stops the scan where the file is not JSON: the decoder then
// reports that, with its place.
var errNotJSON = errors.New("not JSON")

// scanner walks the tokens of a scenario file.
type scanner struct {
	data []byte
	dec  *json.Decoder
	edit int // the index of the edit being read, or -1
}

// fail returns err at the token that starts at or after offset off.
func (s *scanner) fail(off int64, field string, err error) error {
	for off < int64(len(s.data)) && strings.IndexByte(" \t\r\n,:", s.data[off]) >= 0 {
		off++
	}
	line, col := position(s.data, off)
	if s.edit >= 0 {
		op := ""
		var loose struct {
			Edits []struct {
				Op string `json:"op"`
			} `json:"edits"`
		}
		if json.Unmarshal(s.data, &loose) == nil && s.edit < len(loose.Edits) {
			op = loose.Edits[s.edit].Op
		}
		return &EditError{Index: s.edit, Op: op, Field: field, Err: msg("edit.at", "line %d, column %d: %w", line, col, err)}
	}
	return &ScenarioError{Line: line, Column: col, Field: field, Err: err}
}

// object reads an object's fields after its '{'.
func (s *scanner) object(sh *shape, path string) error {
	for {
		off := s.dec.InputOffset()
		tok, err := s.dec.Token()
		if err != nil {
			return errNotJSON
		}
		if tok == json.Delim('}') {
			return nil
		}
		key, _ := tok.(string)
		var f *shape
		if sh.fields != nil {
			f = sh.fields[strings.ToLower(key)]
			if f == nil {
				names := append([]string(nil), sh.names...)
				sort.Strings(names)
				return s.fail(off, key, unknownField(key, path, strings.Join(names, ", ")))
			}
		} else {
			f = sh.elem // a map
		}
		if err := s.value(f, join(path, key), key); err != nil {
			return err
		}
	}
}

// value reads one value of shape sh.
func (s *scanner) value(sh *shape, path, field string) error {
	off := s.dec.InputOffset()
	tok, err := s.dec.Token()
	if err != nil {
		return errNotJSON
	}
	if tok == nil {
		return s.fail(off, field, msg("field.null", "%q is null: give a value or leave the field out", path))
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil
	}
	switch {
	case sh.any:
		return s.skip()
	case d == '[' && sh.array:
		for i := 0; s.dec.More(); i++ {
			if path == "edits" {
				s.edit = i
			}
			if err := s.value(sh.elem, fmt.Sprintf("%s[%d]", path, i), field); err != nil {
				return err
			}
		}
		s.edit = -1
		if _, err := s.dec.Token(); err != nil { // ']'
			return errNotJSON
		}
		return nil
	case d == '{' && !sh.array:
		return s.object(sh, path)
	}
	return s.skip() // the wrong kind of value: the decoder says so, with its place
}

// skip reads the rest of the object or array just opened.
func (s *scanner) skip() error {
	for depth := 1; depth > 0; {
		tok, err := s.dec.Token()
		if err != nil {
			return errNotJSON
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownField says that key is no field of the object at path.
func unknownField(key, path, fields string) error {
	if path == "" {
		return msg("field.unknown", "unknown field %q: the fields are %s", key, fields)
	}
	return msg("field.unknown_in", "unknown field %q in %s: the fields are %s", key, path, fields)
}

// position returns the 1-based line and column of byte off of data.
func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
