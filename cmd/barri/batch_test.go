package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
)

// readRows reads a batch output's rows (without the header).
func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(batchHeader(), ",") {
		t.Fatalf("%s does not start with the batch header", path)
	}
	return recs[1:]
}

// TestBatchDropsIncompleteLastRow: a row cut short (a full disk, a kill)
// is dropped on resume and run again, not taken as done with the next row
// appended to it.
func TestBatchDropsIncompleteLastRow(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.csv")
	args := []string{"batch", "bus-i-bici", "--seeds", "3"}
	if _, e, code := barri(t, append(args, "--out", full)...); code != 0 {
		t.Fatal(e)
	}
	data, _ := os.ReadFile(full)
	for _, cut := range []int{1, 40, 300} {
		part := filepath.Join(dir, "part.csv")
		os.WriteFile(part, data[:len(data)-cut], 0o644)
		_, e, code := barri(t, append(args, "--out", part)...)
		if code != 0 {
			t.Fatalf("cut %d: exit %d: %s", cut, code, e)
		}
		if !strings.Contains(e, "dropped an incomplete last row") || !strings.Contains(e, "1 to run") {
			t.Errorf("cut %d: the resume does not say it dropped the cut row: %s", cut, e)
		}
		if got, _ := os.ReadFile(part); !bytes.Equal(got, data) {
			t.Errorf("cut %d: resumed output differs from the whole one", cut)
		}
	}
}

// TestBatchKeyIdentifiesTheRun: sweeping another parameter into the same
// output runs again (the key holds the parameter's name), and so does an
// edited scenario file under the same name (the key holds its content).
func TestBatchKeyIdentifiesTheRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	if _, e, code := barri(t, "batch", "bus-i-bici", "--vary", "car_cost_eur_km=0.1:0.3:3", "--out", out); code != 0 {
		t.Fatal(e)
	}
	_, e, code := barri(t, "batch", "bus-i-bici", "--vary", "pt_fare_eur=0.1:0.3:3", "--out", out)
	if code != 0 || !strings.Contains(e, "0 already done, 3 to run") {
		t.Fatalf("the second sweep was skipped: exit %d: %s", code, e)
	}
	if rows := readRows(t, out); len(rows) != 6 {
		t.Errorf("%d rows, want 6", len(rows))
	}
	sc := filepath.Join(dir, "s.json")
	os.WriteFile(sc, []byte(`{"barri":1,"name":"a","city":"eixample","edits":[]}`), 0o644)
	out2 := filepath.Join(dir, "r2.csv")
	barri(t, "batch", sc, "--out", out2)
	os.WriteFile(sc, []byte(`{"barri":1,"name":"a","city":"eixample","params":{"car_cost_eur_km":0.5},"edits":[]}`), 0o644)
	if _, e, _ := barri(t, "batch", sc, "--out", out2); !strings.Contains(e, "1 to run") {
		t.Errorf("an edited scenario counts as done: %s", e)
	}
}

// TestBatchLocksItsOutput: a second batch on an output that another holds
// is refused instead of interleaving headers and duplicating rows.
func TestBatchLocksItsOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	f, err := os.OpenFile(out, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		t.Skipf("no file locks here: %v", err)
	}
	_, e, code := barri(t, "batch", "bus-i-bici", "--out", out)
	if code != 2 || !strings.Contains(e, "being written by another barri batch") {
		t.Fatalf("exit %d: %s", code, e)
	}
	unlockFile(f)
	if _, e, code := barri(t, "batch", "bus-i-bici", "--out", out); code != 0 {
		t.Fatalf("after the lock is gone: exit %d: %s", code, e)
	}
}

