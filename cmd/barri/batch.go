package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/barri-city/barri/maps"
	"github.com/barri-city/barri/sim"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// The limits of a sweep. A shard's runs and the resume set are held in
// memory (a run is a few dozen bytes, a done key about a hundred), so a
// shard holds at most maxShardRuns runs; a longer sweep is split with
// --shard. The whole sweep may be as long as the arithmetic allows.
const (
	maxShardRuns = 1_000_000
	maxSeeds     = 1_000_000
	maxSteps     = 100_000
	maxWorkers   = 256
)

// batchScenario is one scenario of a sweep, with the digest that identifies
// it in the output.
type batchScenario struct {
	*loadedScenario
	digest string // the first 16 hex digits of the SHA-256 of the file's bytes
}

// batchRun is one run of a sweep: a scenario, a seed and maybe a varied parameter.
type batchRun struct {
	index    uint64 // position in the whole sweep
	scenario int
	seed     uint64
	value    float64
}

// runKey identifies a run completely: the scenario's content, the seed, the
// varied parameter's name and its value. A resumed batch skips the runs
// whose key is already in the output.
type runKey struct {
	digest, seed, vary, value string
}

type varySpec struct {
	name     string
	from, to float64
	steps    int
}

func parseVary(s string) (varySpec, error) {
	name, rng, ok := strings.Cut(s, "=")
	parts := strings.Split(rng, ":")
	if !ok || len(parts) != 3 {
		return varySpec{}, badInput("--vary %s: want NAME=FROM:TO:STEPS", maps.ShortName(s))
	}
	from, err1 := strconv.ParseFloat(parts[0], 64)
	to, err2 := strconv.ParseFloat(parts[1], 64)
	steps, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || steps < 1 || steps > maxSteps {
		return varySpec{}, badInput("--vary %s: FROM and TO must be numbers, STEPS a whole number from 1 to %d", maps.ShortName(s), maxSteps)
	}
	p := sim.DefaultParams()
	for _, v := range []float64{from, to} {
		if err := p.Set(name, v); err != nil {
			return varySpec{}, badInput("--vary: %v", err)
		}
	}
	vs := varySpec{name, from, to, steps}
	// Every step must be its own run: --vary x=0.1:0.1:5 would run one value
	// five times (and steps closer than twelve digits round to one value).
	for i := 1; i < steps; i++ {
		if vs.value(i) == vs.value(i-1) {
			return varySpec{}, badInput("--vary %s: steps %d and %d both give %s = %v: every step must give another value (FROM and TO further apart, or fewer STEPS)",
				maps.ShortName(s), i-1, i, name, vs.value(i))
		}
	}
	return vs, nil
}

func (v varySpec) value(i int) float64 {
	if v.steps == 1 {
		return v.from
	}
	x := v.from + float64((v.to-v.from)*float64(i))/float64(v.steps-1)
	// Twelve significant digits: 0.1 + 0.4/2 is 0.3, not 0.30000000000000004.
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	return x
}

func parseShard(s string) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseUint(a, 10, 64)
	n, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || i >= n {
		return 0, 0, badInput("--shard %s: want I/N with 0 <= I < N (e.g. $JOB_COMPLETION_INDEX/4)", maps.ShortName(s))
	}
	return i, n, nil
}

// shardBounds returns the contiguous runs [lo, hi) of shard i of n in a
// sweep of total runs: total·i/n without overflow, so that shards 0, 1, ...
// in order hold the whole sweep exactly once.
func shardBounds(total, i, n uint64) (uint64, uint64) {
	at := func(k uint64) uint64 {
		hi, lo := bits.Mul64(total, k)
		q, _ := bits.Div64(hi, lo, n) // hi < n because k <= n
		return q
	}
	return at(i), at(i + 1)
}

// batchHeader is the first line of every batch output.
func batchHeader() []string {
	header := []string{"scenario", "scenario_sha256", "name", "city", "seed", "vary", "value"}
	header = append(header, sim.IndicatorKeys()...)
	for _, k := range sim.IndicatorKeys() {
		header = append(header, "delta."+k)
	}
	return header
}

// Column positions of the run key in a batch row.
const (
	colDigest = 1
	colSeed   = 4
	colVary   = 5
	colValue  = 6
)

func cmdBatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("batch", "batch SCENARIO.json... [--seeds N] [--vary NAME=FROM:TO:STEPS] [--workers N] [--shard I/N] [--out results.csv]", stderr)
	seeds := fs.Int("seeds", 1, "run each scenario with `N` seeds: its own seed and the N-1 following")
	vary := fs.String("vary", "", "sweep a model parameter: `NAME=FROM:TO:STEPS` (it replaces the scenario's own value in \"params\")")
	workers := fs.Int("workers", 1, "run `N` scenarios at once (fewer if memory would not hold them)")
	shard := fs.String("shard", "", "run only shard `I/N` of the runs (0-based I); each shard's output is a complete CSV with its header")
	out := fs.String("out", "results.csv", "CSV `file`; rows already in it are skipped (resume)")
	progress := fs.Bool("progress", true, "show a progress bar when stderr is a terminal")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return badInput("batch needs at least one scenario")
	}
	if *seeds < 1 || *seeds > maxSeeds {
		return badInput("--seeds %d: want 1 to %d", *seeds, maxSeeds)
	}
	if *workers < 1 || *workers > maxWorkers {
		return badInput("--workers %d: want 1 to %d", *workers, maxWorkers)
	}
	var vs varySpec
	if *vary != "" {
		if vs, err = parseVary(*vary); err != nil {
			return err
		}
	}
	shardI, shardN := uint64(0), uint64(1)
	if *shard != "" {
		if shardI, shardN, err = parseShard(*shard); err != nil {
			return err
		}
	}
	// Load every scenario first: bad input fails before any run.
	scens, err := loadBatchScenarios(pos, *seeds, vs)
	if err != nil {
		return err
	}
	steps := uint64(1)
	if vs.name != "" {
		steps = uint64(vs.steps)
	}
	perScenario := uint64(*seeds) * steps // at most 10^11: no overflow
	hi, total := bits.Mul64(uint64(len(scens)), perScenario)
	if hi != 0 {
		return badInput("batch: the sweep has more than 2^64 runs: sweep fewer scenarios, seeds or steps")
	}
	lo, end := shardBounds(total, shardI, shardN)
	if end-lo > maxShardRuns {
		need := (total + maxShardRuns - 1) / maxShardRuns
		return badInput("batch: this shard has %d runs, more than the %d one batch holds: split the sweep of %d runs with --shard I/N, N at least %d",
			end-lo, maxShardRuns, total, need)
	}
	runAt := func(i uint64) batchRun {
		s := i / perScenario
		k := (i / steps) % uint64(*seeds)
		r := batchRun{index: i, scenario: int(s), seed: scens[s].sc.Seed + k}
		if vs.name != "" {
			r.value = vs.value(int(i % steps))
		}
		return r
	}

	o, err := openBatchOutput(*out, stderr)
	if err != nil {
		return err
	}
	defer o.close()
	var todo []batchRun
	for i := lo; i < end; i++ {
		r := runAt(i)
		if !o.done[r.key(scens, vs)] {
			todo = append(todo, r)
		}
	}
	cities := newCityCache(scens, todo)
	n := boundWorkers(*workers, cities, stderr)
	fmt.Fprintf(stderr, "batch: %d runs in this shard, %d already done, %d to run on %d workers\n", end-lo, end-lo-uint64(len(todo)), len(todo), n)

	var bar *progressbar.ProgressBar
	if isTerminal(stderr) && *progress && len(todo) > 0 {
		bar = progressbar.NewOptions(len(todo), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("batch"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	// Workers evaluate; rows are written in run order, each in one write, so
	// that an interrupted batch resumes where it stopped.
	type result struct {
		i   int
		row []string
		err error
	}
	jobs := make(chan int)
	results := make(chan result)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				row, err := runOne(scens, cities, todo[i], vs)
				results <- result{i, row, err}
			}
		}()
	}
	go func() {
	feed:
		for i := range todo {
			select {
			case jobs <- i:
			case <-stop:
				break feed
			}
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int]result{}
	next, written := 0, 0
	var firstErr error
	for res := range results {
		pending[res.i] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if firstErr == nil {
				if r.err != nil {
					firstErr = r.err
				} else if err := o.writeRow(r.row); err != nil {
					firstErr = fmt.Errorf("batch: writing %s: %v: %d rows written; make room and run the same command again to resume", *out, err, written)
				} else {
					written++
				}
				if firstErr != nil {
					close(stop)
				}
			}
			if bar != nil {
				bar.Add(1)
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(stderr, "batch: wrote %d rows to %s\n", written, *out)
	return nil
}

// loadBatchScenarios loads the scenarios of a sweep and refuses what would
// make runs that are not what they say: the same scenario twice, a seed that
// wraps, a --vary that a param edit overrides. Scenarios that name one city
// share it: a city file is read once.
func loadBatchScenarios(pos []string, seeds int, vs varySpec) ([]batchScenario, error) {
	scens := make([]batchScenario, len(pos))
	seen := map[string]string{}
	type loadKey struct {
		path string
		seed uint64
	}
	loaded := map[loadKey]*sim.City{}
	load := func(name string, seed uint64) (*sim.City, error) {
		k := loadKey{name, 0}
		if abs, err := filepath.Abs(name); err == nil && fileExists(name) {
			k.path = abs
		}
		if maps.SeedMatters(name) {
			k.seed = seed
		}
		if c, ok := loaded[k]; ok {
			return c, nil
		}
		c, err := maps.Load(name, seed)
		if err == nil {
			loaded[k] = c
		}
		return c, err
	}
	for i, p := range pos {
		l, err := loadScenarioWith(p, load)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(l.data)
		d := hex.EncodeToString(sum[:8])
		if first, ok := seen[d]; ok {
			return nil, badInput("batch: %s is the same scenario as %s (the same content): give each scenario once", p, first)
		}
		seen[d] = p
		if l.sc.Seed > ^uint64(0)-uint64(seeds-1) {
			return nil, badInput("batch: %s: seed %d with --seeds %d passes 2^64-1 and would wrap to 0: use a smaller seed or fewer seeds", p, l.sc.Seed, seeds)
		}
		if vs.name != "" {
			for k, e := range l.sc.Edits {
				if e.Op == "param" && e.Name == vs.name {
					return nil, badInput("batch: %s: edit %d (param) sets %s, which would override --vary %s in every run: remove the edit or vary another parameter", p, k, vs.name, vs.name)
				}
			}
		}
		scens[i] = batchScenario{l, d}
	}
	return scens, nil
}

func (r batchRun) key(scens []batchScenario, vs varySpec) runKey {
	k := runKey{digest: scens[r.scenario].digest, seed: strconv.FormatUint(r.seed, 10)}
	if vs.name != "" {
		k.vary, k.value = vs.name, strconv.FormatFloat(r.value, 'g', -1, 64)
	}
	return k
}

func runOne(scens []batchScenario, cities *cityCache, r batchRun, vs varySpec) ([]string, error) {
	l := scens[r.scenario]
	city, err := cities.get(r)
	if err != nil {
		return nil, err
	}
	defer cities.release(r)
	sc := *l.sc
	sc.Seed = r.seed
	sc.Params = map[string]float64{}
	for k, v := range l.sc.Params {
		sc.Params[k] = v
	}
	value := ""
	if vs.name != "" {
		sc.Params[vs.name] = r.value
		value = strconv.FormatFloat(r.value, 'g', -1, 64)
	}
	res, err := (&loadedScenario{path: l.path, sc: &sc, city: city}).evaluate()
	if err != nil {
		return nil, err
	}
	row := []string{shown(l.path, 1000), l.digest, shown(sc.Name, 1000), shown(res.City, 1000), strconv.FormatUint(r.seed, 10), vs.name, value}
	for _, k := range sim.IndicatorKeys() {
		row = append(row, strconv.FormatFloat(res.Scenario.City.Get(k), 'g', -1, 64))
	}
	for _, k := range sim.IndicatorKeys() {
		row = append(row, strconv.FormatFloat(res.Delta.Get(k), 'g', -1, 64))
	}
	return row, nil
}

// cityCache shares one read-only city between every worker that runs on it
// (sim's cities are safe for concurrent Evaluate), and lets it go when no
// run left needs it. A synthetic city is generated from the run's seed; any
// other city is the one its scenario loaded.
type cityCache struct {
	scens   []batchScenario
	mu      sync.Mutex
	entries map[cityKey]*cityEntry
}

// cityKey names a city of the sweep: a generated city by its name and seed
// (shared by every scenario that names it), any other by its scenario.
type cityKey struct {
	scenario int
	name     string
	seed     uint64
}

type cityEntry struct {
	once sync.Once
	city *sim.City
	err  error
	left int // runs still to come
}

func newCityCache(scens []batchScenario, todo []batchRun) *cityCache {
	c := &cityCache{scens: scens, entries: map[cityKey]*cityEntry{}}
	for _, r := range todo {
		k := c.key(r)
		e := c.entries[k]
		if e == nil {
			e = &cityEntry{}
			c.entries[k] = e
		}
		e.left++
	}
	return c
}

func (c *cityCache) key(r batchRun) cityKey {
	if name := c.scens[r.scenario].sc.City; maps.SeedMatters(name) {
		return cityKey{-1, name, r.seed}
	}
	return cityKey{r.scenario, "", 0}
}

// perRun reports whether runs of one scenario load a city each (synthetic
// cities with several seeds).
func (c *cityCache) perRun() bool {
	for _, s := range c.scens {
		if maps.SeedMatters(s.sc.City) {
			return true
		}
	}
	return false
}

func (c *cityCache) get(r batchRun) (*sim.City, error) {
	c.mu.Lock()
	e := c.entries[c.key(r)]
	c.mu.Unlock()
	l := c.scens[r.scenario]
	e.once.Do(func() {
		if !maps.SeedMatters(l.sc.City) || r.seed == l.sc.Seed {
			e.city = l.city
			return
		}
		e.city, e.err = maps.Load(l.sc.City, r.seed)
		if e.err != nil {
			e.err = fmt.Errorf("%s: city with seed %d: %v", l.path, r.seed, e.err)
		}
	})
	return e.city, e.err
}

func (c *cityCache) release(r batchRun) {
	c.mu.Lock()
	k := c.key(r)
	generated := false
	if e := c.entries[k]; e != nil {
		if e.left--; e.left <= 0 {
			delete(c.entries, k)
			generated = e.city != nil && e.city != c.scens[r.scenario].city
		}
	}
	c.mu.Unlock()
	if generated {
		// A generated city is garbage now: collect it before the next is
		// generated, so that the heap does not grow to hold both.
		runtime.GC()
	}
}

// cityBytes estimates the memory of a loaded city from its contents.
func cityBytes(c *sim.City) uint64 {
	// Measured on synthetic-300000: 99 MB of heap for 300,000 buildings,
	// 37,812 segments, 19,044 nodes, 18,790 stops and amenities.
	n := uint64(len(c.Buildings))*300 + uint64(len(c.Segments))*400 + uint64(len(c.Nodes))*100 +
		uint64(len(c.Stops)+len(c.Amenities))*200
	return max(n, 1<<20)
}

// memAvailable returns the memory the system can give without swapping
// (Linux's MemAvailable), 0 when unknown. A variable for tests.
var memAvailable = func() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// boundWorkers lowers the worker count so that the runs held at once fit in
// three quarters of the available memory. A run needs about one and a half
// times its city's memory (the model's state per building and segment: 150
// MB of heap beside the 99 MB city of synthetic-300000); when each run loads
// its own city (synthetic cities, several seeds) it needs that city too. The
// cities are shared otherwise, so they are counted once.
func boundWorkers(want int, cities *cityCache, stderr io.Writer) int {
	avail := memAvailable()
	if avail == 0 || want == 1 {
		return want
	}
	var shared, biggest uint64
	for _, s := range cities.scens {
		b := cityBytes(s.city)
		shared += b
		biggest = max(biggest, b)
	}
	per := biggest / 2 * 3
	if cities.perRun() {
		per += biggest
	}
	budget := avail / 4 * 3
	if budget <= shared {
		budget = per // one worker, whatever it costs
	} else {
		budget -= shared
	}
	n := int(min(uint64(want), max(1, budget/per)))
	if n < want {
		fmt.Fprintf(stderr, "batch: --workers %d lowered to %d: each run needs about %d MB and %d MB are available\n", want, n, per>>20, avail>>20)
	}
	return n
}

// batchOutput is an open, locked batch output file and the runs it holds.
type batchOutput struct {
	path string
	f    *os.File
	w    outFile // f, or a stand-in in tests
	done map[runKey]bool
	size int64 // bytes of complete rows
	buf  bytes.Buffer
	csv  *csv.Writer
}

// openBatchOutput opens (or creates) a batch output, takes its lock, checks
// its header, reads the runs already done, drops an incomplete last row (a
// write cut short by a full disk or a kill) and writes the header to a new
// file. Only regular files: a FIFO, /dev/stdout or /dev/full cannot be
// resumed.
func openBatchOutput(path string, stderr io.Writer) (*batchOutput, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, badInput("batch: --out %s is not a regular file (%s): give the path of a CSV file (the batch reads it to resume)", path, st.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("batch: %v", err)
	}
	o := &batchOutput{path: path, f: f, w: f}
	o.csv = csv.NewWriter(&o.buf)
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, badInput("batch: --out %s is not a regular file: give the path of a CSV file", path)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, badInput("batch: %s is being written by another barri batch: wait for it to finish, or give another --out", path)
		}
		return nil, fmt.Errorf("batch: locking %s: %v", path, err)
	}
	res, err := readBatchOutput(bufio.NewReader(f), batchHeader())
	if err != nil {
		o.close()
		return nil, badInput("batch: %s: %v", path, err)
	}
	o.done, o.size = res.done, res.size
	if res.dropped != "" {
		if err := f.Truncate(res.size); err != nil {
			o.close()
			return nil, fmt.Errorf("batch: %s: dropping the incomplete last row: %v", path, err)
		}
		fmt.Fprintf(stderr, "batch: %s: dropped an incomplete last row (line %d: %s); that run is done again\n", path, res.line, res.dropped)
	}
	if _, err := f.Seek(res.size, io.SeekStart); err != nil {
		o.close()
		return nil, fmt.Errorf("batch: %v", err)
	}
	if !res.header {
		if err := o.writeRow(batchHeader()); err != nil {
			o.close()
			return nil, fmt.Errorf("batch: writing %s: %v", path, err)
		}
	}
	return o, nil
}

