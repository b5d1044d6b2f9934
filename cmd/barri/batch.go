package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/barri-city/barri/sim"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// batchRun is one run of a sweep: a scenario, a seed and maybe a varied parameter.
type batchRun struct {
	index    int
	scenario int
	seed     uint64
	value    float64
}

// key identifies a run in the output, so that a resumed batch skips it.
func (r batchRun) key(paths []string, vary string) string {
	v := ""
	if vary != "" {
		v = strconv.FormatFloat(r.value, 'g', -1, 64)
	}
	return paths[r.scenario] + "\x00" + strconv.FormatUint(r.seed, 10) + "\x00" + v
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
		return varySpec{}, badInput("--vary %q: want NAME=FROM:TO:STEPS", s)
	}
	from, err1 := strconv.ParseFloat(parts[0], 64)
	to, err2 := strconv.ParseFloat(parts[1], 64)
	steps, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || steps < 1 || steps > 100000 {
		return varySpec{}, badInput("--vary %q: FROM and TO must be numbers, STEPS a whole number from 1 to 100000", s)
	}
	p := sim.DefaultParams()
	for _, v := range []float64{from, to} {
		if err := p.Set(name, v); err != nil {
			return varySpec{}, badInput("--vary: %v", err)
		}
	}
	return varySpec{name, from, to, steps}, nil
}

func (v varySpec) value(i int) float64 {
	if v.steps == 1 {
		return v.from
	}
	x := v.from + (v.to-v.from)*float64(i)/float64(v.steps-1)
	// Twelve significant digits: 0.1 + 0.4/2 is 0.3, not 0.30000000000000004.
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	return x
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, badInput("--shard %q: want I/N with 0 <= I < N (e.g. $JOB_COMPLETION_INDEX/4)", s)
	}
	return i, n, nil
}

func cmdBatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("batch", "batch SCENARIO.json... [--seeds N] [--vary NAME=FROM:TO:STEPS] [--workers N] [--shard I/N] [--out results.csv]", stderr)
	seeds := fs.Int("seeds", 1, "run each scenario with `N` seeds: its own seed and the N-1 following")
	vary := fs.String("vary", "", "sweep a model parameter: `NAME=FROM:TO:STEPS`")
	workers := fs.Int("workers", 1, "run `N` scenarios at once")
	shard := fs.String("shard", "", "run only shard `I/N` of the runs (0-based I); shard outputs concatenate in order")
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
	if *seeds < 1 || *seeds > 1000000 {
		return badInput("--seeds %d: want 1 to 1000000", *seeds)
	}
	if *workers < 1 || *workers > 256 {
		return badInput("--workers %d: want 1 to 256", *workers)
	}
	var vs varySpec
	if *vary != "" {
		if vs, err = parseVary(*vary); err != nil {
			return err
		}
	}
	shardI, shardN := 0, 1
	if *shard != "" {
		if shardI, shardN, err = parseShard(*shard); err != nil {
			return err
		}
	}
	// Load every scenario first: bad input fails before any run.
	loaded := make([]*loadedScenario, len(pos))
	for i, p := range pos {
		if loaded[i], err = loadScenario(p); err != nil {
			return err
		}
	}
	steps := 1
	if vs.name != "" {
		steps = vs.steps
	}
	var all []batchRun
	for s := range loaded {
		for k := 0; k < *seeds; k++ {
			for v := 0; v < steps; v++ {
				r := batchRun{index: len(all), scenario: s, seed: loaded[s].sc.Seed + uint64(k)}
				if vs.name != "" {
					r.value = vs.value(v)
				}
				all = append(all, r)
			}
		}
	}
	// Contiguous shards, so that shard 0, 1, ... concatenated is the whole sweep.
	lo, hi := len(all)*shardI/shardN, len(all)*(shardI+1)/shardN
	runs := all[lo:hi]

	done, hasHeader, err := readDone(*out, pos, vs.name)
	if err != nil {
		return err
	}
	var todo []batchRun
	for _, r := range runs {
		if !done[r.key(pos, vs.name)] {
			todo = append(todo, r)
		}
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("batch: %v", err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	header := append([]string{"scenario", "name", "city", "seed", "vary", "value"}, sim.IndicatorKeys()...)
	for _, k := range sim.IndicatorKeys() {
		header = append(header, "delta."+k)
	}
	if !hasHeader && shardI == 0 {
		w.Write(header)
	}
	fmt.Fprintf(stderr, "batch: %d runs in this shard, %d already done, %d to run on %d workers\n", len(runs), len(runs)-len(todo), len(todo), *workers)

	var bar *progressbar.ProgressBar
	if isTerminal(stderr) && *progress && len(todo) > 0 {
		bar = progressbar.NewOptions(len(todo), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("batch"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	// Workers evaluate; rows are written in run order, each flushed at once so
	// that an interrupted batch resumes where it stopped.
	type result struct {
		i   int
		row []string
		err error
	}
	jobs := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for k := 0; k < *workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				row, err := runOne(loaded, pos, todo[i], vs)
				results <- result{i, row, err}
			}
		}()
	}
	go func() {
		for i := range todo {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int]result{}
	next := 0
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
			if r.err != nil {
				if firstErr == nil {
					firstErr = r.err
				}
				continue
			}
			if firstErr == nil {
				w.Write(r.row)
				w.Flush()
			}
			if bar != nil {
				bar.Add(1)
			}
		}
	}
	if err := w.Error(); err != nil {
		return fmt.Errorf("batch: writing %s: %v", *out, err)
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(stderr, "batch: wrote %d rows to %s\n", len(todo), *out)
	return nil
}

func runOne(loaded []*loadedScenario, paths []string, r batchRun, vs varySpec) ([]string, error) {
	l := loaded[r.scenario]
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
	res, err := (&loadedScenario{path: l.path, sc: &sc, city: l.city}).evaluate()
	if err != nil {
		return nil, err
	}
	row := []string{paths[r.scenario], sc.Name, res.City, strconv.FormatUint(r.seed, 10), vs.name, value}
	for _, k := range sim.IndicatorKeys() {
		row = append(row, strconv.FormatFloat(res.Scenario.City.Get(k), 'g', -1, 64))
	}
	for _, k := range sim.IndicatorKeys() {
		row = append(row, strconv.FormatFloat(res.Delta.Get(k), 'g', -1, 64))
	}
	return row, nil
}

// readDone reads the rows already in an output file.
func readDone(path string, paths []string, vary string) (map[string]bool, bool, error) {
	done := map[string]bool{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("batch: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	hasHeader := false
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, badInput("batch: %s line %d: %v: is it a batch output file?", path, line, err)
		}
		if len(rec) < 6 {
			return nil, false, badInput("batch: %s line %d: %d columns: not a batch output file", path, line, len(rec))
		}
		if rec[0] == "scenario" && rec[3] == "seed" {
			hasHeader = true
			continue
		}
		done[rec[0]+"\x00"+rec[3]+"\x00"+rec[5]] = true
	}
	return done, hasHeader, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