// TestBatchEveryShardHasHeader: a shard that gets no runs still writes a
// complete CSV (its header), and huge shard numbers do not overflow.
func TestBatchEveryShardHasHeader(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s0.csv")
	if _, e, code := barri(t, "batch", "bus-i-bici", "--seeds", "2", "--shard", "0/3", "--out", out); code != 0 {
		t.Fatal(e)
	}
	if rows := readRows(t, out); len(rows) != 0 {
		t.Errorf("shard 0 of 3 of two runs has %d rows", len(rows))
	}
	out = filepath.Join(dir, "big.csv")
	_, e, code := barri(t, "batch", "bus-i-bici", "--seeds", "3", "--shard", "9223372036854775806/9223372036854775807", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if rows := readRows(t, out); len(rows) != 1 {
		t.Errorf("the last of 2^63-1 shards of 3 runs holds %d rows, want the last run", len(rows))
	}
	for _, tc := range []struct{ total, n uint64 }{{7, 3}, {1, 5}, {1 << 40, 1<<63 - 1}, {^uint64(0), 1000}} {
		for _, i := range []uint64{0, 1, tc.n / 2, tc.n - 1} {
			lo, hi := shardBounds(tc.total, i, tc.n)
			prevHi := uint64(0)
			if i > 0 {
				_, prevHi = shardBounds(tc.total, i-1, tc.n)
			}
			if lo > hi || hi > tc.total || lo != prevHi || (i == tc.n-1 && hi != tc.total) {
				t.Errorf("shardBounds(%d, %d, %d) = %d, %d (shard before ends at %d)", tc.total, i, tc.n, lo, hi, prevHi)
			}
		}
	}
}

// TestBatchSeedsGenerateSyntheticCities: on a synthetic-N city each seed
// generates its own city, as run with that seed does (every seed gave the
// row of the scenario's own seed).
func TestBatchSeedsGenerateSyntheticCities(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "syn.json")
	os.WriteFile(sc, []byte(`{"barri":1,"name":"syn","city":"synthetic-300","seed":5,"edits":[]}`), 0o644)
	out := filepath.Join(dir, "r.csv")
	if _, e, code := barri(t, "batch", sc, "--seeds", "3", "--workers", "2", "--out", out); code != 0 {
		t.Fatal(e)
	}
	rows := readRows(t, out)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	col := 7 + 2 // housing.rent_eur_month
	for i, row := range rows {
		seed := uint64(5 + i)
		c, _ := maps.Load("synthetic-300", seed)
		r, err := sim.Evaluate(c, &sim.Scenario{City: c.Name, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		want := r.Scenario.City.Get(batchHeader()[col])
		if row[col] != formatG(want) {
			t.Errorf("seed %d: %s = %s, run with that seed gives %s", seed, batchHeader()[col], row[col], formatG(want))
		}
	}
	if rows[0][col] == rows[1][col] {
		t.Errorf("seeds 5 and 6 give the same row")
	}
}

// TestBatchSharesCitiesAndBoundsWorkers: runs on one city share it; a
// synthetic city is loaded per seed and let go when its runs are done; the
// worker count is lowered when memory would not hold the runs.
func TestBatchSharesCitiesAndBoundsWorkers(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "syn.json")
	os.WriteFile(sc, []byte(`{"barri":1,"name":"syn","city":"synthetic-2000","seed":1,"edits":[]}`), 0o644)
	eix, err := loadScenario("bus-i-bici")
	if err != nil {
		t.Fatal(err)
	}
	syn, err := loadScenario(sc)
	if err != nil {
		t.Fatal(err)
	}
	scens := []batchScenario{{eix, "a"}, {syn, "b"}}
	todo := []batchRun{{scenario: 0, seed: 1}, {scenario: 0, seed: 2}, {scenario: 1, seed: 1}, {scenario: 1, seed: 2}}
	cc := newCityCache(scens, todo)
	c0, _ := cc.get(todo[0])
	c1, _ := cc.get(todo[1])
	if c0 != c1 || c0 != eix.city {
		t.Error("two runs on the Eixample hold two cities")
	}
	s1, _ := cc.get(todo[2])
	s2, _ := cc.get(todo[3])
	if s1 != syn.city || s2 == s1 {
		t.Error("the synthetic city is not generated per seed")
	}
	for _, r := range todo {
		cc.release(r)
	}
	if len(cc.entries) != 0 {
		t.Errorf("%d cities held after every run", len(cc.entries))
	}
	defer func(f func() uint64) { memAvailable = f }(memAvailable)
	memAvailable = func() uint64 { return 4 * cityBytes(syn.city) * 3 / 2 * 4 / 3 }
	var msg bytes.Buffer
	if n := boundWorkers(32, newCityCache(scens, todo), &msg); n >= 32 || n < 1 || !strings.Contains(msg.String(), "lowered to") {
		t.Errorf("32 workers in room for a few: %d (%s)", n, msg.String())
	}
	memAvailable = func() uint64 { return 1 << 40 }
	if n := boundWorkers(8, newCityCache(scens, todo), &msg); n != 8 {
		t.Errorf("8 workers lowered to %d with room to spare", n)
	}
}

// FuzzReadBatchOutput: the resume reader never panics, and whatever it
// accepts it accepts whole rows of the header's width.
func FuzzReadBatchOutput(f *testing.F) {
	header := batchHeader()
	h := strings.Join(header, ",") + "\n"
	row := "a.json,0123456789abcdef,a,eixample,1,,," + strings.Repeat("1,", len(header)-8) + "1\n"
	f.Add([]byte(""))
	f.Add([]byte(h))
	f.Add([]byte(h + row))
	f.Add([]byte(h + row + row[:30]))
	f.Add([]byte(h[:20]))
	f.Add([]byte("x,y,z\n1,2,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := readBatchOutput(bufio.NewReader(bytes.NewReader(data)), header)
		if err != nil {
			return
		}
		if res.size > int64(len(data)) || (res.dropped == "" && res.size != int64(len(data))) {
			t.Fatalf("size %d of %d bytes (dropped %q)", res.size, len(data), res.dropped)
		}
		if len(res.done) > 0 && !res.header {
			t.Fatal("rows accepted without the header")
		}
	})
}

func formatG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fullDisk is an output file with room for limit bytes: a write past it
// writes what fits and fails, as on a full disk.
type fullDisk struct {
	data  []byte
	pos   int64
	limit int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	room := d.limit - len(d.data)
	if len(p) > room {
		d.data = append(d.data, p[:max(room, 0)]...)
		return max(room, 0), errors.New("no space left on device")
	}
	d.data = append(d.data, p...)
	d.pos += int64(len(p))
	return len(p), nil
}

func (d *fullDisk) Seek(off int64, whence int) (int64, error) { d.pos = off; return off, nil }

func (d *fullDisk) Truncate(n int64) error { d.data = d.data[:n]; return nil }

// TestBatchFullDiskKeepsWholeRows: a row that does not fit is cut off again,
// so the file holds only whole rows and the next run resumes cleanly.
func TestBatchFullDiskKeepsWholeRows(t *testing.T) {
	d := &fullDisk{limit: 2000}
	o := &batchOutput{w: d}
	o.csv = csv.NewWriter(&o.buf)
	row := strings.Split(strings.Repeat("x,", len(batchHeader())-1)+"x", ",")
	written := 0
	for i := 0; i < 50; i++ {
		if err := o.writeRow(row); err != nil {
			break
		}
		written++
	}
	if written == 0 || written == 50 {
		t.Fatalf("%d rows written into 2000 bytes", written)
	}
	if len(d.data) != int(o.size) || !bytes.HasSuffix(d.data, []byte("\n")) || bytes.Count(d.data, []byte("\n")) != written {
		t.Fatalf("after the failed write the file holds %d bytes, %d lines, want %d whole rows", len(d.data), bytes.Count(d.data, []byte("\n")), written)
	}
}

// TestBatchReadsACityFileOnce: scenarios naming one city file share one
// city (each read its own copy).
func TestBatchReadsACityFileOnce(t *testing.T) {
	dir := t.TempDir()
	c, _ := maps.Load("synthetic-50", 1)
	if err := maps.WriteCityFile(filepath.Join(dir, "c.barri"), c); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, name := range []string{"a", "b"} {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(`{"barri":1,"name":"`+name+`","city":"c.barri","seed":`+strconv.Itoa(i)+`,"edits":[]}`), 0o644)
		paths = append(paths, p)
	}
	scens, err := loadBatchScenarios(paths, 1, varySpec{})
	if err != nil {
		t.Fatal(err)
	}
	if scens[0].city != scens[1].city {
		t.Error("two scenarios of one city file hold two cities")
	}
}