// writeRow appends one CSV row in a single write. A failed write is cut off
// again, so that the file keeps only complete rows.
func (o *batchOutput) writeRow(row []string) error {
	o.buf.Reset()
	o.csv.Write(row)
	o.csv.Flush()
	if _, err := o.w.Write(o.buf.Bytes()); err != nil {
		o.w.Truncate(o.size)
		o.w.Seek(o.size, io.SeekStart)
		return err
	}
	o.size += int64(o.buf.Len())
	return nil
}

// outFile is what writeRow needs of the output file.
type outFile interface {
	io.Writer
	io.Seeker
	Truncate(size int64) error
}

func (o *batchOutput) close() {
	unlockFile(o.f)
	o.f.Close()
}

// batchContents is what readBatchOutput found in an output file.
type batchContents struct {
	header  bool // the file starts with the batch header
	done    map[runKey]bool
	size    int64  // bytes up to the end of the last complete row
	dropped string // why the last row is incomplete, "" if it is not
	line    int    // that row's line
}

// readBatchOutput reads a batch output: the header, then one row per line
// (the batch writes every field on one line). The file must start with the
// header of this version of barri; a last line without its newline, or with
// too few fields, is a row cut short and is reported as dropped; any other
// damage is an error naming the line.
func readBatchOutput(r *bufio.Reader, header []string) (batchContents, error) {
	res := batchContents{done: map[runKey]bool{}}
	want := strings.Join(header, ",")
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if err == io.EOF && text == "" {
			return res, nil
		}
		if err != nil && err != io.EOF {
			return res, err
		}
		complete := strings.HasSuffix(text, "\n")
		body := strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		if line == 1 {
			if body != want {
				if !complete && strings.HasPrefix(want, body) {
					res.dropped, res.line = "a header cut short", line
					return res, nil
				}
				return res, fmt.Errorf("the file exists and is not the output of a batch of this barri (its first line is not the batch header): give another --out, or move the file aside")
			}
			if !complete {
				// The header without its newline: complete it.
				res.dropped, res.line = "the header's line end", line
				return res, nil
			}
			res.header = true
			res.size += int64(len(text))
			continue
		}
		cr := csv.NewReader(strings.NewReader(body))
		cr.FieldsPerRecord = len(header)
		rec, perr := cr.Read()
		if !complete {
			// A write cut short: whatever it holds, the run is done again.
			res.dropped, res.line = fmt.Sprintf("%d bytes without a line end", len(text)), line
			return res, nil
		}
		if perr != nil {
			if _, more := r.Peek(1); more == io.EOF {
				res.dropped, res.line = "not a whole row: "+perr.Error(), line
				return res, nil
			}
			return res, fmt.Errorf("line %d: %v: the file is damaged; move it aside and run again", line, perr)
		}
		if _, err := strconv.ParseUint(rec[colSeed], 10, 64); err != nil {
			return res, fmt.Errorf("line %d: seed %q is not a whole number: the file is damaged; move it aside and run again", line, shown(rec[colSeed], 40))
		}
		res.done[runKey{rec[colDigest], rec[colSeed], rec[colVary], rec[colValue]}] = true
		res.size += int64(len(text))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
